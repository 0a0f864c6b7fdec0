/**
 * The `input` and `output` of each transaction the desk uses (docs/nhsa.md
 * §4, field names and lengths from the open-source HIS code cited there).
 * Amounts are JSON numbers read losslessly (numbers.ts) and become decimal
 * strings. Outputs are loose (regions add fields) but what we use is required.
 */
import { z } from 'zod';
import { fromBeijingDateTime } from './envelope.js';
import { decimalText, nhsaCount, nhsaMoney, nhsaNumber, nhsaPrice, nhsaRatio } from './numbers.js';

const str = (max: number) => z.string().max(max);
const req = (max: number) => z.string().min(1).max(max);
const beijing = z
  .string()
  .refine((s) => fromBeijingDateTime(s) !== null, { message: '须为北京时间 yyyy-MM-dd HH:mm:ss' });

// ── 9001 签到 ──────────────────────────────────────────────────────────────
export const signInInput = z.strictObject({
  signIn: z.strictObject({ opter_no: req(20), mac: str(20), ip: str(20) }),
});
export const signInOutput = z.looseObject({
  signinoutb: z.looseObject({ sign_time: z.string(), sign_no: req(30) }),
});

// ── 1101 人员信息获取 ──────────────────────────────────────────────────────
export const personInput = z.strictObject({
  data: z.strictObject({
    mdtrt_cert_type: z.enum(['01', '02', '03']),
    mdtrt_cert_no: req(50),
    card_sn: str(32),
    begntime: z.union([beijing, z.literal('')]),
    psn_cert_type: str(6),
    certno: str(50),
    psn_name: str(50),
  }),
});
export const personOutput = z.looseObject({
  baseinfo: z.looseObject({ psn_no: req(30), certno: str(50), psn_name: str(50), gend: str(6).nullish() }),
  insuinfo: z
    .array(
      z.looseObject({
        insutype: z.string().regex(/^\d{3}$/),
        psn_type: str(6).nullish(),
        psn_insu_stas: str(6).nullish(),
        insuplc_admdvs: z.string().regex(/^\d{6}$/),
        balc: nhsaMoney.nullish(),
      }),
    )
    .min(1),
  idetinfo: z.array(z.unknown()).nullish(),
});

// ── 2401 入院办理 ──────────────────────────────────────────────────────────
const diagnosis = z.strictObject({
  psn_no: req(30),
  diag_type: req(3),
  maindiag_flag: z.enum(['0', '1']),
  diag_srt_no: req(2),
  diag_code: req(20),
  diag_name: req(255),
  diag_dept: str(50),
  dise_dor_no: str(30),
  dise_dor_name: str(50),
  diag_time: beijing,
});
export const admitInput = z.strictObject({
  mdtrtinfo: z.strictObject({
    psn_no: req(30),
    insutype: z.string().regex(/^\d{3}$/),
    begntime: beijing,
    mdtrt_cert_type: z.enum(['01', '02', '03']),
    mdtrt_cert_no: req(50),
    med_type: req(6),
    ipt_no: req(30),
    atddr_no: str(30),
    chfpdr_name: str(50),
    adm_diag_dscr: str(200),
    adm_dept_codg: str(30),
    adm_dept_name: str(100),
    adm_bed: str(30),
    dscg_maindiag_code: str(30),
    dscg_maindiag_name: str(300),
  }),
  diseinfo: z.array(diagnosis),
});
export const admitOutput = z.looseObject({ result: z.looseObject({ mdtrt_id: req(30) }) });

// ── 2301 住院费用明细上传 / 2302 撤销 ─────────────────────────────────────
export const feeLine = z.strictObject({
  feedetl_sn: req(30),
  init_feedetl_sn: str(30),
  mdtrt_id: req(30),
  drord_no: str(30),
  psn_no: req(30),
  med_type: req(6),
  fee_ocur_time: beijing,
  med_list_codg: req(50),
  medins_list_codg: req(150),
  det_item_fee_sumamt: nhsaMoney,
  cnt: nhsaCount,
  pric: nhsaPrice,
  bilg_dept_codg: req(30),
  bilg_dept_name: req(100),
  bilg_dr_codg: str(30),
  bilg_dr_name: str(50),
  hosp_appr_flag: str(3),
});
export const MAX_FEE_LINES = 100;
export const feeUploadInput = z.strictObject({ feedetail: z.array(feeLine).min(1).max(MAX_FEE_LINES) });
export const feeUploadOutput = z.looseObject({
  result: z.array(
    z.looseObject({
      feedetl_sn: req(30),
      det_item_fee_sumamt: nhsaMoney,
      cnt: nhsaCount,
      pric: nhsaPrice,
      pric_uplmt_amt: nhsaPrice.nullish(),
      selfpay_prop: nhsaRatio.nullish(),
      fulamt_ownpay_amt: nhsaMoney,
      overlmt_amt: nhsaMoney,
      preselfpay_amt: nhsaMoney,
      inscp_scp_amt: nhsaMoney,
      memo: z.string().nullish(),
    }),
  ),
});
/** 2302: "0000" cancels every uploaded line of the stay; the data node is an array (openhis). */
export const feeCancelInput = z.strictObject({
  data: z.array(z.strictObject({ feedetl_sn: req(30), mdtrt_id: req(30), psn_no: req(30) })).min(1),
});

// ── 2402 出院办理 / 2405 出院撤销 / 2404 入院撤销 ──────────────────────────
export const dischargeInput = z.strictObject({
  dscginfo: z.strictObject({
    mdtrt_id: req(30),
    psn_no: req(30),
    insutype: z.string().regex(/^\d{3}$/),
    endtime: beijing,
    dscg_way: req(3),
    dscg_dept_codg: str(30),
    dscg_dept_name: str(100),
  }),
  diseinfo: z.array(diagnosis),
});
export const stayRefInput = z.strictObject({ data: z.strictObject({ mdtrt_id: req(30), psn_no: req(30) }) });

// ── 2303 预结算 / 2304 结算 / 2305 结算撤销 ────────────────────────────────
export const settleInput = z.strictObject({
  data: z.strictObject({
    psn_no: req(30),
    mdtrt_cert_type: z.enum(['01', '02', '03']),
    mdtrt_cert_no: req(50),
    medfee_sumamt: nhsaMoney,
    psn_setlway: z.enum(['01', '02']),
    mdtrt_id: req(30),
    insutype: z.string().regex(/^\d{3}$/),
    acct_used_flag: z.enum(['0', '1']),
    invono: str(20),
    mid_setl_flag: z.enum(['0', '1']),
    fulamt_ownpay_amt: nhsaMoney,
    overlmt_selfpay: nhsaMoney,
    preselfpay_amt: nhsaMoney,
    inscp_scp_amt: nhsaMoney,
  }),
});
/** fund_pay_type: 6 digits, some regions 8 (docs/nhsa.md §6). */
export const fundPayType = z.string().regex(/^\d{6,8}$/, { message: 'fund_pay_type 须为 6-8 位数字' });
export const setlDetail = z.looseObject({
  fund_pay_type: fundPayType,
  fund_payamt: nhsaMoney,
  fund_pay_type_name: z.string().max(200).nullish(),
  inscp_scp_amt: nhsaMoney.nullish(),
  crt_payb_lmt_amt: nhsaMoney.nullish(),
  setl_proc_info: z.string().nullish(),
});
const setlAmounts = {
  medfee_sumamt: nhsaMoney,
  fulamt_ownpay_amt: nhsaMoney,
  overlmt_selfpay: nhsaMoney,
  preselfpay_amt: nhsaMoney,
  inscp_scp_amt: nhsaMoney,
  act_pay_dedc: nhsaMoney,
  hifp_pay: nhsaMoney,
  cvlserv_pay: nhsaMoney,
  hifes_pay: nhsaMoney,
  hifmi_pay: nhsaMoney,
  hifob_pay: nhsaMoney,
  maf_pay: nhsaMoney,
  oth_pay: nhsaMoney,
  fund_pay_sumamt: nhsaMoney,
  psn_part_amt: nhsaMoney,
  acct_pay: nhsaMoney,
  psn_cash_pay: nhsaMoney,
};
export const SETL_AMOUNT_FIELDS = Object.keys(setlAmounts) as (keyof typeof setlAmounts)[];
export const settleOutput = z.looseObject({
  setlinfo: z.looseObject({
    mdtrt_id: req(30),
    setl_id: req(30),
    psn_no: req(30),
    setl_time: beijing,
    ...setlAmounts,
    medins_setl_id: z.string().max(30).nullish(),
    clr_optins: z.string().max(6).nullish(),
    clr_way: z.string().max(6).nullish(),
    clr_type: z.string().max(6).nullish(),
  }),
  setldetail: z.array(setlDetail),
});
/** 2303 answers the same without a setl_id. */
export const preSettleOutput = z.looseObject({
  setlinfo: z.looseObject({ mdtrt_id: req(30), psn_no: req(30), ...setlAmounts }),
  setldetail: z.array(setlDetail),
});
export const cancelSettlementInput = z.strictObject({
  data: z.strictObject({ mdtrt_id: req(30), setl_id: req(30), psn_no: req(30) }),
});

// ── 2601 冲正 ──────────────────────────────────────────────────────────────
export const reverseInput = z.strictObject({
  data: z.strictObject({ psn_no: req(30), omsgid: z.string().length(30), oinfno: z.string().regex(/^\d{4}$/) }),
});

// ── 3201 对总账 / 3202 对明细账 / 9101 文件上传 / 9102 文件下载 (docs/nhsa.md §8) ──
/** 日期型 yyyy-MM-dd (OH Input_3202: stmt_begndate/stmt_enddate). */
const ymd = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && fromBeijingDateTime(`${s} 00:00:00`) !== null, {
  message: '须为日期 yyyy-MM-dd',
});
/** 定点医药机构结算笔数 (数值型 10): a whole JSON number, never negative. */
const setlCount = nhsaNumber(0, 10).refine((s) => !s.startsWith('-'), { message: '结算笔数不能为负' });
/** 退费结算标志: 0 a settlement (2304), 1 its refund (2305). */
export const refdSetlFlag = z.enum(['0', '1']);
/** 对账结果 (ZB NationalTool): 0 平, 1 中心多, 2 医药机构多, 3 数据不一致. */
export const stmtRslt = z.enum(['0', '1', '2', '3']);
export type StmtRslt = z.output<typeof stmtRslt>;
export const STMT_RSLT_NAMES: Record<StmtRslt, string> = { '0': '平', '1': '中心多', '2': '医药机构多', '3': '不一致' };
/** Canonical base64 (OH sends Convert.ToBase64String of the zip; ZB a byte[] its JSON library writes as base64). */
const base64 = z
  .string()
  .min(4)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, { message: '须为 base64 编码' });
/** A file name as the gateway stores it: no path, no control characters. */
const fileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\x00-\x1f]+$/, { message: '文件名不能含路径或控制字符' });

export const stmtTotalInput = z.strictObject({
  data: z.strictObject({
    insutype: z.string().regex(/^\d{3}$/),
    clr_type: req(6),
    setl_optins: req(6),
    stmt_begndate: ymd,
    stmt_enddate: ymd,
    medfee_sumamt: nhsaMoney,
    fund_pay_sumamt: nhsaMoney,
    acct_pay: nhsaMoney,
    fixmedins_setl_cnt: setlCount,
    refd_setl_flag: refdSetlFlag,
  }),
});
export const stmtTotalOutput = z.looseObject({
  stmtinfo: z.looseObject({
    setl_optins: str(6).nullish(),
    stmt_rslt: stmtRslt,
    stmt_rslt_dscr: z.string().max(200).nullish(),
  }),
});

/** 9101: `in` is the file's bytes as base64 (docs/nhsa.md §8). */
export const fileUploadInput = z.strictObject({
  fsUploadIn: z.strictObject({ in: base64, filename: fileName, fixmedins_code: req(30) }),
});
/** 9101's output is flat (OH Output_9101); dld_endtime 字符型 30. */
export const fileUploadOutput = z.looseObject({
  file_qury_no: req(30),
  filename: str(200).nullish(),
  dld_endtime: str(30).nullish(),
});

export const stmtDetailInput = z.strictObject({
  data: z.strictObject({
    setl_optins: req(6),
    file_qury_no: req(30),
    stmt_begndate: ymd,
    stmt_enddate: ymd,
    medfee_sumamt: nhsaMoney,
    fund_pay_sumamt: nhsaMoney,
    cash_payamt: nhsaMoney,
    fixmedins_setl_cnt: setlCount,
    clr_type: req(6),
    refd_setl_flag: refdSetlFlag,
  }),
});
export const stmtDetailOutput = z.looseObject({
  fileinfo: z.looseObject({ file_qury_no: req(30), filename: fileName, dld_endtime: beijing.nullish() }),
});

export const fileDownloadInput = z.strictObject({
  fsDownloadIn: z.strictObject({ file_qury_no: req(30), filename: fileName, fixmedins_code: req(30) }),
});
/**
 * 9102 answers with the file itself as the HTTP body, not an envelope (ZB `sendHttpDownload` writes the body
 * to a .zip); a refusal is the usual JSON envelope. The terminal's client hands the bytes over as `file`.
 */
export const fileDownloadOutput = z.strictObject({ file: z.instanceof(Uint8Array) });

/**
 * The 3202 detail file and the result file (docs/nhsa.md §8): UTF-8 text, one record per line, fields
 * separated by TAB, every line ended by CRLF (the last one too). Amounts are decimal text with at most 2
 * decimals. Zipping, and checking the bytes are UTF-8, is each side's (no Node or DOM here).
 */
const moneyText = z.string().transform((s, ctx) => {
  const t = s === s.trim() ? decimalText(s, 2, 14) : null;
  if (t === null) {
    ctx.addIssue({ code: 'custom', message: `金额 "${s}" 须为至多 2 位小数的十进制数` });
    return z.NEVER;
  }
  return t;
});
export const STMT_DETAIL_FIELDS = [
  'setl_id',
  'mdtrt_id',
  'psn_no',
  'medfee_sumamt',
  'fund_pay_sumamt',
  'acct_pay',
  'refd_setl_flag',
] as const;
export const stmtDetailRecord = z.strictObject({
  setl_id: req(30),
  mdtrt_id: req(30),
  psn_no: req(30),
  medfee_sumamt: moneyText,
  fund_pay_sumamt: moneyText,
  acct_pay: moneyText,
  refd_setl_flag: refdSetlFlag,
});
export type StmtDetailRecord = z.output<typeof stmtDetailRecord>;
export const STMT_RESULT_FIELDS = [
  'psn_no',
  'mdtrt_id',
  'setl_id',
  'msgid',
  'stmt_rslt',
  'refd_setl_flag',
  'memo',
  'medfee_sumamt',
  'fund_pay_sumamt',
  'acct_pay',
] as const;
/** One line of result.txt; msgid is the platform's record of the original request (empty when it has none). */
export const stmtResultRecord = z.strictObject({
  psn_no: req(30),
  mdtrt_id: req(30),
  setl_id: req(30),
  msgid: str(30),
  stmt_rslt: stmtRslt,
  refd_setl_flag: refdSetlFlag,
  memo: str(200),
  medfee_sumamt: moneyText,
  fund_pay_sumamt: moneyText,
  acct_pay: moneyText,
});
export type StmtResultRecord = z.output<typeof stmtResultRecord>;

/** A statement file that is not as agreed; `line` is 1-based (null: the file as a whole). */
export class StmtFileError extends Error {
  constructor(
    readonly line: number | null,
    readonly detail: string,
  ) {
    super(line === null ? detail : `第 ${line} 行：${detail}`);
    this.name = 'StmtFileError';
  }
}

/** The records of a statement file's text, each checked field by field; the first fault names its line. */
export function readStmtFile<S extends z.ZodType>(text: string, fields: readonly string[], schema: S): z.output<S>[] {
  if (text === '') return [];
  const lines = text.split('\r\n');
  const last = lines.pop();
  if (last !== '') throw new StmtFileError(lines.length + 1, '每行（含末行）须以 CRLF 结束');
  return lines.map((line, i) => {
    if (/[\r\n]/.test(line)) throw new StmtFileError(i + 1, '换行须为 CRLF（发现单独的 CR 或 LF）');
    const cells = line.split('\t');
    if (cells.length !== fields.length)
      throw new StmtFileError(i + 1, `应有 ${fields.length} 个字段（TAB 分隔），实有 ${cells.length} 个`);
    const parsed = schema.safeParse(Object.fromEntries(fields.map((f, k) => [f, cells[k]])));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StmtFileError(i + 1, `${issue.path.join('.')}：${issue.message}`);
    }
    return parsed.data;
  });
}

/** A statement file's text from its rows (TAB between fields, CRLF after every line); a cell may hold neither. */
export function writeStmtFile(rows: readonly (readonly string[])[]): string {
  return rows
    .map((cells, i) => {
      for (const c of cells) if (/[\t\r\n]/.test(c)) throw new StmtFileError(i + 1, `字段 "${c}" 含 TAB 或换行`);
      return `${cells.join('\t')}\r\n`;
    })
    .join('');
}

/** Each transaction's input schema (what the gateway checks) and output schema (what the terminal checks). */
export const TRANSACTIONS = {
  '9001': { input: signInInput, output: signInOutput },
  '1101': { input: personInput, output: personOutput },
  '2401': { input: admitInput, output: admitOutput },
  '2301': { input: feeUploadInput, output: feeUploadOutput },
  '2302': { input: feeCancelInput, output: z.unknown() },
  '2402': { input: dischargeInput, output: z.unknown() },
  '2303': { input: settleInput, output: preSettleOutput },
  '2304': { input: settleInput, output: settleOutput },
  '2305': { input: cancelSettlementInput, output: settleOutput },
  '2405': { input: stayRefInput, output: z.unknown() },
  '2404': { input: stayRefInput, output: z.unknown() },
  '2601': { input: reverseInput, output: z.unknown() },
  '3201': { input: stmtTotalInput, output: stmtTotalOutput },
  '3202': { input: stmtDetailInput, output: stmtDetailOutput },
  '9101': { input: fileUploadInput, output: fileUploadOutput },
  '9102': { input: fileDownloadInput, output: fileDownloadOutput },
} as const;

export type SettleOutput = z.output<typeof settleOutput>;
export type FeeLineIn = z.input<typeof feeLine>;
export type FeeLine = z.output<typeof feeLine>;
export type PersonOutput = z.output<typeof personOutput>;
