/**
 * The offline queue drained through the national transactions, exactly once
 * (docs/nhsa.md §7): per queued settlement the stay's steps (steps.ts: 1101 →
 * 2401 → 2301 → 2402 → 2304), continuing from wherever the journal says the
 * stay got to (at the window before F8, or in an earlier round); per reversal
 * reversal.ts (also for a settlement whose reversal is queued behind it: the
 * pair is undone or withdrawn, never sent). One record at a time, in turn with
 * the window (Serial).
 */
import { parseNhsaJson } from '../../../../shared/nhsa/index.js';
import type { OutboxRow, PushResult } from '../../services/outbox.js';
import { Held, SignInAgain, call, resolveUnknown, type NhsaContext } from './exchange.js';
import { answerFor, packageFundCodes, platformAmounts, terminalAmounts } from './platform-split.js';
import { queuedSettlement } from './record.js';
import { drainReversal, reversalOf, undoBeforeSending } from './reversal.js';
import { admit, discharge, person, settlementData, settlementProblem, uploadFees, type StayRun } from './steps.js';

/** The stay's steps from where they stopped, then 2304 and the platform's split beside the terminal's. */
export async function drainSettlement(
  x: NhsaContext,
  row: OutboxRow,
  result: PushResult,
  /** F8 with the patient at the window: the platform's amounts are what is collected (window.ts). */
  atWindow = false,
): Promise<void> {
  // Reversed at the window while still queued: it must never get its 2304. Whatever of its stay reached the
  // platform is undone, then both rows leave the queue (docs/nhsa.md §7.4). The queue is oldest first, so this
  // runs before the reversal's own turn would come.
  const reversal = reversalOf(x, row);
  if (reversal) return undoBeforeSending(x, row, reversal, result);
  const rec = queuedSettlement(x.service, row.ref_id);
  if (rec.lines.length === 0)
    throw new Held('本结算没有费用明细，不能经国家医保接口上传（2301 须逐项上传；请按医保经办机构要求补传）');
  const stay = x.journal.stayOf(row.id);
  const r: StayRun = {
    x,
    owner: { stay: stay.id, outbox: row.id },
    stay,
    sender: { opter: rec.operator.code, opter_name: rec.operator.name, insuplc_admdvs: stay.insuplc_admdvs ?? '' },
  };
  await resolveUnknown(x, r.owner, r.stay, r.sender);
  r.stay = x.journal.stay(stay.id);
  await person(r, rec);
  await admit(r, rec);
  await uploadFees(r, rec);
  await discharge(r, rec);
  await settle(r, row, rec, result, atWindow);
}

/** 2304 with the inputs the window presettled (F5), else built from the record; its answer applied with the outbox's. */
async function settle(
  r: StayRun,
  row: OutboxRow,
  rec: ReturnType<typeof queuedSettlement>,
  result: PushResult,
  atWindow: boolean,
) {
  const { x } = r;
  // The platform's settlement is recorded with the row's answer in one transaction: one there means done.
  if (x.journal.settlementOf(row.id)) return;
  // The window's F8 sends exactly what its F5 presettled (kept as NHSA JSON text: numbers digit for digit).
  const data = r.stay.presettled ? parseNhsaJson(r.stay.presettled) : settlementData(r.stay, rec);
  const input = { data } as Record<string, unknown>;
  const codes = packageFundCodes(x.service.rules.ruleSet(), rec.region);
  await call(
    x,
    r.owner,
    '2304',
    input,
    r.sender,
    (o, p) => {
      x.journal.recordSettlement(row.id, o, p.msgid);
      const platform = platformAmounts(o, codes);
      const answer = answerFor(row.idempotency_key, o.setlinfo.setl_id, terminalAmounts(rec.result), platform, x.now());
      x.service.outbox.applyAnswers([row], [answer], x.now().toISOString(), result);
      if (atWindow) x.service.outbox.collectedAtWindow(row, o.setlinfo.setl_id, platform, x.now().toISOString());
    },
    { belongs: (o, p) => settlementProblem(o, r.stay, p) },
  );
  result.sent++;
}

/** Drains the queue until it is empty or an exchange's outcome is unknown (thrown: the caller backs off). */
export async function drainNhsa(x: NhsaContext): Promise<PushResult> {
  const result: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };
  let signIns = 0;
  for (;;) {
    const row = x.service.outbox.pending(1)[0];
    if (!row) return result;
    try {
      if (row.kind === 'manual_claim')
        throw new Held('手工报销不经国家医保定点医药机构接口上传：请按医保经办机构的要求报送');
      await x.serial.run(() => {
        // Read again in turn: the window's F8 or 结算撤销 may have finished (or withdrawn) this row meanwhile.
        const current = x.service.outbox.pendingRow(row.id);
        if (!current) return Promise.resolve();
        return current.kind === 'settlement' ? drainSettlement(x, current, result) : drainReversal(x, current, result);
      });
    } catch (e) {
      if (e instanceof Held) {
        x.service.outbox.hold([row.id], e.message, x.now().toISOString());
        result.held++;
      } else if (e instanceof SignInAgain && ++signIns <= 3) {
        continue;
      } else {
        (e as { partial?: PushResult }).partial = result;
        throw e;
      }
    }
  }
}
