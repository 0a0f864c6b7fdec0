/**
 * What both protocols' background sync share (our own, worker.ts; the
 * national interface, nhsa/worker.ts): a timer that runs when the backoff
 * allows, one run at a time (a second caller joins it), the online flag, the
 * sync screen's status from the one queue (services/outbox.ts) and the
 * sync_state row, and the supervisor's two actions on the work list.
 */
import { randomBytes } from 'node:crypto';
import type { SyncStatusView } from '../../../shared/ipc/contract.js';
import type { Session } from '../services/access.js';
import type { DeskService } from '../services/desk-service.js';
import { acquireSyncLease, readState, recentRefusals, releaseSyncLease } from './state.js';

/** Longer than any round; a holder that died is taken over at once (its process id is gone). */
const LEASE_MS = 30 * 60_000;

export abstract class SyncLoop<R extends { ok: boolean; error: string | null }> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<R> | null = null;
  protected online = false;

  protected constructor(
    protected readonly service: DeskService,
    protected readonly now: () => Date,
    private readonly intervalMs: number,
    private readonly onChange: (status: SyncStatusView) => void,
  ) {}

  /** One run of the protocol; records its own success or failure in sync_state. */
  protected abstract run(options: { rules?: boolean }): Promise<R>;
  /** The result of a round not run because another process holds the queue. */
  protected abstract notRun(reason: string): R;

  private readonly leaseToken = randomBytes(12).toString('hex');

  private leaseHolders = 0;

  /**
   * One process drains the queue at a time (migration 0008): the app, the headless command, a second instance.
   * Within this process the timer's round and the window's F8 (nhsa/window.ts) share the lease: counted, released
   * by the last one out. null: another process holds it.
   */
  protected async underLease<T>(fn: () => Promise<T>): Promise<T | null> {
    const db = this.service.db;
    // The first holder takes the lease; each one joining extends it (same token), so overlapping holders never let it lapse.
    if (!acquireSyncLease(db, this.leaseToken, this.now(), LEASE_MS)) return null;
    this.leaseHolders++;
    try {
      return await fn();
    } finally {
      if (--this.leaseHolders === 0) releaseSyncLease(db, this.leaseToken);
    }
  }

  private async leased(options: { rules?: boolean }): Promise<R> {
    const r = await this.underLease(() => this.run(options));
    return r ?? this.notRun('另一进程正在同步本终端的队列，本次未执行 (another process is syncing this queue)');
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        const next = readState(this.service.db).next_attempt_at;
        const due = !next || Date.parse(next) <= this.now().getTime();
        (due ? this.syncNow() : Promise.resolve()).finally(() => {
          if (this.timer) tick();
        });
      }, this.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** One run now, ignoring the backoff (a supervisor's button). A run in progress is joined, not doubled. */
  syncNow(options: { rules?: boolean } = {}): Promise<R> {
    if (!this.running) {
      this.running = this.leased(options).finally(() => {
        this.running = null;
        this.changed();
      });
      this.changed();
    }
    return this.running;
  }

  /** Whether the last contact with the insurer succeeded (cheap: the window asks on every status). */
  isOnline(): boolean {
    return this.online;
  }

  status(): SyncStatusView {
    const s = readState(this.service.db);
    const { queued, held } = this.service.outbox.counts();
    return {
      configured: true,
      online: this.online,
      running: this.running !== null,
      queued,
      held,
      last_success_at: s.last_success_at,
      last_error: s.last_error,
      last_error_at: s.last_error_at,
      next_attempt_at: s.next_attempt_at,
      token_expires_at: s.token_expires_at,
      rule_check_at: s.rule_check_at,
      work: this.service.outbox.openWork(),
      rule_refusals: recentRefusals(this.service.db),
    };
  }

  /** A supervisor settles an adjustment (多退少补 done): open → resolved, with a note; audited. */
  resolveAdjustment(supervisor: Session, adjustmentId: number, note: string): void {
    this.service.outbox.resolveAdjustment(supervisor, adjustmentId, note, this.now().toISOString());
    this.changed();
  }

  /** After fixing the cause, a supervisor lets a held row be sent again (same key, same body). */
  releaseHeld(supervisor: Session, outboxId: number): void {
    this.service.outbox.release(supervisor, outboxId, this.now().toISOString());
    this.changed();
  }

  protected changed(): void {
    try {
      this.onChange(this.status());
    } catch {
      // A listener's failure must not break sync.
    }
  }
}
