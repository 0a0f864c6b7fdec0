/** The sync_state row and the open-work list the UI shows (rejected, adjusted and held items; refused rule packages). */
import type { SyncWorkItem } from '../../../shared/ipc/contract.js';
import { writeTransaction, type Db } from '../store/db.js';
import { outboxCounts } from '../store/outbox-counts.js';

/** One item that needs a person: the contract's type, so the window and the worker cannot drift apart. */
export type WorkItem = SyncWorkItem;

export interface SyncStatus {
  online: boolean;
  running: boolean;
  /** Rows still to send (queued, or 'sending' after a crash), not counting held ones. */
  queued: number;
  held: number;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  next_attempt_at: string | null;
  token_expires_at: string | null;
  rule_check_at: string | null;
  work: WorkItem[];
  rule_refusals: { region: string; version: string; reason: string; refused_at: string }[];
}

interface StateRow {
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  failures: number;
  next_attempt_at: string | null;
  token_expires_at: string | null;
  rule_check_at: string | null;
}

export function readState(db: Db): StateRow {
  return db
    .prepare(
      'SELECT last_success_at, last_error, last_error_at, failures, next_attempt_at, token_expires_at, rule_check_at FROM sync_state WHERE id = 1',
    )
    .get() as StateRow;
}

export function updateState(db: Db, fields: Partial<StateRow>): void {
  const keys = Object.keys(fields) as (keyof StateRow)[];
  if (keys.length === 0) return;
  writeTransaction(db, () =>
    db.prepare(`UPDATE sync_state SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = 1`).run(fields),
  );
}

export function openWork(db: Db): WorkItem[] {
  const rows = db
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
    kind: WorkItem['kind'];
    number: string;
    status: string;
    held_reason: string | null;
    answer: string | null;
    adjustment_id: number | null;
    fund_pay_difference: string | null;
    psn_cash_difference: string | null;
    adj_message: string | null;
  }[];
  return rows.map((r) => {
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

/** The sync screen's queue: the same definition as the status bar's (store/outbox-counts.ts). */
export function counts(db: Db): { queued: number; held: number } {
  const { queued, held } = outboxCounts(db);
  return { queued, held };
}

export function recentRefusals(db: Db, limit = 20): SyncStatus['rule_refusals'] {
  return db
    .prepare('SELECT region, version, reason, refused_at FROM rule_refusals ORDER BY id DESC LIMIT ?')
    .all(limit) as SyncStatus['rule_refusals'];
}
