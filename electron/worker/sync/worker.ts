/**
 * SyncWorker: the terminal's background sync with the insurer. A timer pushes
 * the outbox (and checks for rule packages now and then); after a failure it
 * backs off exponentially with jitter. syncNow() runs at once, ignoring the
 * backoff (a supervisor's button). One worker per database: two workers on
 * the same outbox would send the same rows twice (harmless, answered
 * `duplicate`, but wasteful).
 */
import type { DeskService } from '../services/desk-service.js';
import type { Session } from '../services/access.js';
import type { SyncStatusView } from '../../../shared/ipc/contract.js';
import { MAX_BATCH_ITEMS } from '../../../shared/sync/protocol.js';
import { pinnedKeys, type SyncConfig } from '../../node/sync-config.js';
import type { SyncAgent } from './agent.js';
import { SyncError } from './http.js';
import { pushOutbox, type PushResult } from './outbox.js';
import { fetchPerson } from './person.js';
import { pullRules, type RulePullResult } from './rules.js';
import { InsurerSession } from './session.js';
import { reconcileDay, type ReconciliationReport } from './reconcile.js';
import { readState, recentRefusals, recordFailure, recordSuccess, updateState } from './state.js';

export interface SyncRunResult {
  ok: boolean;
  push: PushResult;
  rules: RulePullResult | null;
  error: string | null;
}

const EMPTY: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };

export class SyncWorker implements SyncAgent {
  readonly protocol = 'desk' as const;
  private readonly session: InsurerSession;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly pinned;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncRunResult> | null = null;
  private online = false;

  constructor(
    private readonly service: DeskService,
    private readonly config: SyncConfig,
    private readonly onChange: (status: SyncStatusView) => void = () => {},
  ) {
    const batch = config.batchSize ?? MAX_BATCH_ITEMS;
    if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH_ITEMS)
      throw new Error(`batchSize must be 1-${MAX_BATCH_ITEMS}`);
    this.now = config.now ?? (() => new Date());
    this.random = config.random ?? Math.random;
    this.pinned = pinnedKeys(config);
    this.session = new InsurerSession(config, this.now, (expires) =>
      updateState(service.db, { token_expires_at: expires }),
    );
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
      }, this.config.intervalMs ?? 60_000);
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

  /** One run now: push the outbox, then rule packages when due (or `rules: true`). A run in progress is joined, not doubled. */
  syncNow(options: { rules?: boolean } = {}): Promise<SyncRunResult> {
    if (!this.running) {
      this.running = this.run(options.rules ?? false).finally(() => {
        this.running = null;
        this.changed();
      });
      this.changed();
    }
    return this.running;
  }

  private async run(forceRules: boolean): Promise<SyncRunResult> {
    const db = this.service.db;
    let push = EMPTY;
    let rules: RulePullResult | null = null;
    try {
      push = await pushOutbox(this.service, this.session, this.config.batchSize ?? MAX_BATCH_ITEMS, this.now);
      this.online = true;
      const checked = readState(db).rule_check_at;
      if (
        forceRules ||
        !checked ||
        this.now().getTime() - Date.parse(checked) >= (this.config.ruleCheckIntervalMs ?? 6 * 3600_000)
      ) {
        rules = await pullRules(db, this.service.rules, this.session, this.pinned, this.now);
      }
      recordSuccess(db, this.now());
      return { ok: true, push, rules, error: null };
    } catch (e) {
      push = (e as { partial?: PushResult }).partial ?? push;
      const err = e instanceof SyncError ? e : new SyncError('server', (e as Error).message);
      if (push.sent > 0) this.online = true;
      if (err.kind === 'network') this.online = false;
      recordFailure(db, err.message, this.now(), this.random, this.config, push.sent > 0);
      return { ok: false, push, rules, error: err.message };
    }
  }

  /** Rule packages now (also part of syncNow when due). */
  async pullRules(): Promise<RulePullResult> {
    const r = await pullRules(this.service.db, this.service.rules, this.session, this.pinned, this.now);
    this.online = true;
    this.changed();
    return r;
  }

  /** The insurer's snapshot of a person, recorded with source 'insurer' (settle then uses the insurer's accumulators). */
  async fetchPerson(
    operator: Session,
    idNumber: string,
    years: readonly number[],
  ): Promise<{ person_id: number; id_masked: string; as_of: string }> {
    try {
      const r = await fetchPerson(this.service, this.session, operator, idNumber, years);
      this.online = true;
      return r;
    } catch (e) {
      if (e instanceof SyncError && e.kind === 'network') this.online = false;
      throw e;
    } finally {
      this.changed();
    }
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

  /** Daily reconciliation (3201, and 3202 on a mismatch) for a supervisor. */
  async reconcile(supervisor: Session, businessDate: string): Promise<ReconciliationReport> {
    this.service.assertCan(supervisor, 'day.close');
    return reconcileDay(this.service.db, this.session, businessDate);
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

  private changed(): void {
    try {
      this.onChange(this.status());
    } catch {
      // A listener's failure must not break sync.
    }
  }
}
