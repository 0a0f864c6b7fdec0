/**
 * Outbox push (docs/sync.md §5). Rows go in outbox id order, in batches of
 * consecutive rows of one endpoint (claims: settlement and manual_claim;
 * reversals), so a reversal never travels before the settlement it reverses.
 *
 * Per batch: mark the rows 'sending' (attempts + 1) and commit; send; then
 * either apply every answer in ONE transaction (row status + stored answer +
 * adjustment), or, on any failure, put the rows back to 'queued' with the
 * error. A crash in between leaves rows in 'sending': they are simply sent
 * again with the same idempotency keys, and the insurer answers `duplicate`
 * with its stored answer, so nothing is paid or counted twice.
 */
import { sameAmounts, subtract } from '../../../shared/sync/amounts.js';
import {
  ENDPOINTS,
  answersMatchItems,
  claimItem,
  reversalItem,
  type AdjustedAnswer,
  type ClaimAnswer,
  type ClaimItem,
  type ReversalAnswer,
  type ReversalItem,
} from '../../../shared/sync/protocol.js';
import { businessDate } from '../store/clock.js';
import { writeTransaction, type Db } from '../store/db.js';
import type { DeskService } from '../store/service.js';
import { SyncError } from './http.js';
import type { InsurerSession } from './session.js';

type Kind = 'settlement' | 'reversal' | 'manual_claim';
interface Row {
  id: number;
  kind: Kind;
  ref_id: number;
  idempotency_key: string;
  payload: string;
}
const endpointOf = (k: Kind) => (k === 'reversal' ? 'reversals' : 'claims');
const FINAL = new Set(['accepted', 'adjusted', 'rejected']);

export interface PushResult {
  sent: number;
  accepted: number;
  adjusted: number;
  rejected: number;
  held: number;
}

/** The next batch: consecutive pending rows for one endpoint, oldest first. Rows left in 'sending' by a crash count as pending. */
function nextBatch(db: Db, size: number): Row[] {
  const rows = db
    .prepare(
      "SELECT id, kind, ref_id, idempotency_key, payload FROM outbox WHERE status IN ('queued', 'sending') AND held_reason IS NULL ORDER BY id LIMIT ?",
    )
    .all(size) as Row[];
  const first = rows[0];
  if (!first) return [];
  const end = rows.findIndex((r) => endpointOf(r.kind) !== endpointOf(first.kind));
  return end < 0 ? rows : rows.slice(0, end);
}

function hold(db: Db, ids: readonly number[], reason: string, at: string): void {
  const stmt = db.prepare(
    "UPDATE outbox SET status = 'queued', held_reason = ?, last_error = ?, updated_at = ? WHERE id = ?",
  );
  for (const id of ids) stmt.run(reason, reason, at, id);
}

/** The upload item of a row; the identity number comes from the encrypted store, the business date from the record. */
function claimItemOf(service: DeskService, r: Row): ClaimItem {
  const body = JSON.parse(r.payload) as { person_id: number };
  const date =
    r.kind === 'settlement'
      ? (
          service.db.prepare('SELECT business_date FROM settlements WHERE id = ?').get(r.ref_id) as {
            business_date: string;
          }
        ).business_date
      : businessDate(
          new Date(
            (
              service.db.prepare('SELECT submitted_at FROM manual_claims WHERE id = ?').get(r.ref_id) as {
                submitted_at: string;
              }
            ).submitted_at,
          ),
        );
  return claimItem.parse({
    idempotency_key: r.idempotency_key,
    kind: r.kind,
    business_date: date,
    id_number: service.revealIdNumber(body.person_id),
    body,
  });
}

function reversalItemOf(service: DeskService, r: Row): ReversalItem {
  const p = JSON.parse(r.payload) as { reverses: string; reason: string };
  const { business_date } = service.db.prepare('SELECT business_date FROM settlements WHERE id = ?').get(r.ref_id) as {
    business_date: string;
  };
  return reversalItem.parse({
    idempotency_key: r.idempotency_key,
    business_date,
    reverses: p.reverses,
    reason: p.reason,
  });
}

/** An adjusted answer whose difference is not insurer − terminal (decimal.js) is not a valid answer. */
function differenceProblem(a: AdjustedAnswer): string | null {
  // The same subtraction the reference insurer uses (shared/sync/amounts.ts): insurer − terminal, a missing fund is 0.00.
  return sameAmounts(subtract(a.insurer, a.terminal), a.difference)
    ? null
    : `${a.idempotency_key}: difference is not insurer − terminal`;
}

type Answer = ClaimAnswer | ReversalAnswer;
type Outcome = Exclude<Answer, { status: 'duplicate' } | { status: 'conflict' }>;
/** A duplicate is applied as its original answer (the first answer may have been lost). */
const outcomeOf = (a: Exclude<Answer, { status: 'conflict' }>): Outcome => (a.status === 'duplicate' ? a.original : a);

/** Applies a batch's answers in one transaction: status, the stored answer, an adjustment. */
function applyAnswers(db: Db, rows: readonly Row[], answers: readonly Answer[], at: string, result: PushResult): void {
  const setStatus = db.prepare('UPDATE outbox SET status = ?, last_error = NULL, updated_at = ? WHERE id = ?');
  const store = db.prepare(
    'INSERT INTO outbox_answers (outbox_id, status, claim_id, answer, answered_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const adjust = db.prepare(
    `INSERT INTO adjustments (outbox_id, kind, number, claim_id, terminal_amounts, insurer_amounts, medfee_difference, fund_pay_difference, psn_cash_difference, fund_differences, reasons, message, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  writeTransaction(db, () => {
    rows.forEach((row, i) => {
      const answer = answers[i]!;
      if (answer.status === 'conflict') {
        // The insurer holds another body under this key: a bug or tampering here. Never resend automatically.
        hold(db, [row.id], `idempotency_conflict: ${answer.message}`, at);
        result.held++;
        return;
      }
      const o = outcomeOf(answer);
      setStatus.run(o.status, at, row.id);
      store.run(row.id, o.status, 'claim_id' in o ? o.claim_id : null, JSON.stringify(o), o.answered_at, at);
      result[o.status]++;
      if (o.status === 'adjusted') {
        const d = o.difference;
        adjust.run(
          row.id,
          row.kind,
          row.idempotency_key,
          o.claim_id,
          JSON.stringify(o.terminal),
          JSON.stringify(o.insurer),
          d.medfee_sumamt,
          d.fund_pay_sumamt,
          d.psn_cash_pay,
          JSON.stringify(d.funds),
          JSON.stringify(o.reasons),
          o.message,
          at,
        );
      }
    });
  });
}

/** Sends one batch. Throws SyncError (rows back to 'queued') or returns false when nothing was pending. */
async function pushBatch(
  service: DeskService,
  session: InsurerSession,
  size: number,
  now: () => Date,
  result: PushResult,
): Promise<boolean> {
  const db = service.db;
  const rows = nextBatch(db, size);
  if (rows.length === 0) return false;
  const at = () => now().toISOString();
  const reversals = rows[0]!.kind === 'reversal';

  // Build the items before marking anything; a record that cannot make a valid item is held (a local bug, not the network).
  const items: (ClaimItem | ReversalItem)[] = [];
  const sendable: Row[] = [];
  const final = db.prepare('SELECT status, held_reason FROM outbox WHERE idempotency_key = ?');
  for (const r of rows) {
    try {
      const item = reversals ? reversalItemOf(service, r) : claimItemOf(service, r);
      if (reversals) {
        // Rows go in id order, so the original was answered already, unless it is held: then this reversal waits with it.
        const original = final.get((item as ReversalItem).reverses) as
          { status: string; held_reason: string | null } | undefined;
        if (original && !FINAL.has(original.status) && original.held_reason !== null) {
          writeTransaction(db, () =>
            hold(
              db,
              [r.id],
              `原结算 ${(item as ReversalItem).reverses} 被搁置，冲销随之搁置 (the original is held)`,
              at(),
            ),
          );
          result.held++;
          continue;
        }
      }
      items.push(item);
      sendable.push(r);
    } catch (e) {
      writeTransaction(db, () =>
        hold(db, [r.id], `本地记录无法上传 (invalid local record): ${(e as Error).message}`, at()),
      );
      result.held++;
    }
  }
  if (sendable.length === 0) return true;

  const ids = sendable.map((r) => r.id);
  const mark = db.prepare("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?");
  writeTransaction(db, () => ids.forEach((id) => mark.run(at(), id)));
  try {
    const endpoint = reversals ? ENDPOINTS.reversals : ENDPOINTS.claims;
    const res = await session.call(endpoint.response, { method: 'POST', path: endpoint.path, body: { items } });
    const answers = res.answers as Answer[];
    const mismatch = answersMatchItems(items, answers);
    if (mismatch) throw new SyncError('server', `the answers do not match the batch: ${mismatch}`);
    for (const a of answers) {
      const o = a.status === 'duplicate' ? a.original : a;
      const problem = o.status === 'adjusted' ? differenceProblem(o) : null;
      if (problem) throw new SyncError('server', problem);
    }
    applyAnswers(db, sendable, answers, at(), result);
    result.sent += sendable.length;
    return true;
  } catch (e) {
    const err = e instanceof SyncError ? e : new SyncError('server', (e as Error).message);
    writeTransaction(db, () => {
      const back = db.prepare(
        "UPDATE outbox SET status = 'queued', last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
      );
      for (const id of ids) back.run(err.message, at(), id);
      if (err.kind === 'client') {
        // The insurer refused the request itself: hold the item it names (or the whole batch), resend the others.
        const m = /^items\[(\d+)\]/.exec(err.field ?? '');
        const bad = m ? [ids[Number(m[1])]].filter((x): x is number => x !== undefined) : ids;
        hold(db, bad.length ? bad : ids, err.message, at());
      }
    });
    throw err;
  }
}

/** Pushes until the outbox has nothing pending; throws the first SyncError (earlier batches stay applied). */
export async function pushOutbox(
  service: DeskService,
  session: InsurerSession,
  size: number,
  now: () => Date,
): Promise<PushResult> {
  const result: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };
  for (;;) {
    try {
      if (!(await pushBatch(service, session, size, now, result))) return result;
    } catch (e) {
      (e as { partial?: PushResult }).partial = result;
      throw e;
    }
  }
}
