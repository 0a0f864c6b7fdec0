/**
 * 2401 入院办理, 2402 出院办理, 2405 出院撤销, 2404 入院撤销, and the undo of
 * 2401 and 2402 that a 2601 冲正 asks for. One open stay (admitted or
 * discharged, not settled or void) per psn_no. The undo runs backwards one
 * state at a time (settled → 2305 → discharged → 2405 → admitted → 2302 →
 * no lines → 2404 → void), each refused from any other state.
 */
import { beijingStamp, fromBeijingDateTime } from '../../../shared/nhsa/envelope.js';
import type { Db } from '../../db.js';
import { gatewayId, refuse, type TxContext } from '../context.js';
import { insutypeOf } from '../insured.js';
import { findStay, liveLines, setStay, stayIn, stayToUndo } from '../state.js';
import { personOf, type Handler } from './types.js';

/** 5 minutes of clock difference between the HIS and the gateway. */
const CLOCK_SLACK_MS = 300_000;

function notInFuture(ctx: TxContext, field: string, text: string): Date {
  const at = fromBeijingDateTime(text)!;
  if (at.getTime() > ctx.now.getTime() + CLOCK_SLACK_MS) refuse(`${field} ${text} 晚于当前时间`);
  return at;
}

function checkCert(ctx: TxContext, type: string, no: string): void {
  const { person } = personOf(ctx);
  if (type === '02' && no.toUpperCase() !== person.id_number) refuse('就诊凭证编号 mdtrt_cert_no 与人员证件号码不符');
}

function checkInsutype(ctx: TxContext, insutype: string, expected: string): void {
  if (insutype !== expected) refuse(`险种类型 insutype ${insutype} 与参保信息（${expected}）不符`);
}

export const admit: Handler<'2401'> = (ctx, input) => {
  const m = input.mdtrtinfo;
  const { person, psnNo } = personOf(ctx);
  checkInsutype(ctx, m.insutype, insutypeOf(person));
  checkCert(ctx, m.mdtrt_cert_type, m.mdtrt_cert_no);
  notInFuture(ctx, '入院时间 begntime', m.begntime);
  const open = ctx.db
    .prepare("SELECT mdtrt_id FROM nhsa_stays WHERE psn_no = ? AND status IN ('admitted', 'discharged')")
    .get(psnNo) as { mdtrt_id: string } | undefined;
  if (open) refuse(`人员 ${psnNo} 已有未结算的住院登记（就诊ID ${open.mdtrt_id}），不能重复办理入院`);
  const mdtrtId = gatewayId(ctx.account.mdtrtarea_admvs, beijingStamp(ctx.now), ctx.requestId);
  ctx.db
    .prepare(
      `INSERT INTO nhsa_stays (mdtrt_id, paasid, psn_no, person_id, insutype, med_type, begntime, endtime, status, admit_request_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'admitted', ?)`,
    )
    .run(mdtrtId, ctx.account.paasid, psnNo, person.id, m.insutype, m.med_type, m.begntime, ctx.requestId);
  return {
    output: { result: { mdtrt_id: mdtrtId, psn_no: psnNo, ipt_otp_no: m.ipt_no } },
    undo: { kind: 'admit', mdtrt_id: mdtrtId },
  };
};

export const discharge: Handler<'2402'> = (ctx, input) => {
  const d = input.dscginfo;
  const { psnNo } = personOf(ctx);
  const stay = stayIn(ctx.db, ctx.account.paasid, d.mdtrt_id, psnNo, 'admitted');
  checkInsutype(ctx, d.insutype, stay.insutype);
  const end = notInFuture(ctx, '出院时间 endtime', d.endtime);
  if (end.getTime() < fromBeijingDateTime(stay.begntime)!.getTime())
    refuse(`出院时间 ${d.endtime} 早于入院时间 ${stay.begntime}`);
  const lines = liveLines(ctx.db, stay.mdtrt_id);
  if (lines.length === 0) refuse(`就诊ID ${stay.mdtrt_id} 未上传费用明细（2301），不能办理出院`);
  const last = lines.map((l) => l.fee_ocur_time).sort()[lines.length - 1]!;
  if (last.slice(0, 10) > d.endtime.slice(0, 10)) refuse(`出院时间 ${d.endtime} 早于费用发生时间 ${last}`);
  ctx.db
    .prepare("UPDATE nhsa_stays SET status = 'discharged', endtime = ?, discharge_request_id = ? WHERE mdtrt_id = ?")
    .run(d.endtime, ctx.requestId, stay.mdtrt_id);
  return { output: {}, undo: { kind: 'discharge', mdtrt_id: stay.mdtrt_id } };
};

/**
 * 2405: discharged → admitted (the fee lines stay; 2302 may now cancel them). Refused while settled (2305 first);
 * on a stay not discharged, or void, refused with the fixed ALREADY_UNDONE words: a second 2405 changes nothing.
 */
export const undoDischarge: Handler<'2405'> = (ctx, input) => {
  const { psnNo } = personOf(ctx);
  const stay = stayToUndo(ctx.db, ctx.account.paasid, input.data.mdtrt_id, psnNo, 'discharged');
  setStay(ctx.db, stay.mdtrt_id, 'admitted', null);
  return { output: {} };
};

/**
 * 2404: admitted with no live fee lines → void; the person may be admitted again. Refused while settled (2305),
 * discharged (2405) or holding fee lines (2302); on a void stay refused with the fixed ALREADY_UNDONE words.
 */
export const undoAdmission: Handler<'2404'> = (ctx, input) => {
  const { psnNo } = personOf(ctx);
  const stay = stayToUndo(ctx.db, ctx.account.paasid, input.data.mdtrt_id, psnNo, 'admitted');
  if (liveLines(ctx.db, stay.mdtrt_id).length > 0)
    refuse(`就诊ID ${stay.mdtrt_id} 尚有费用明细，请先撤销费用明细（2302）`);
  setStay(ctx.db, stay.mdtrt_id, 'void');
  return { output: {} };
};

/** 2601 of a 2401: the stay becomes void (refused once it is settled). */
export function reverseAdmit(db: Db, mdtrtId: string): void {
  const stay = findStay(db, mdtrtId)!;
  if (stay.status === 'settled') refuse(`就诊ID ${mdtrtId} 已结算，不能冲正入院`);
  setStay(db, mdtrtId, 'void');
}

/** 2601 of a 2402: back to admitted (refused once settled; nothing to do when 2405 or 2404 came first). */
export function reverseDischarge(db: Db, mdtrtId: string): void {
  const stay = findStay(db, mdtrtId)!;
  if (stay.status === 'settled') refuse(`就诊ID ${mdtrtId} 已结算，不能冲正出院`);
  if (stay.status === 'discharged') setStay(db, mdtrtId, 'admitted', null);
}
