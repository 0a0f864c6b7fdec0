/**
 * The NHSA 定点医药机构接口 envelope (docs/nhsa.md §2–3): the transaction
 * numbers we use, the x-tif signature text, msgid, Beijing times, and the
 * request and response envelopes. Hashing is left to each side's runtime
 * (node:crypto), since shared/ runs anywhere.
 */
import { isLosslessNumber } from 'lossless-json';
import { z } from 'zod';

/** The transactions this desk speaks (docs/nhsa.md §4). */
export const INFNO = {
  signIn: '9001',
  person: '1101',
  admit: '2401',
  uploadFees: '2301',
  cancelFees: '2302',
  discharge: '2402',
  preSettle: '2303',
  settle: '2304',
  cancelSettlement: '2305',
  undoDischarge: '2405',
  undoAdmission: '2404',
  reverse: '2601',
  // Reconciliation (docs/nhsa.md §8): hospital-level, no stay.
  stmtTotal: '3201',
  stmtDetail: '3202',
  fileUpload: '9101',
  fileDownload: '9102',
} as const;
export type Infno = (typeof INFNO)[keyof typeof INFNO];
export const INFNOS = Object.values(INFNO) as readonly Infno[];

/** The one-path-per-transaction form (docs/nhsa.md §2, openhis GetPubWay); the single-URL form puts infno in the body. */
export const DEFAULT_PATHS: Record<Infno, string> = {
  '9001': '/fsi/api/signInSignOutService/signIn',
  '1101': '/fsi/api/fsiPsnInfoService/queryPsnInfo',
  '2401': '/fsi/api/hospitalRegisterService/hospitalRegisterSave',
  '2301': '/fsi/api/hospFeeDtlService/feeDtlUp',
  '2302': '/fsi/api/hospFeeDtlService/feeDtlCl',
  '2402': '/fsi/api/dscgService/dischargeProcess',
  '2303': '/fsi/api/hospSettService/preSett',
  '2304': '/fsi/api/hospSettService/settV2',
  '2305': '/fsi/api/hospSettService/settCl',
  '2405': '/fsi/api/dscgService/dischargeUndo',
  '2404': '/fsi/api/hospitalRegisterService/hospitalRegisterCancel',
  '2601': '/fsi/api/reverseService/revsMethod',
  '3201': '/fsi/api/ybSettlementStmtService/stmtTotal',
  '3202': '/fsi/api/ybSettlementStmtService/stmtDetail',
  '9101': '/fsi/api/fileupload/upload',
  '9102': '/fsi/api/fileupload/download',
};
export const SINGLE_URL_PATH = '/fsi/api/rsfComIfsService/callService';

/** The transactions a 2601 冲正 may cancel when their outcome is unknown (docs/nhsa.md §4.2; 2402 unconfirmed). */
export const REVERSIBLE: ReadonlySet<string> = new Set([
  INFNO.admit,
  INFNO.discharge,
  INFNO.settle,
  INFNO.cancelSettlement,
]);

export const HEADER = {
  paasid: 'x-tif-paasid',
  timestamp: 'x-tif-timestamp',
  nonce: 'x-tif-nonce',
  signature: 'x-tif-signature',
} as const;

/** What x-tif-signature is the lower-case hex SHA-256 of (UTF-8): timestamp + passToken + nonce + timestamp. */
export const signatureText = (timestamp: string, passToken: string, nonce: string): string =>
  `${timestamp}${passToken}${nonce}${timestamp}`;

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const parts = (at: Date) => {
  const d = new Date(at.getTime() + BEIJING_OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    y: p(d.getUTCFullYear(), 4),
    mo: p(d.getUTCMonth() + 1),
    d: p(d.getUTCDate()),
    h: p(d.getUTCHours()),
    mi: p(d.getUTCMinutes()),
    s: p(d.getUTCSeconds()),
  };
};
/** Beijing local time (UTC+8, no DST), as inf_time and every other 日期时间 field: yyyy-MM-dd HH:mm:ss. */
export function beijingDateTime(at: Date): string {
  const t = parts(at);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}:${t.s}`;
}
/** Beijing local time as msgid carries it: yyyyMMddHHmmss. */
export function beijingStamp(at: Date): string {
  const t = parts(at);
  return `${t.y}${t.mo}${t.d}${t.h}${t.mi}${t.s}`;
}
/** A Beijing yyyy-MM-dd HH:mm:ss as an instant; null when it is not one. */
export function fromBeijingDateTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS;
  const back = new Date(ms);
  return beijingDateTime(back) === text ? back : null;
}

export const FIXMEDINS_CODE = /^[A-Z0-9]{12}$/;
/** fixmedins_code(12) + Beijing yyyyMMddHHmmss + a 4-digit sequence (docs/nhsa.md §3, §7.5). */
export const MSGID = /^[A-Z0-9]{12}\d{14}\d{4}$/;
export function makeMsgid(fixmedinsCode: string, at: Date, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 9999) throw new Error('msgid sequence is 0-9999');
  return `${fixmedinsCode}${beijingStamp(at)}${String(sequence).padStart(4, '0')}`;
}

const beijingDateTimeText = z.string().refine((s) => fromBeijingDateTime(s) !== null, {
  message: '须为北京时间 yyyy-MM-dd HH:mm:ss',
});
const admdvs = z.string().regex(/^\d{6}$/, { message: '医保区划须为 6 位数字' });

/** The request envelope (docs/nhsa.md §3), `input` per transaction. */
export const requestEnvelope = z.strictObject({
  infno: z.string().regex(/^\d{4}$/),
  msgid: z.string().regex(MSGID, { message: 'msgid 须为 定点医药机构编号(12)+yyyyMMddHHmmss+4位序号' }),
  mdtrtarea_admvs: admdvs,
  insuplc_admdvs: z.union([admdvs, z.literal('')]),
  recer_sys_code: z.string().min(1).max(10),
  dev_no: z.string().max(100),
  dev_safe_info: z.string().max(2000),
  cainfo: z.string().max(1024),
  signtype: z.string().max(10),
  infver: z.string().min(1).max(6),
  opter_type: z.enum(['1', '2', '3']),
  opter: z.string().min(1).max(30),
  opter_name: z.string().min(1).max(50),
  inf_time: beijingDateTimeText,
  fixmedins_code: z.string().regex(FIXMEDINS_CODE, { message: '定点医药机构编号须为 12 位' }),
  fixmedins_name: z.string().min(1).max(200),
  sign_no: z.string().max(30),
  input: z.record(z.string(), z.unknown()),
});
export type RequestEnvelope = z.infer<typeof requestEnvelope>;

/** infcode is a JSON number in some answers and a string in others (docs/nhsa.md §3): both, nothing else. */
export const infcode = z.unknown().transform((v, ctx) => {
  // Read losslessly, a JSON number is a LosslessNumber: its text decides.
  const text = isLosslessNumber(v) ? v.value : typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  if (text === '0' || text === '-1') return Number(text) as 0 | -1;
  ctx.addIssue({ code: 'custom', message: 'infcode 须为 0 或 -1' });
  return z.NEVER;
});

/** The response envelope; `output` is validated per transaction. Anything without infcode is not an answer. */
export const responseEnvelope = z.looseObject({
  infcode,
  err_msg: z.string().max(2000).nullish(),
  warn_msg: z.string().max(2000).nullish(),
  inf_refmsgid: z.string().max(30).nullish(),
  refmsg_time: z.string().max(17).nullish(),
  respond_time: z.string().max(17).nullish(),
  output: z.unknown().optional(),
});
export type ResponseEnvelope = z.infer<typeof responseEnvelope>;
