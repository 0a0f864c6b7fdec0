/**
 * One NHSA request, start to answer, in one IMMEDIATE transaction: the
 * request's log row, its nonce and msgid, the checks, the transaction's effect
 * (in a savepoint, rolled back on a refusal) and the answer's text. What is
 * committed is exactly what was answered (docs/nhsa.md §7.2 on the
 * terminal's side; here the gateway's).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { beijingStamp } from '../../shared/nhsa/envelope.js';
import { parseNhsaJson, stringifyNhsaJson } from '../../shared/nhsa/numbers.js';
import type { RuleSet } from '../../shared/rules/ruleset.js';
import { writeTransaction, type Db } from '../db.js';
import { Refusal, gatewayId, type TxContext, type TxResult } from './context.js';
import {
  PATH_INFNO,
  checkEnvelope,
  checkHeaders,
  checkInput,
  checkPerson,
  checkSignNo,
  claimMsgid,
  parseBody,
} from './checks.js';
import type { NhsaAccount } from './state.js';
import { HANDLERS } from './transactions/index.js';
import type { Handler, TxInfno } from './transactions/types.js';

export interface ProcessDeps {
  db: Db;
  rules: () => RuleSet;
  now: () => Date;
  /** The gateway's own account: its region names the answers' inf_refmsgid. */
  gateway: NhsaAccount;
}

export interface NhsaRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the body could not be read (too large): the request is refused with it. */
  bodyError: string | null;
}

/** yyyyMMddHHmmssSSS, Beijing. */
export const beijingStamp17 = (at: Date) => `${beijingStamp(at)}${String(at.getUTCMilliseconds()).padStart(3, '0')}`;

/** infno and msgid as far as the body names them, for the log of a request refused before its envelope passed. */
function guess(path: string, body: Buffer): { infno: string | null; msgid: string | null } {
  let infno = PATH_INFNO.get(path) ?? null;
  let msgid: string | null = null;
  try {
    const b = parseNhsaJson(body.toString('utf8')) as Record<string, unknown>;
    if (typeof b.infno === 'string' && /^\d{4}$/.test(b.infno)) infno = b.infno;
    if (typeof b.msgid === 'string' && b.msgid.length <= 30) msgid = b.msgid;
  } catch {
    // Not JSON: the path's infno, no msgid.
  }
  return { infno, msgid };
}

export function processNhsa(
  deps: ProcessDeps,
  req: NhsaRequest,
): { text: string; paasid: string | null; file: TxResult['file'] | null } {
  const { db } = deps;
  const receivedAt = deps.now();
  return writeTransaction(db, () => {
    let { infno, msgid } = guess(req.path, req.body);
    const requestId = Number(
      db
        .prepare(
          'INSERT INTO nhsa_requests (path, infno, msgid, body_sha256, infcode, received_at) VALUES (?, ?, ?, ?, -1, ?)',
        )
        .run(req.path, infno, msgid, createHash('sha256').update(req.body).digest('hex'), receivedAt.toISOString())
        .lastInsertRowid,
    );
    let paasid: string | null = null;
    let psnNo: string | null = null;
    let result: TxResult | null = null;
    let errMsg: string | null = null;
    try {
      const account = checkHeaders(db, req.headers, receivedAt);
      paasid = account.paasid;
      if (req.bodyError !== null) throw new Refusal(req.bodyError);
      const envelope = checkEnvelope(parseBody(req.headers, req.body), req.path, account);
      infno = envelope.infno;
      msgid = envelope.msgid;
      claimMsgid(db, envelope.msgid, requestId);
      checkSignNo(db, envelope, account);
      const input = checkInput(envelope.infno, envelope.input);
      const who = checkPerson(db, envelope);
      psnNo = who?.psnNo ?? null;
      const ctx: TxContext = {
        db,
        rules: deps.rules,
        account,
        requestId,
        envelope,
        now: receivedAt,
        person: who?.person ?? null,
        psnNo,
      };
      const handler = HANDLERS[envelope.infno] as Handler<TxInfno>;
      result = db.transaction(() => handler(ctx, input as never))();
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      errMsg = e.message.slice(0, 200);
    }

    const answeredAt = deps.now();
    const infcode = result ? 0 : -1;
    const output = result ? result.output : null;
    const text = stringifyNhsaJson({
      infcode,
      err_msg: errMsg,
      warn_msg: null,
      inf_refmsgid: gatewayId(deps.gateway.mdtrtarea_admvs, beijingStamp(answeredAt), requestId),
      refmsg_time: beijingStamp17(receivedAt),
      respond_time: beijingStamp17(answeredAt),
      output,
    });
    db.prepare(
      `UPDATE nhsa_requests SET paasid = ?, infno = ?, msgid = ?, psn_no = ?, infcode = ?, err_msg = ?, output = ?, undo = ?, answered_at = ?
       WHERE id = ?`,
    ).run(
      paasid,
      infno,
      msgid,
      psnNo,
      infcode,
      errMsg,
      output === null ? null : stringifyNhsaJson(output),
      result?.undo ? JSON.stringify(result.undo) : null,
      answeredAt.toISOString(),
      requestId,
    );
    return { text, paasid, file: result?.file ?? null };
  });
}
