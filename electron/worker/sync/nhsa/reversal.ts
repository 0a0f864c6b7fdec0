/**
 * A reversal (结算撤销) through the national transactions (docs/nhsa.md §7.3–7.4):
 * the original's stay is taken back at the platform as far as the patient
 * needs to be settled again, one step at a time, each only when the journal
 * says the platform has what it undoes:
 *
 *   2305 结算撤销  the platform settled it (journal.settlementOf)
 *   2405 出院撤销  the stay is discharged
 *   2302 "0000"    fee lines are uploaded (journal.uploaded)
 *   2404 入院撤销  the admission is ours (our 2401); the HIS's (the bill's
 *                  mdtrt_id) stays: the undo stops after 2302
 *
 * Every step is journaled on the ORIGINAL's stay for the reversal's outbox row;
 * its answer, the stay's flags and nhsa_stays.undone are written in one
 * transaction, so a crash or a lost answer continues from the step reached.
 * An unknown outcome is resolved first (exchange.ts resolveUnknown): 2601 for
 * 2305; 2405/2404/2302 are sent again with a new msgid, and a refusal whose
 * err_msg says the state is already undone (phrases.already_undone) counts as
 * done — undoing a state twice changes nothing at the platform.
 *
 * When the platform never settled the original, the pair leaves the queue
 * WITHDRAWN (services/outbox.ts withdrawPair): the original is never sent
 * (no 2304, ever), and neither is the reversal; whatever part of the stay had
 * reached the platform is undone first. drainSettlement runs this for an
 * original whose reversal is queued BEFORE any of the original's own steps.
 */
import { readMdtrtId } from '../../services/fee-lines.js';
import type { OutboxRow, PushResult } from '../../services/outbox.js';
import type { Sender } from './client.js';
import { Held, call, notFound, resolveUnknown, type NhsaContext } from './exchange.js';
import type { Stay, StepOwner } from './journal.js';

interface Pair {
  original: OutboxRow & { status: string };
  reversal: OutboxRow;
}

/** A queued reversal's row drained on its own: its original, wherever that is. */
export async function drainReversal(x: NhsaContext, row: OutboxRow, result: PushResult): Promise<void> {
  const { reverses } = JSON.parse(row.payload) as { reverses: string };
  const original = x.service.outbox.byKey(reverses);
  if (!original) throw new Held(`原结算 ${reverses} 不在本机上传队列中，冲销不能上传`);
  await undoStay(x, { original, reversal: row }, result);
}

/**
 * The reversal of this settlement still to send (queued, or held for a person), if any: the original must then
 * not go on to its 2304 (docs/nhsa.md §7.4).
 */
export function reversalOf(x: NhsaContext, original: OutboxRow): OutboxRow | null {
  return x.service.outbox.queuedReversalOf(original.idempotency_key);
}

/** Called from drainSettlement for an original whose reversal is queued: the pair, before the original sends anything. */
export async function undoBeforeSending(
  x: NhsaContext,
  original: OutboxRow,
  reversal: OutboxRow,
  result: PushResult,
): Promise<void> {
  try {
    await undoStay(x, { original: { ...original, status: 'queued' }, reversal }, result);
  } catch (e) {
    // The caller holds the original; the reversal is held with it, or its own turn would send the refused step again.
    if (e instanceof Held) x.service.outbox.hold([reversal.id], e.message, x.now().toISOString());
    throw e;
  }
}

async function undoStay(x: NhsaContext, pair: Pair, result: PushResult): Promise<void> {
  const db = x.service.db;
  const { original, reversal } = pair;
  const answered = original.status !== 'queued' && original.status !== 'sending' && original.status !== 'withdrawn';
  if (answered && !x.journal.settlementOf(original.id))
    // Answered, yet not settled at the platform (an answer from before this terminal spoke the national interface).
    throw new Held(`原结算 ${original.idempotency_key} 未在国家医保平台结算，冲销不能经国家医保接口上传（请人工核对）`);
  const stayRow = x.journal.existingStayOf(original.id);
  // No stay row: nothing was ever sent for the original (nor adopted from the window's steps before F8).
  if (stayRow) {
    const who = x.service.operators.settledBy(reversal.ref_id);
    const stay = x.journal.stay(stayRow.id);
    const u: Undo = {
      x,
      pair,
      owner: { stay: stay.id, outbox: reversal.id },
      stay,
      sender: { opter: who.code, opter_name: who.name, insuplc_admdvs: stay.insuplc_admdvs ?? '' },
      // The bill brought the HIS's mdtrt_id: the HIS registered the admission and owns it (no 2404 from us).
      hisAdmission: readMdtrtId(db, original.ref_id) !== null,
    };
    await resolveUnknown(x, u.owner, u.stay, u.sender);
    u.stay = x.journal.stay(stay.id);
    await cancelSettlement(u);
    await undoDischarge(u);
    await cancelFees(u);
    await undoAdmission(u);
  }
  finish(x, pair, stayRow?.id ?? null, result);
}

interface Undo {
  x: NhsaContext;
  pair: Pair;
  owner: StepOwner;
  stay: Stay;
  sender: Sender;
  hisAdmission: boolean;
}

const refresh = (u: Undo) => {
  u.stay = u.x.journal.stay(u.stay.id);
};

const alreadyUndone = (x: NhsaContext, msg: string) => x.config.phrases.already_undone.some((ph) => msg.includes(ph));

const stayRef = (s: Stay) => ({ data: { mdtrt_id: s.mdtrt_id!, psn_no: s.psn_no! } });

/** 2305 of the original's platform settlement, unless the reversal already has the platform's cancellation. */
async function cancelSettlement(u: Undo): Promise<void> {
  const { x, pair } = u;
  const platform = x.journal.settlementOf(pair.original.id);
  if (!platform || x.journal.settlementOf(pair.reversal.id)) return;
  const input = { data: { mdtrt_id: platform.mdtrt_id, setl_id: platform.setl_id, psn_no: platform.psn_no } };
  await call(
    x,
    u.owner,
    '2305',
    input,
    u.sender,
    (o, p) => {
      x.journal.recordSettlement(pair.reversal.id, o, p.msgid);
      // The stay is discharged again at the platform (it stays so here); the outbox answer waits for the last step.
      x.journal.updateStay(u.stay.id, { undone: 'settlement' });
    },
    {
      belongs: (o) =>
        o.setlinfo.mdtrt_id === platform.mdtrt_id && o.setlinfo.psn_no === platform.psn_no ? null : 'another stay',
    },
  );
  refresh(u);
}

/** 2405 while the platform has the discharge; "already undone" is the state wanted. */
async function undoDischarge(u: Undo): Promise<void> {
  if (!u.stay.discharged) return;
  const { x } = u;
  const undone = () => x.journal.updateStay(u.stay.id, { discharged: 0, undone: 'discharge' });
  await call(x, u.owner, '2405', stayRef(u.stay), u.sender, undone, {
    resolvedBy: (m) => (alreadyUndone(x, m) ? undone : null),
  });
  refresh(u);
}

/** 2302 "0000" while lines are uploaded: every line of the stay (the terminal uploaded the whole bill). */
async function cancelFees(u: Undo): Promise<void> {
  const { x } = u;
  if (x.journal.uploaded(u.stay.id).size === 0) return;
  const cleared = () => {
    x.journal.cancelUploaded(u.stay.id, 'all');
    x.journal.updateStay(u.stay.id, { undone: 'fees' });
  };
  const input = { data: [{ feedetl_sn: '0000', mdtrt_id: u.stay.mdtrt_id!, psn_no: u.stay.psn_no! }] };
  await call(x, u.owner, '2302', input, u.sender, cleared, {
    resolvedBy: (m) => (notFound(x, m) || alreadyUndone(x, m) ? cleared : null),
  });
  refresh(u);
}

/** 2404 of our own admission; the HIS's admission is the HIS's to cancel (stays admitted, without our lines). */
async function undoAdmission(u: Undo): Promise<void> {
  if (u.hisAdmission || !u.stay.mdtrt_id || u.stay.undone === 'admission') return;
  const { x } = u;
  const undone = () => x.journal.updateStay(u.stay.id, { undone: 'admission' });
  await call(x, u.owner, '2404', stayRef(u.stay), u.sender, undone, {
    resolvedBy: (m) => (alreadyUndone(x, m) ? undone : null),
  });
  refresh(u);
}

/**
 * The pair leaves the queue. The platform cancelled the settlement (2305): the reversal is accepted with that answer.
 * It never settled it: both rows withdrawn, saying how far the stay had got and what was undone. Runs again harmlessly
 * after a crash between the last step's answer and here.
 */
function finish(x: NhsaContext, pair: Pair, stayId: number | null, result: PushResult): void {
  const db = x.service.db;
  const at = x.now().toISOString();
  const { reversal, original } = pair;
  const reverses = original.idempotency_key;
  const cancelled = x.journal.platformAnswer(reversal.id);
  if (cancelled) {
    const s = JSON.parse(cancelled.setlinfo) as Record<'medfee_sumamt' | 'fund_pay_sumamt' | 'psn_cash_pay', string>;
    const answer = {
      status: 'accepted' as const,
      idempotency_key: reversal.idempotency_key,
      claim_id: cancelled.setl_id,
      reverses,
      insurer: {
        medfee_sumamt: s.medfee_sumamt,
        fund_pay_sumamt: s.fund_pay_sumamt,
        psn_cash_pay: s.psn_cash_pay,
        funds: {},
      },
      answered_at: at,
    };
    x.service.outbox.applyAnswers([reversal], [answer], at, result);
    result.sent++;
    return;
  }
  const undoSteps = x.journal.answeredInfnos(reversal.id);
  // Reached: the platform applied a step of the stay, or the reversal had to send something (a 2601 included).
  const reached = undoSteps.length > 0 || (stayId !== null && x.journal.reachedPlatform(stayId));
  const kept = stayId !== null && readMdtrtId(db, original.ref_id) !== null && x.journal.stay(stayId).mdtrt_id;
  const reason = !reached
    ? '未上传：已在本机撤销'
    : `未结算：已上传的部分已撤销（${undoSteps.join('、') || '无需撤销'}）` +
      (kept ? `；入院登记（就诊ID ${kept}）由 HIS 办理，未撤销` : '');
  x.service.outbox.withdrawPair(original.id, reversal.id, reason, at);
  if (undoSteps.length > 0) result.sent++;
}
