/**
 * NhsaSync: the background sync of a terminal that speaks the national
 * interface (docs/nhsa.md). Same timer, backoff, held list and work list as
 * our own protocol's SyncWorker (sync/state.ts, services/outbox.ts); the
 * queue drains through drain.ts. Reconciliation (3201/3202) and 1101 at the
 * window are issue 14's.
 */
import type { SyncStatusView } from '../../../../shared/ipc/contract.js';
import { DeskError } from '../../../../shared/errors.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import type { Session } from '../../services/access.js';
import type { DeskService } from '../../services/desk-service.js';
import type { PushResult } from '../../services/outbox.js';
import type { SyncAgent } from '../agent.js';
import type { ReconciliationReport } from '../reconcile.js';
import { readState, recentRefusals, recordFailure, recordSuccess } from '../state.js';
import { NhsaClient, UnknownOutcome } from './client.js';
import { drainNhsa, type NhsaContext } from './drain.js';
import { NhsaJournal } from './journal.js';

export interface NhsaSyncOptions {
  /** Per request, headers and body (default 15 s). */
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => Date;
  random?: () => number;
}

export class NhsaSync implements SyncAgent {
  readonly protocol = 'nhsa' as const;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly context: NhsaContext;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<{ ok: boolean; error: string | null; push: PushResult | null }> | null = null;
  private online = false;

  constructor(
    private readonly service: DeskService,
    private readonly config: NhsaConfig,
    private readonly options: NhsaSyncOptions = {},
    private readonly onChange: (status: SyncStatusView) => void = () => {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.context = {
      service,
      config,
      now: this.now,
      journal: new NhsaJournal(service.db, config, this.now),
      client: new NhsaClient(config, options.timeoutMs ?? 15_000, this.now),
      session: { signNo: null },
    };
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
      }, this.config.interval_seconds * 1000);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  syncNow(): Promise<{ ok: boolean; error: string | null; push: PushResult | null }> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = null;
        this.changed();
      });
      this.changed();
    }
    return this.running;
  }

  private async run(): Promise<{ ok: boolean; error: string | null; push: PushResult | null }> {
    const db = this.service.db;
    try {
      const push = await drainNhsa(this.context);
      this.online = true;
      recordSuccess(db, this.now());
      return { ok: true, error: null, push };
    } catch (e) {
      const push = (e as { partial?: PushResult }).partial ?? null;
      const message = e instanceof Error ? e.message : String(e);
      // No answer at all: offline. Something answered, even wrongly: the link is up.
      this.online = !(e instanceof UnknownOutcome && e.why === 'network');
      recordFailure(db, message, this.now(), this.random, this.options, (push?.sent ?? 0) > 0);
      return { ok: false, error: message, push };
    }
  }

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
      token_expires_at: null,
      rule_check_at: null,
      work: this.service.outbox.openWork(),
      rule_refusals: recentRefusals(this.service.db),
    };
  }

  resolveAdjustment(supervisor: Session, adjustmentId: number, note: string): void {
    this.service.outbox.resolveAdjustment(supervisor, adjustmentId, note, this.now().toISOString());
    this.changed();
  }

  releaseHeld(supervisor: Session, outboxId: number): void {
    this.service.outbox.release(supervisor, outboxId, this.now().toISOString());
    this.changed();
  }

  reconcile(): Promise<ReconciliationReport> {
    return Promise.reject(
      new DeskError(
        'not_found',
        '',
        '国家医保接口的对账（3201/3202）尚未提供',
        'reconciliation through the national interface (3201/3202) is not available yet',
      ),
    );
  }

  /** 1101 at the window is issue 14's; the store's snapshot stays the source until then. */
  fetchPerson(): Promise<null> {
    return Promise.resolve(null);
  }

  private changed(): void {
    try {
      this.onChange(this.status());
    } catch {
      // A listener's failure must not break sync.
    }
  }
}
