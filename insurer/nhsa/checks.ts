/**
 * What the gateway checks before a transaction runs (docs/nhsa.md §2–3), each
 * failure a Refusal with the err_msg the answer carries: the x-tif headers
 * (account, timestamp window, signature, nonce reuse), the body, the envelope
 * (requestEnvelope, infno against the path, the account's codes, msgid shape
 * and reuse), sign_no, the transaction's input, and psn_no with
 * insuplc_admdvs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { fromZodError } from '../../shared/errors.js';
import {
  DEFAULT_PATHS,
  HEADER,
  INFNO,
  SINGLE_URL_PATH,
  fromBeijingDateTime,
  requestEnvelope,
  signatureText,
  type RequestEnvelope,
} from '../../shared/nhsa/envelope.js';
import { parseNhsaJson } from '../../shared/nhsa/numbers.js';
import { TRANSACTIONS } from '../../shared/nhsa/transactions.js';
import type { Db } from '../db.js';
import type { Person } from '../persons.js';
import { ORIGINAL_NOT_FOUND, SIGN_NO_INVALID, refuse } from './context.js';
import { admdvsOf, personByPsnNo, psnNosIn } from './insured.js';
import { accountByPaasid, type NhsaAccount } from './state.js';
import type { TxInfno } from './transactions/types.js';

/** ± seconds between x-tif-timestamp and the gateway's clock (unconfirmed: docs/nhsa.md §9). */
export const TIMESTAMP_WINDOW_S = 300;

/** The infno a per-transaction path stands for; null for the single URL (infno in the body). */
export const PATH_INFNO: ReadonlyMap<string, string | null> = new Map([
  [SINGLE_URL_PATH, null],
  ...Object.entries(DEFAULT_PATHS).map(([infno, path]) => [path, infno] as [string, string]),
]);

export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The account the headers sign for; records the nonce. */
export function checkHeaders(db: Db, headers: IncomingHttpHeaders, now: Date): NhsaAccount {
  const value = (name: string) => {
    const v = headerOf(headers, name)?.trim();
    if (!v) refuse(`缺少请求头 ${name}`);
    return v;
  };
  const paasid = value(HEADER.paasid);
  const timestamp = value(HEADER.timestamp);
  const nonce = value(HEADER.nonce);
  const signature = value(HEADER.signature);
  const account = accountByPaasid(db, paasid);
  if (!account) refuse(`x-tif-paasid ${paasid} 无效（账户不存在）`);
  if (!/^\d{1,12}$/.test(timestamp)) refuse(`x-tif-timestamp ${timestamp} 须为 Unix 时间戳（秒）`);
  const skew = Math.abs(Number(timestamp) - Math.floor(now.getTime() / 1000));
  if (skew > TIMESTAMP_WINDOW_S)
    refuse(`x-tif-timestamp 超出允许范围：与网关时间相差 ${skew} 秒（允许 ±${TIMESTAMP_WINDOW_S} 秒）`);
  if (nonce.length > 128) refuse('x-tif-nonce 过长（最多 128 个字符）');
  const expected = Buffer.from(sha256Hex(signatureText(timestamp, account.pass_token, nonce)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    refuse('签名校验失败：x-tif-signature 与 sha256(timestamp+passToken+nonce+timestamp) 不符');

  // A nonce is refused while a request with it could still pass the timestamp check.
  const nowMs = now.getTime();
  db.prepare('DELETE FROM nhsa_nonces WHERE seen_at_ms < ?').run(nowMs - 2 * TIMESTAMP_WINDOW_S * 1000);
  if (db.prepare('SELECT 1 FROM nhsa_nonces WHERE paasid = ? AND nonce = ?').get(paasid, nonce))
    refuse(`x-tif-nonce ${nonce} 已使用（${TIMESTAMP_WINDOW_S} 秒内不得重复）`);
  db.prepare('INSERT INTO nhsa_nonces (paasid, nonce, seen_at_ms) VALUES (?, ?, ?)').run(paasid, nonce, nowMs);
  return account;
}

/** The body as a JSON object, numbers kept as text (parseNhsaJson). */
export function parseBody(headers: IncomingHttpHeaders, body: Buffer): Record<string, unknown> {
  const type = (headerOf(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') refuse('请求头 Content-Type 须为 application/json');
  let value: unknown;
  try {
    value = parseNhsaJson(body.toString('utf8'));
  } catch {
    refuse('请求报文不是有效的 JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) refuse('请求报文须为 JSON 对象');
  return value as Record<string, unknown>;
}

function problem(error: z.ZodError, prefix: string): string {
  const e = fromZodError(error);
  const field = [prefix, e.body.field].filter(Boolean).join('.');
  return `${field ? `${field}：` : ''}${e.body.message}`;
}

/** The envelope, its infno against the path, the account's codes and the msgid's shape. */
export function checkEnvelope(
  body: Record<string, unknown>,
  path: string,
  account: NhsaAccount,
): RequestEnvelope & { infno: TxInfno } {
  const parsed = requestEnvelope.safeParse(body, { reportInput: true });
  if (!parsed.success) refuse(`报文格式错误：${problem(parsed.error, '')}`);
  const env = parsed.data;
  if (!Object.hasOwn(TRANSACTIONS, env.infno)) refuse(`交易编号 infno ${env.infno} 不存在`);
  const pathInfno = PATH_INFNO.get(path);
  if (pathInfno && pathInfno !== env.infno)
    refuse(`交易编号 infno ${env.infno} 与接口地址 ${path}（交易 ${pathInfno}）不符`);
  if (env.fixmedins_code !== account.fixmedins_code)
    refuse(`定点医药机构编号 fixmedins_code ${env.fixmedins_code} 与账户（x-tif-paasid）不符`);
  if (env.mdtrtarea_admvs !== account.mdtrtarea_admvs)
    refuse(
      `就医地医保区划 mdtrtarea_admvs ${env.mdtrtarea_admvs} 与定点医药机构所在区划 ${account.mdtrtarea_admvs} 不符`,
    );
  if (!env.msgid.startsWith(account.fixmedins_code)) refuse(`报文ID msgid ${env.msgid} 须以定点医药机构编号开头`);
  const s = env.msgid.slice(12, 26);
  const stamp = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
  if (!fromBeijingDateTime(stamp)) refuse(`报文ID msgid ${env.msgid} 中的时间 ${s} 不是有效的 yyyyMMddHHmmss`);
  return env as RequestEnvelope & { infno: TxInfno };
}

/** Claims the msgid for this request; a msgid is used once, whatever became of the request that used it. */
export function claimMsgid(db: Db, msgid: string, requestId: number): void {
  if (db.prepare('SELECT 1 FROM nhsa_msgids WHERE msgid = ?').get(msgid))
    refuse(`报文ID msgid ${msgid} 已使用（重复报文），每笔交易须使用新的 msgid`);
  db.prepare('INSERT INTO nhsa_msgids (msgid, request_id) VALUES (?, ?)').run(msgid, requestId);
}

export function checkSignNo(db: Db, env: RequestEnvelope, account: NhsaAccount): void {
  if (env.infno === INFNO.signIn) return;
  if (!db.prepare('SELECT 1 FROM nhsa_sign_ins WHERE sign_no = ? AND paasid = ?').get(env.sign_no, account.paasid))
    refuse(SIGN_NO_INVALID);
}

export function checkInput<K extends TxInfno>(infno: K, input: unknown): z.output<(typeof TRANSACTIONS)[K]['input']> {
  const parsed = TRANSACTIONS[infno].input.safeParse(input, { reportInput: true });
  if (!parsed.success) refuse(`输入参数错误：${problem(parsed.error, 'input')}`);
  return parsed.data as z.output<(typeof TRANSACTIONS)[K]['input']>;
}

/** The one person every psn_no of the input names, checked against insuplc_admdvs; null when it has none. */
export function checkPerson(db: Db, env: RequestEnvelope): { person: Person; psnNo: string } | null {
  const psnNos = [...psnNosIn(env.input)];
  if (psnNos.length === 0) return null;
  if (psnNos.length > 1) refuse(`报文中的人员编号 psn_no 不一致（${psnNos.join('、')}）`);
  const psnNo = psnNos[0]!;
  if (env.insuplc_admdvs === '') refuse('参保地医保区划 insuplc_admdvs 不能为空（输入含人员编号 psn_no）');
  const person = personByPsnNo(db, psnNo);
  if (!person) refuse(env.infno === INFNO.reverse ? ORIGINAL_NOT_FOUND : `人员编号 psn_no ${psnNo} 不存在`);
  const admdvs = admdvsOf(person);
  if (env.insuplc_admdvs !== admdvs)
    refuse(`参保地医保区划 insuplc_admdvs ${env.insuplc_admdvs} 与人员参保地 ${admdvs} 不符`);
  return { person, psnNo };
}
