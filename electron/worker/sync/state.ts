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

/** A run that reached the insurer to the end: no error, no backoff. */
export function recordSuccess(db: Db, at: Date): void {
  updateState(db, {
    last_success_at: at.toISOString(),
    last_error: null,
    last_error_at: null,
    failures: 0,
    next_attempt_at: null,
  });
}

/**
 * A run that failed: the error for the sync screen, and the next automatic attempt after an
 * exponential backoff with full jitter in [½, 1] of the step, so a hospital's terminals do not retry in step.
 */
export function recordFailure(
  db: Db,
  message: string,
  at: Date,
  random: () => number,
  timing: { backoffBaseMs?: number; backoffMaxMs?: number },
  sentSome: boolean,
  /** The insurer's Retry-After: the next attempt is not before it (a locked-out terminal does not hammer). */
  notBeforeMs: number | null = null,
): void {
  const failures = readState(db).failures + 1;
  const step = Math.min(
    (timing.backoffBaseMs ?? 2000) * 2 ** Math.min(failures - 1, 20),
    timing.backoffMaxMs ?? 300_000,
  );
  const wait = Math.max(step * (0.5 + random() / 2), notBeforeMs ?? 0);
  updateState(db, {
    last_error: message,
    last_error_at: at.toISOString(),
    failures,
    next_attempt_at: new Date(at.getTime() + wait).toISOString(),
    ...(sentSome ? { last_success_at: at.toISOString() } : {}),
  });
}

/** A process that is still running (signal 0 checks without signalling); EPERM means it exists under another user. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Takes the queue's lease for one sync round (migration 0008): free, expired, ours, or held by a
 * process that no longer runs. False when another live process is draining the queue.
 */
export function acquireSyncLease(db: Db, token: string, at: Date, ttlMs: number): boolean {
  return writeTransaction(db, () => {
    const l = db.prepare('SELECT lease_pid, lease_token, lease_until FROM sync_state WHERE id = 1').get() as {
      lease_pid: number | null;
      lease_token: string | null;
      lease_until: string | null;
    };
    const free =
      l.lease_token === null ||
      l.lease_token === token ||
      (l.lease_until !== null && l.lease_until <= at.toISOString()) ||
      (l.lease_pid !== null && !alive(l.lease_pid));
    if (!free) return false;
    db.prepare('UPDATE sync_state SET lease_pid = ?, lease_token = ?, lease_until = ? WHERE id = 1').run(
      process.pid,
      token,
      new Date(at.getTime() + ttlMs).toISOString(),
    );
    return true;
  });
}

export function releaseSyncLease(db: Db, token: string): void {
  writeTransaction(db, () =>
    db
      .prepare(
        'UPDATE sync_state SET lease_pid = NULL, lease_token = NULL, lease_until = NULL WHERE id = 1 AND lease_token = ?',
      )
      .run(token),
  );
}
