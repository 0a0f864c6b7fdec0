/**
 * Reconciliation at the gateway (docs/nhsa.md §8): 3201 对总账, 9101 文件上传,
 * 3202 对明细账, 9102 文件下载. The platform's ledger of a hospital is every
 * 2304 settlement of its stays (refd_setl_flag 0, dated by setl_time) and every
 * 2305 refund (refd_setl_flag 1, amounts negated as 2305 answered them, dated
 * by the cancellation); a settlement 2601 undid never happened. Dates are
 * Beijing dates. Files are refused unless exactly as agreed: a zip holding one
 * .txt, UTF-8 without BOM, TAB-separated, CRLF after every line, seven fields.
 */
import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { Decimal, ZERO, negatedAmount, type Money } from '../../../shared/money.js';
import { beijingDateTime, beijingStamp } from '../../../shared/nhsa/envelope.js';
import {
  STMT_DETAIL_FIELDS,
  STMT_RSLT_NAMES,
  StmtFileError,
  readStmtFile,
  stmtDetailRecord,
  writeStmtFile,
  type StmtDetailRecord,
  type StmtRslt,
} from '../../../shared/nhsa/transactions.js';
import type { Db } from '../../db.js';
import { Refusal, gatewayId, refuse, type TxContext } from '../context.js';
import { money2 } from '../state.js';
import type { Handler } from './types.js';

/** How long a file can be downloaded (9102) after it was stored. */
const DOWNLOAD_HOURS = 24;
/** A detail file's text, unzipped, at most this large. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

interface Entry {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  msgid: string;
  insutype: string;
  clr_type: string;
  setl_optins: string;
  refd_setl_flag: '0' | '1';
  date: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
}

/** The hospital's settlements and refunds dated within [from, to] (Beijing dates, inclusive). */
function ledger(db: Db, paasid: string, from: string, to: string): Entry[] {
  const rows = db
    .prepare(
      `SELECT s.setl_id, s.mdtrt_id, s.psn_no, s.msgid, s.status, s.setlinfo, s.cancel_setl_id, s.cancelled_at, r.msgid AS cancel_msgid
       FROM nhsa_settlements s JOIN nhsa_stays st ON st.mdtrt_id = s.mdtrt_id LEFT JOIN nhsa_requests r ON r.id = s.cancelled_by
       WHERE st.paasid = ? ORDER BY s.rowid`,
    )
    .all(paasid) as {
    setl_id: string;
    mdtrt_id: string;
    psn_no: string;
    msgid: string;
    status: 'settled' | 'cancelled';
    setlinfo: string;
    cancel_setl_id: string | null;
    cancelled_at: string | null;
    cancel_msgid: string | null;
  }[];
  const out: Entry[] = [];
  for (const r of rows) {
    if (r.status === 'cancelled' && r.cancel_setl_id === null) continue; // undone by 2601: never settled
    const info = JSON.parse(r.setlinfo) as Record<string, string>;
    const base = {
      mdtrt_id: r.mdtrt_id,
      psn_no: r.psn_no,
      insutype: info.insutype!,
      clr_type: info.clr_type!,
      setl_optins: info.clr_optins!,
    };
    out.push({
      ...base,
      setl_id: r.setl_id,
      msgid: r.msgid,
      refd_setl_flag: '0',
      date: info.setl_time!.slice(0, 10),
      medfee_sumamt: info.medfee_sumamt!,
      fund_pay_sumamt: info.fund_pay_sumamt!,
      acct_pay: info.acct_pay!,
    });
    if (r.cancel_setl_id !== null)
      out.push({
        ...base,
        setl_id: r.cancel_setl_id,
        msgid: r.cancel_msgid ?? '',
        refd_setl_flag: '1',
        date: beijingDateTime(new Date(r.cancelled_at!)).slice(0, 10),
        medfee_sumamt: negatedAmount(info.medfee_sumamt!),
        fund_pay_sumamt: negatedAmount(info.fund_pay_sumamt!),
        acct_pay: negatedAmount(info.acct_pay!),
      });
  }
  return out.filter((e) => e.date >= from && e.date <= to);
}

interface Totals {
  count: number;
  medfee_sumamt: Money;
  fund_pay_sumamt: Money;
  acct_pay: Money;
}
const totalsOf = (es: readonly { medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string }[]): Totals => ({
  count: es.length,
  medfee_sumamt: es.reduce((s, e) => s.plus(e.medfee_sumamt), ZERO),
  fund_pay_sumamt: es.reduce((s, e) => s.plus(e.fund_pay_sumamt), ZERO),
  acct_pay: es.reduce((s, e) => s.plus(e.acct_pay), ZERO),
});
const describe = (t: Totals) =>
  `${t.count} 笔，医疗费总额 ${money2(t.medfee_sumamt)}，基金支付 ${money2(t.fund_pay_sumamt)}，个人账户 ${money2(t.acct_pay)}`;

function period(from: string, to: string): void {
  if (from > to) refuse(`对账开始日期 stmt_begndate ${from} 晚于结束日期 stmt_enddate ${to}`);
}

/** 3201: the hospital's totals of one group against the platform's. */
export const stmtTotal: Handler<'3201'> = (ctx, input) => {
  const d = input.data;
  period(d.stmt_begndate, d.stmt_enddate);
  const theirs = ledger(ctx.db, ctx.account.paasid, d.stmt_begndate, d.stmt_enddate).filter(
    (e) =>
      e.insutype === d.insutype &&
      e.clr_type === d.clr_type &&
      e.setl_optins === d.setl_optins &&
      e.refd_setl_flag === d.refd_setl_flag,
  );
  const center = totalsOf(theirs);
  const hospital: Totals = {
    count: Number(d.fixmedins_setl_cnt),
    medfee_sumamt: new Decimal(d.medfee_sumamt),
    fund_pay_sumamt: new Decimal(d.fund_pay_sumamt),
    acct_pay: new Decimal(d.acct_pay),
  };
  const same =
    center.count === hospital.count &&
    center.medfee_sumamt.equals(hospital.medfee_sumamt) &&
    center.fund_pay_sumamt.equals(hospital.fund_pay_sumamt) &&
    center.acct_pay.equals(hospital.acct_pay);
  const rslt: StmtRslt = same ? '0' : center.count > hospital.count ? '1' : center.count < hospital.count ? '2' : '3';
  const dscr =
    rslt === '0'
      ? `对账平：${describe(center)}`
      : `${STMT_RSLT_NAMES[rslt]}：医保中心 ${describe(center)}；医药机构 ${describe(hospital)}`;
  return { output: { stmtinfo: { setl_optins: d.setl_optins, stmt_rslt: rslt, stmt_rslt_dscr: dscr.slice(0, 200) } } };
};

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function store(
  ctx: TxContext,
  kind: 'upload' | 'result',
  filename: string,
  bytes: Uint8Array,
  detailOf: string | null,
): { file_qury_no: string; filename: string; dld_endtime: string } {
  const fileQuryNo = gatewayId(ctx.account.mdtrtarea_admvs, beijingStamp(ctx.now), ctx.requestId);
  const dldEndtime = beijingDateTime(new Date(ctx.now.getTime() + DOWNLOAD_HOURS * 3_600_000));
  ctx.db
    .prepare(
      `INSERT INTO nhsa_files (file_qury_no, paasid, kind, filename, bytes, sha256, detail_of, request_id, created_at, dld_endtime)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      fileQuryNo,
      ctx.account.paasid,
      kind,
      filename,
      Buffer.from(bytes),
      sha256(bytes),
      detailOf,
      ctx.requestId,
      ctx.now.toISOString(),
      dldEndtime,
    );
  return { file_qury_no: fileQuryNo, filename, dld_endtime: dldEndtime };
}

function ownCode(ctx: TxContext, code: string): void {
  if (code !== ctx.account.fixmedins_code) refuse(`医药机构编号 fixmedins_code ${code} 与账户（x-tif-paasid）不符`);
}

/** 9101: stores the file (base64 in `in`), answers its 文件查询号. */
export const fileUpload: Handler<'9101'> = (ctx, input) => {
  const f = input.fsUploadIn;
  ownCode(ctx, f.fixmedins_code);
  const bytes = Buffer.from(f.in, 'base64');
  if (bytes.toString('base64') !== f.in) refuse('文件数据 in 不是规范的 base64 编码');
  return { output: store(ctx, 'upload', f.filename, bytes, null) };
};

interface StoredFile {
  file_qury_no: string;
  kind: 'upload' | 'result';
  filename: string;
  bytes: Buffer;
  sha256: string;
  dld_endtime: string;
}
const fileOf = (db: Db, paasid: string, fileQuryNo: string) =>
  db
    .prepare(
      'SELECT file_qury_no, kind, filename, bytes, sha256, dld_endtime FROM nhsa_files WHERE file_qury_no = ? AND paasid = ?',
    )
    .get(fileQuryNo, paasid) as StoredFile | undefined;

/** The one .txt of a detail zip, checked as docs/nhsa.md §8 says; each fault refused with its line. */
function detailRecords(zip: Uint8Array): StmtDetailRecord[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        if (f.originalSize > MAX_TEXT_BYTES) refuse(`明细文件 ${f.name} 解压后超过 ${MAX_TEXT_BYTES} 字节`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof Refusal) throw e; // from the filter
    return refuse(`明细文件不是有效的 zip：${e instanceof Error ? e.message : String(e)}`);
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
  if (names.length !== 1 || !names[0]!.toLowerCase().endsWith('.txt'))
    refuse(`明细文件 zip 须只含一个 .txt 文件（实有：${names.join('、') || '无'}）`);
  const bytes = entries[names[0]!]!;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) refuse('明细文件须为无 BOM 的 UTF-8');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('明细文件不是有效的 UTF-8 文本');
  }
  try {
    return readStmtFile(text, STMT_DETAIL_FIELDS, stmtDetailRecord);
  } catch (e) {
    if (e instanceof StmtFileError) refuse(`明细文件${e.message}`);
    throw e;
  }
}

/** 3202: the detail file against the platform's records of that 结算经办机构, 清算类别 and flag; writes result.txt. */
export const stmtDetail: Handler<'3202'> = (ctx, input) => {
  const d = input.data;
  period(d.stmt_begndate, d.stmt_enddate);
  const file = fileOf(ctx.db, ctx.account.paasid, d.file_qury_no);
  if (!file || file.kind !== 'upload') refuse(`文件查询号 file_qury_no ${d.file_qury_no} 不存在`);
  const records = detailRecords(file.bytes);

  const seen = new Set<string>();
  records.forEach((r, i) => {
    if (seen.has(r.setl_id)) refuse(`明细文件第 ${i + 1} 行：结算ID ${r.setl_id} 重复`);
    seen.add(r.setl_id);
    if (r.refd_setl_flag !== d.refd_setl_flag)
      refuse(`明细文件第 ${i + 1} 行：退费结算标志 ${r.refd_setl_flag} 与 refd_setl_flag ${d.refd_setl_flag} 不符`);
  });
  const declared = totalsOf(records);
  if (Number(d.fixmedins_setl_cnt) !== declared.count)
    refuse(`结算笔数 fixmedins_setl_cnt ${d.fixmedins_setl_cnt} 与明细文件行数 ${declared.count} 不符`);
  if (!declared.medfee_sumamt.equals(d.medfee_sumamt))
    refuse(`医疗费总额 medfee_sumamt ${d.medfee_sumamt} 与明细文件合计 ${money2(declared.medfee_sumamt)} 不符`);
  if (!declared.fund_pay_sumamt.equals(d.fund_pay_sumamt))
    refuse(`基金支付总额 fund_pay_sumamt ${d.fund_pay_sumamt} 与明细文件合计 ${money2(declared.fund_pay_sumamt)} 不符`);

  const theirs = ledger(ctx.db, ctx.account.paasid, d.stmt_begndate, d.stmt_enddate).filter(
    (e) => e.setl_optins === d.setl_optins && e.clr_type === d.clr_type && e.refd_setl_flag === d.refd_setl_flag,
  );
  const bySetlId = new Map(theirs.map((e) => [e.setl_id, e]));
  const rows: string[][] = [];
  const line = (e: Entry | StmtDetailRecord, msgid: string, rslt: StmtRslt, memo: string) => [
    e.psn_no,
    e.mdtrt_id,
    e.setl_id,
    msgid,
    rslt,
    e.refd_setl_flag,
    memo,
    money2(new Decimal(e.medfee_sumamt)),
    money2(new Decimal(e.fund_pay_sumamt)),
    money2(new Decimal(e.acct_pay)),
  ];
  for (const r of records) {
    const e = bySetlId.get(r.setl_id);
    bySetlId.delete(r.setl_id);
    if (!e) {
      // The platform has no such settlement: the hospital's amounts are the only ones there are.
      rows.push(line(r, '', '2', '医保中心无此结算'));
      continue;
    }
    const both = (label: string, ours: string, theirs: string) => `${label} 医药机构 ${ours}，医保中心 ${theirs}`;
    const differs = [
      e.mdtrt_id !== r.mdtrt_id && both('就诊ID', r.mdtrt_id, e.mdtrt_id),
      e.psn_no !== r.psn_no && both('人员编号', r.psn_no, e.psn_no),
      !new Decimal(e.medfee_sumamt).equals(r.medfee_sumamt) && both('医疗费总额', r.medfee_sumamt, e.medfee_sumamt),
      !new Decimal(e.fund_pay_sumamt).equals(r.fund_pay_sumamt) &&
        both('基金支付', r.fund_pay_sumamt, e.fund_pay_sumamt),
      !new Decimal(e.acct_pay).equals(r.acct_pay) && both('个人账户', r.acct_pay, e.acct_pay),
    ].filter((x): x is string => typeof x === 'string');
    rows.push(
      differs.length === 0 ? line(e, e.msgid, '0', '') : line(e, e.msgid, '3', differs.join('；').slice(0, 200)),
    );
  }
  for (const e of bySetlId.values()) rows.push(line(e, e.msgid, '1', '医药机构明细无此结算'));

  const result = zipSync({ 'result.txt': new TextEncoder().encode(writeStmtFile(rows)) });
  const stem = file.filename.replace(/\.zip$/i, '');
  return { output: { fileinfo: store(ctx, 'result', `${stem}_result.zip`, result, file.file_qury_no) } };
};

/** 9102: the stored file itself is the answer's body; its name must match its 文件查询号. */
export const fileDownload: Handler<'9102'> = (ctx, input) => {
  const f = input.fsDownloadIn;
  ownCode(ctx, f.fixmedins_code);
  const file = fileOf(ctx.db, ctx.account.paasid, f.file_qury_no);
  if (!file || file.filename !== f.filename)
    refuse(`文件查询号 file_qury_no ${f.file_qury_no} 与文件名 ${f.filename} 不存在`);
  if (beijingDateTime(ctx.now) > file.dld_endtime) refuse(`文件已超过下载截止时间 ${file.dld_endtime}`);
  const bytes = new Uint8Array(file.bytes);
  return {
    output: { file_qury_no: file.file_qury_no, filename: file.filename, size: bytes.length, sha256: file.sha256 },
    file: { bytes, filename: file.filename },
  };
};
