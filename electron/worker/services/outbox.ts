/**
 * The outbox: the one owner of the table that carries every settlement,
 * reversal and submitted manual claim to the insurer (docs/sync.md §5). Rows
 * are written in the same transaction as their record, never deleted, and
 * move queued → sending → accepted | adjusted | rejected; a held row waits for
 * a supervisor. "Queued" has one definition here, for the status bar and the
 * sync screen alike: still to send and not held. A settlement reversed before
 * any of it reached the NHSA platform leaves the queue with its reversal as
 * 'withdrawn' (migration 0010, docs/nhsa.md §7.4): never sent, counted as
 * neither queued, held nor answered.
 */
import { cached } from '../../node/statement-cache.js';
import { DeskError } from '../../../shared/errors.js';
import type { SyncWorkItem } from '../../../shared/ipc/contract.js';
import type { QueueCounts } from '../../../shared/store/records.js';
import type { Amounts, ClaimAnswer, ReversalAnswer } from '../../../shared/sync/protocol.js';
import { writeTransaction } from '../store/db.js';
import type { Session } from './access.js';
import { assertCan } from './access.js';
import { audit, type ServiceContext } from './context.js';

export type OutboxKind = 'settlement' | 'reversal' | 'manual_claim';

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  ref_id: number;
  idempotency_key: string;
  payload: string;
}

export interface PushResult {
  sent: number;
  accepted: number;
  adjusted: number;
  rejected: number;
  held: number;
}

export type Answer = ClaimAnswer | ReversalAnswer;
type Outcome = Exclude<Answer, { status: 'duplicate' } | { status: 'conflict' }>;
/** A duplicate is applied as its original answer (the first answer may have been lost). */
export const outcomeOf = (a: Exclude<Answer, { status: 'conflict' }>): Outcome =>
  a.status === 'duplicate' ? a.original : a;

const FINAL = new Set(['accepted', 'adjusted', 'rejected', 'withdrawn']);

export class Outbox {
  constructor(private readonly ctx: ServiceContext) {}

  /** Inside the caller's transaction, with the record it carries; the idempotency key is the record's number. */
  /** Inside the record's transaction; returns the row's id. */
  enqueue(kind: OutboxKind, refId: number, idempotencyKey: string, payload: unknown, at: Date): number {
    return this.enqueueJson(kind, refId, idempotencyKey, JSON.stringify(payload), at);
  }

  /** The same with the payload already serialized (settle() reuses the request's JSON text). */
  enqueueJson(kind: OutboxKind, refId: number, idempotencyKey: string, payload: string, at: Date): number {
    return Number(
      cached(
        this.ctx.db,
        'INSERT INTO outbox (kind, ref_id, idempotency_key, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(kind, refId, idempotencyKey, payload, at.toISOString(), at.toISOString()).lastInsertRowid,
    );
  }

  /** The one definition of the upload queue: rows left in 'sending' by a crash are still to send; held rows apart. */
  counts(): QueueCounts {
    const r = this.ctx.db
      .prepare(
        `SELECT coalesce(sum(status IN ('queued', 'sending') AND held_reason IS NULL), 0) AS queued,
                coalesce(sum(status IN ('queued', 'sending') AND held_reason IS NOT NULL), 0) AS held,
                coalesce(sum(status = 'accepted'), 0) AS accepted,
                coalesce(sum(status = 'rejected'), 0) AS rejected,
                coalesce(sum(status = 'adjusted'), 0) AS adjusted
         FROM outbox`,
      )
      .get() as QueueCounts;
    return { queued: r.queued, held: r.held, accepted: r.accepted, rejected: r.rejected, adjusted: r.adjusted };
  }

  /** The oldest rows still to send (not held), in id order. */
  pending(limit: number): OutboxRow[] {
    return this.ctx.db
      .prepare(
        "SELECT id, kind, ref_id, idempotency_key, payload FROM outbox WHERE status IN ('queued', 'sending') AND held_reason IS NULL ORDER BY id LIMIT ?",
      )
      .all(limit) as OutboxRow[];
  }

  /** One row if it is still to send and not held (the window's F8 drains its own record at once), else null. */
  pendingRow(id: number): OutboxRow | null {
    return (
      (this.ctx.db
        .prepare(
          "SELECT id, kind, ref_id, idempotency_key, payload FROM outbox WHERE id = ? AND status IN ('queued', 'sending') AND held_reason IS NULL",
        )
        .get(id) as OutboxRow | undefined) ?? null
    );
  }

  /** A row by its idempotency key (a settlement's is its number), whatever its status. */
  byKey(idempotencyKey: string): (OutboxRow & { status: string }) | null {
    return (
      (this.ctx.db
        .prepare('SELECT id, kind, ref_id, idempotency_key, payload, status FROM outbox WHERE idempotency_key = ?')
        .get(idempotencyKey) as (OutboxRow & { status: string }) | undefined) ?? null
    );
  }

  /** The reversal of a settlement still to send (queued or sending; held ones too), if any. */
  queuedReversalOf(settlementKey: string): OutboxRow | null {
    return (
      (this.ctx.db
        // Through the settlements' unique number and reverses_id and the outbox's unique key: indexed all the way
        // (a scan of the queued payloads made the NHSA drain O(n²): 31 ms per record at 10,000 queued, bench/nhsa.ts).
        .prepare(
          `SELECT o.id, o.kind, o.ref_id, o.idempotency_key, o.payload
           FROM settlements s JOIN settlements r ON r.reverses_id = s.id JOIN outbox o ON o.idempotency_key = r.number
           WHERE s.number = ? AND o.kind = 'reversal' AND o.status IN ('queued', 'sending')`,
        )
        .get(settlementKey) as OutboxRow | undefined) ?? null
    );
  }

  /** The day's records not answered yet (queued or held), withdrawn pairs aside: "not received" in a reconciliation. */
  unansweredOn(businessDate: string): { number: string; fund_pay_sumamt: string }[] {
    return this.ctx.db
      .prepare(
        `SELECT s.number, s.fund_pay_sumamt FROM settlements s JOIN outbox o ON o.ref_id = s.id AND o.kind = s.kind
         WHERE s.business_date = ? AND o.status IN ('queued', 'sending') ORDER BY s.number`,
      )
      .all(businessDate) as { number: string; fund_pay_sumamt: string }[];
  }

  /** The outbox row of a settlement that has an NHSA stay (sent through the national interface), else null. */
  nhsaSettlementRow(settlementId: number): number | null {
    return (
      (this.ctx.db
        .prepare(
          "SELECT o.id FROM outbox o JOIN nhsa_stays st ON st.outbox_id = o.id WHERE o.kind = 'settlement' AND o.ref_id = ?",
        )
        .pluck()
        .get(settlementId) as number | undefined) ?? null
    );
  }

  /** Rows of this person not yet answered (their accumulators are not at the insurer yet). */
  pendingForPerson(personId: number): number {
    return (
      this.ctx.db
        .prepare(
          "SELECT count(*) AS n FROM outbox WHERE status IN ('queued', 'sending') AND json_extract(payload, '$.person_id') = ?",
        )
        .get(personId) as { n: number }
    ).n;
  }

  /** Whether the row under this key is waiting for a supervisor (held and not answered). */
  isHeld(idempotencyKey: string): boolean {
    const row = this.ctx.db
      .prepare('SELECT status, held_reason FROM outbox WHERE idempotency_key = ?')
      .get(idempotencyKey) as { status: string; held_reason: string | null } | undefined;
    return !!row && !FINAL.has(row.status) && row.held_reason !== null;
  }

  /** Held rows wait for a supervisor; they are not sent again on their own. */
  hold(ids: readonly number[], reason: string, at: string): void {
    writeTransaction(this.ctx.db, () => this.holdIn(ids, reason, at));
  }

  private holdIn(ids: readonly number[], reason: string, at: string): void {
    const stmt = this.ctx.db.prepare(
      // Only a row still to send: an answered (or withdrawn) row is never put back in the queue.
      "UPDATE outbox SET status = 'queued', held_reason = ?, last_error = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'sending')",
    );
    for (const id of ids) stmt.run(reason, reason, at, id);
  }

  /** Before a batch goes out: a crash after this leaves the rows 'sending', sent again under the same keys. */
  markSending(ids: readonly number[], at: string): void {
    const mark = this.ctx.db.prepare(
      "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?",
    );
    writeTransaction(this.ctx.db, () => ids.forEach((id) => mark.run(at, id)));
  }

  /** A batch that failed goes back to 'queued' with the error; `hold` names the rows the insurer refused outright. */
  giveBack(ids: readonly number[], error: string, at: string, hold: readonly number[]): void {
    writeTransaction(this.ctx.db, () => {
      const back = this.ctx.db.prepare(
        "UPDATE outbox SET status = 'queued', last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'",
      );
      for (const id of ids) back.run(error, at, id);
      if (hold.length > 0) this.holdIn(hold, error, at);
    });
  }

  /** Applies a batch's answers in one transaction: status, the stored answer, an adjustment. */
  applyAnswers(rows: readonly OutboxRow[], answers: readonly Answer[], at: string, result: PushResult): void {
    const db = this.ctx.db;
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
          this.holdIn([row.id], `idempotency_conflict: ${answer.message}`, at);
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

  /**
   * A settlement and its reversal leave the queue together, unsent: the platform has nothing of the settlement
   * (docs/nhsa.md §7.4). Each row gets its withdrawal (the reason, the other row) and the status in one transaction;
   * a row already withdrawn is left as it is (the pair is withdrawn at most once), an answered one is a bug.
   */
  withdrawPair(originalId: number, reversalId: number, reason: string, at: string): void {
    const db = this.ctx.db;
    writeTransaction(db, () => {
      const status = db.prepare('SELECT status FROM outbox WHERE id = ?').pluck();
      const record = db.prepare(
        'INSERT INTO outbox_withdrawals (outbox_id, pair_id, reason, withdrawn_at) VALUES (?, ?, ?, ?)',
      );
      const withdraw = db.prepare(
        "UPDATE outbox SET status = 'withdrawn', held_reason = NULL, last_error = NULL, updated_at = ? WHERE id = ?",
      );
      for (const [id, pair] of [
        [originalId, reversalId],
        [reversalId, originalId],
      ] as const) {
        const s = status.get(id) as string | undefined;
        if (s === 'withdrawn') continue;
        if (s !== 'queued' && s !== 'sending') throw new Error(`outbox row ${id} is ${s ?? 'missing'}: not withdrawn`);
        record.run(id, pair, reason, at);
        withdraw.run(at, id);
      }
    });
  }

  /** Why a record never went to the insurer (its sync state: e.g. 未上传：已在本机撤销), or null. */
  withdrawal(idempotencyKey: string): { reason: string; pair: string; withdrawn_at: string } | null {
    return (
      (this.ctx.db
        .prepare(
          `SELECT w.reason, p.idempotency_key AS pair, w.withdrawn_at FROM outbox o
           JOIN outbox_withdrawals w ON w.outbox_id = o.id JOIN outbox p ON p.id = w.pair_id WHERE o.idempotency_key = ?`,
        )
        .get(idempotencyKey) as { reason: string; pair: string; withdrawn_at: string } | undefined) ?? null
    );
  }

  /** After fixing the cause, a supervisor lets a held row be sent again (same key, same body). */
  release(supervisor: Session, outboxId: number, at: string): void {
    const db = this.ctx.db;
    assertCan(db, supervisor, 'day.close');
    writeTransaction(db, () => {
      const r = db
        .prepare(
          'UPDATE outbox SET held_reason = NULL, updated_at = ? WHERE id = ? AND held_reason IS NOT NULL RETURNING idempotency_key',
        )
        .get(at, outboxId) as { idempotency_key: string } | undefined;
      if (!r) throw new DeskError('not_found', 'outbox_id', '没有此搁置的记录', 'no such held record');
      audit(this.ctx, supervisor, 'sync.release', 'outbox', r.idempotency_key, {});
    });
  }

  /** A supervisor settles an adjustment (多退少补 done): open → resolved, with a note; audited. */
  resolveAdjustment(supervisor: Session, adjustmentId: number, note: string, at: string): void {
    const db = this.ctx.db;
    // Only supervisors may close the day; the same role settles the difference with the patient.
    assertCan(db, supervisor, 'day.close');
    writeTransaction(db, () => {
      const r = db
        .prepare(
          "UPDATE adjustments SET status = 'resolved', resolved_by = ?, resolved_at = ?, note = ? WHERE id = ? AND status = 'open' RETURNING number",
        )
        .get(supervisor.operatorId, at, note, adjustmentId) as { number: string } | undefined;
      if (!r) throw new DeskError('not_found', 'adjustment_id', '没有此待处理的差额', 'no such open adjustment');
      audit(this.ctx, supervisor, 'adjustment.resolve', 'settlement', r.number, { adjustment_id: adjustmentId, note });
    });
  }

  /**
   * Inside the platform's answer transaction, when the NHSA platform settled at F8 with the patient at the window
   * (docs/nhsa.md §7.6): what was collected (the platform's amounts) is kept for the day's totals and a reversal's
   * refund, and the record's 多退少补 is resolved at once under the cashier who settled it — nothing is left to do.
   */
  collectedAtWindow(row: OutboxRow, setlId: string, platform: Amounts, at: string): void {
    const db = this.ctx.db;
    db.prepare(
      'INSERT INTO window_collections (settlement_id, setl_id, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, funds, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(
      row.ref_id,
      setlId,
      platform.medfee_sumamt,
      platform.fund_pay_sumamt,
      platform.psn_cash_pay,
      JSON.stringify(platform.funds),
      at,
    );
    db.prepare(
      `UPDATE adjustments SET status = 'resolved', resolved_at = ?, note = '已在窗口按医保平台结算金额收取（F8）',
         resolved_by = (SELECT operator_id FROM settlements WHERE id = ?)
       WHERE outbox_id = ? AND status = 'open'`,
    ).run(at, row.ref_id, row.id);
  }

  /** What needs a person: held rows, rejected ones, and adjustments still open. */
  openWork(): SyncWorkItem[] {
    const rows = this.ctx.db
      .prepare(
        `SELECT o.id AS outbox_id, o.kind, o.idempotency_key AS number, o.status, o.held_reason, a.answer, j.id AS adjustment_id, j.fund_pay_difference, j.psn_cash_difference, j.message AS adj_message
         FROM outbox o
         LEFT JOIN outbox_answers a ON a.outbox_id = o.id
         LEFT JOIN adjustments j ON j.outbox_id = o.id
         WHERE o.held_reason IS NOT NULL OR o.status = 'rejected' OR (o.status = 'adjusted' AND j.status = 'open')
         ORDER BY o.id`,
      )
      .all() as {
      outbox_id: number;
      kind: OutboxKind;
      number: string;
      status: string;
      held_reason: string | null;
      answer: string | null;
      adjustment_id: number | null;
      fund_pay_difference: string | null;
      psn_cash_difference: string | null;
      adj_message: string | null;
    }[];
    return rows.map((r): SyncWorkItem => {
      if (r.held_reason !== null)
        return { outbox_id: r.outbox_id, kind: r.kind, number: r.number, status: 'held', message: r.held_reason };
      if (r.status === 'adjusted') {
        return {
          outbox_id: r.outbox_id,
          kind: r.kind,
          number: r.number,
          status: 'adjusted',
          message: r.adj_message ?? '',
          adjustment_id: r.adjustment_id!,
          fund_pay_difference: r.fund_pay_difference!,
          psn_cash_difference: r.psn_cash_difference!,
        };
      }
      const a = JSON.parse(r.answer ?? '{}') as { code?: string; message?: string };
      return {
        outbox_id: r.outbox_id,
        kind: r.kind,
        number: r.number,
        status: 'rejected',
        message: `${a.code ?? ''}: ${a.message ?? ''}`,
      };
    });
  }
}
