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
  type ClaimItem,
  type ReversalItem,
} from '../../../shared/sync/protocol.js';
import { cached } from '../../node/statement-cache.js';
import { currentAnchor } from '../store/anchors.js';
import { businessDate } from '../store/clock.js';
import type { DeskService } from '../services/desk-service.js';
import type { Answer, Outbox, OutboxKind, OutboxRow, PushResult } from '../services/outbox.js';
import { SyncError } from './http.js';
import type { InsurerSession } from './session.js';

const endpointOf = (k: OutboxKind) => (k === 'reversal' ? 'reversals' : 'claims');

export type { PushResult };

/** The next batch: consecutive pending rows for one endpoint, oldest first. Rows left in 'sending' by a crash count as pending. */
function nextBatch(outbox: Outbox, size: number): OutboxRow[] {
  const rows = outbox.pending(size);
  const first = rows[0];
  if (!first) return [];
  const end = rows.findIndex((r) => endpointOf(r.kind) !== endpointOf(first.kind));
  return end < 0 ? rows : rows.slice(0, end);
}

/** The upload item of a row; the identity number comes from the encrypted store, the business date from the record. */
function claimItemOf(service: DeskService, r: OutboxRow): ClaimItem {
  const body = JSON.parse(r.payload) as { person_id: number };
  const date =
    r.kind === 'settlement'
      ? (
          cached(service.db, 'SELECT business_date FROM settlements WHERE id = ?').get(r.ref_id) as {
            business_date: string;
          }
        ).business_date
      : businessDate(
          new Date(
            (
              cached(service.db, 'SELECT submitted_at FROM manual_claims WHERE id = ?').get(r.ref_id) as {
                submitted_at: string;
              }
            ).submitted_at,
          ),
        );
  return claimItem.parse({
    idempotency_key: r.idempotency_key,
    kind: r.kind,
    business_date: date,
    id_number: service.persons.revealIdNumber(body.person_id),
    body,
  });
}

function reversalItemOf(service: DeskService, r: OutboxRow): ReversalItem {
  const p = JSON.parse(r.payload) as { reverses: string; reason: string };
  const { business_date } = cached(service.db, 'SELECT business_date FROM settlements WHERE id = ?').get(r.ref_id) as {
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

/** Sends one batch. Throws SyncError (rows back to 'queued') or returns false when nothing was pending. */
async function pushBatch(
  service: DeskService,
  session: InsurerSession,
  size: number,
  now: () => Date,
  result: PushResult,
): Promise<boolean> {
  const outbox = service.outbox;
  const rows = nextBatch(outbox, size);
  if (rows.length === 0) return false;
  const at = () => now().toISOString();
  const reversals = rows[0]!.kind === 'reversal';

  // Build the items before marking anything; a record that cannot make a valid item is held (a local bug, not the network).
  const items: (ClaimItem | ReversalItem)[] = [];
  const sendable: OutboxRow[] = [];
  for (const r of rows) {
    try {
      const item = reversals ? reversalItemOf(service, r) : claimItemOf(service, r);
      if (reversals) {
        // Rows go in id order, so the original was answered already, unless it is held: then this reversal waits with it.
        const original = (item as ReversalItem).reverses;
        if (outbox.isHeld(original)) {
          outbox.hold([r.id], `原结算 ${original} 被搁置，冲销随之搁置 (the original is held)`, at());
          result.held++;
          continue;
        }
      }
      items.push(item);
      sendable.push(r);
    } catch (e) {
      outbox.hold([r.id], `本地记录无法上传 (invalid local record): ${(e as Error).message}`, at());
      result.held++;
    }
  }
  if (sendable.length === 0) return true;

  const ids = sendable.map((r) => r.id);
  outbox.markSending(ids, at());
  try {
    const endpoint = reversals ? ENDPOINTS.reversals : ENDPOINTS.claims;
    // Our protocol carries the terminal's anchor with every batch (store/anchors.ts): the insurer keeps it.
    const anchor = currentAnchor(service.db);
    const body = { items, ...(anchor ? { anchor } : {}) };
    const res = await session.call(endpoint.response, { method: 'POST', path: endpoint.path, body });
    const answers = res.answers as Answer[];
    const mismatch = answersMatchItems(items, answers);
    if (mismatch) throw new SyncError('server', `the answers do not match the batch: ${mismatch}`);
    for (const a of answers) {
      const o = a.status === 'duplicate' ? a.original : a;
      const problem = o.status === 'adjusted' ? differenceProblem(o) : null;
      if (problem) throw new SyncError('server', problem);
    }
    outbox.applyAnswers(sendable, answers, at(), result);
    result.sent += sendable.length;
    return true;
  } catch (e) {
    const err = e instanceof SyncError ? e : new SyncError('server', (e as Error).message);
    // The insurer refused the request itself: hold the item it names (or the whole batch), resend the others.
    const m = err.kind === 'client' ? /^items\[(\d+)\]/.exec(err.field ?? '') : null;
    const named = m ? [ids[Number(m[1])]].filter((x): x is number => x !== undefined) : [];
    outbox.giveBack(ids, err.message, at(), err.kind !== 'client' ? [] : named.length ? named : ids);
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
