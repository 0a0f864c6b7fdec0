/** The sync_state row and the refused rule packages the sync screen shows (its open work is the outbox's: services/outbox.ts). */
import type { SyncStatusView } from '../../../shared/ipc/contract.js';
import type { QueueCounts } from '../../../shared/store/records.js';
import { writeTransaction, type Db } from '../store/db.js';

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

/** The sync screen when no insurer is configured: only the queue, which waits for one. */
export function notConfigured(queue: QueueCounts): SyncStatusView {
  return {
    configured: false,
    online: false,
    running: false,
    queued: queue.queued,
    held: queue.held,
    last_success_at: null,
    last_error: null,
    last_error_at: null,
    next_attempt_at: null,
    token_expires_at: null,
    rule_check_at: null,
    work: [],
    rule_refusals: [],
  };
}

export function recentRefusals(db: Db, limit = 20): SyncStatusView['rule_refusals'] {
  return db
    .prepare('SELECT region, version, reason, refused_at FROM rule_refusals ORDER BY id DESC LIMIT ?')
    .all(limit) as SyncStatusView['rule_refusals'];
}
