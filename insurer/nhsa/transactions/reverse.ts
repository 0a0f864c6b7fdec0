/**
 * 2601 冲正 {psn_no, omsgid, oinfno}: undoes the original request's effect
 * when it was applied (2401 → stay void, 2402 → back to admitted, 2304 →
 * settlement cancelled, 2305 → settlement restored) and answers infcode 0; an
 * original that was refused had no effect and is answered 0 too. A repeated
 * 2601 for the same omsgid answers the same. An omsgid never received, or
 * not of that psn_no or infno → '原交易不存在'. The original's msgid stays
 * used: the step is retried with a new one.
 */
import { REVERSIBLE } from '../../../shared/nhsa/envelope.js';
import { ORIGINAL_NOT_FOUND, refuse, type Undo } from '../context.js';
import { reverseAdmit, reverseDischarge } from './stays.js';
import { reverseCancel, reverseSettle } from './settle.js';
import { personOf, type Handler } from './types.js';

interface OriginalRow {
  id: number;
  paasid: string | null;
  infno: string | null;
  psn_no: string | null;
  infcode: 0 | -1;
  undo: string | null;
  reversed_by: number | null;
}

export const reverse: Handler<'2601'> = (ctx, input) => {
  const { psnNo } = personOf(ctx);
  const { omsgid, oinfno } = input.data;
  if (!REVERSIBLE.has(oinfno)) refuse(`交易 ${oinfno} 不支持冲正（可冲正：${[...REVERSIBLE].join('、')}）`);
  const original = ctx.db
    .prepare(
      `SELECT r.id, r.paasid, r.infno, r.psn_no, r.infcode, r.undo, r.reversed_by
       FROM nhsa_msgids m JOIN nhsa_requests r ON r.id = m.request_id WHERE m.msgid = ?`,
    )
    .get(omsgid) as OriginalRow | undefined;
  if (
    !original ||
    original.id === ctx.requestId ||
    original.paasid !== ctx.account.paasid ||
    original.infno !== oinfno ||
    original.psn_no !== psnNo
  )
    refuse(ORIGINAL_NOT_FOUND);
  if (original.reversed_by !== null) return { output: {} };

  if (original.infcode === 0 && original.undo !== null) {
    const undo = JSON.parse(original.undo) as Undo;
    const at = ctx.now.toISOString();
    switch (undo.kind) {
      case 'admit':
        reverseAdmit(ctx.db, undo.mdtrt_id);
        break;
      case 'discharge':
        reverseDischarge(ctx.db, undo.mdtrt_id);
        break;
      case 'settle':
        reverseSettle(ctx.db, undo.setl_id, ctx.requestId, at);
        break;
      case 'cancel':
        reverseCancel(ctx.db, undo.setl_id, original.id, at);
        break;
    }
  }
  ctx.db.prepare('UPDATE nhsa_requests SET reversed_by = ? WHERE id = ?').run(ctx.requestId, original.id);
  return { output: {} };
};
