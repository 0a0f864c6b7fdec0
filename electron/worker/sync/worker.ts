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
import { SyncLoop } from './loop.js';
import { readState, recordFailure, recordSuccess, updateState } from './state.js';

export interface SyncRunResult {
  ok: boolean;
  push: PushResult;
  rules: RulePullResult | null;
  error: string | null;
}

const EMPTY: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };

export class SyncWorker extends SyncLoop<SyncRunResult> implements SyncAgent {
  readonly protocol = 'desk' as const;
  readonly window = null;
  private readonly session: InsurerSession;
  private readonly random: () => number;
  private readonly pinned;

  constructor(
    service: DeskService,
    private readonly config: SyncConfig,
    onChange: (status: SyncStatusView) => void = () => {},
  ) {
    super(service, config.now ?? (() => new Date()), config.intervalMs ?? 60_000, onChange);
    const batch = config.batchSize ?? MAX_BATCH_ITEMS;
    if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH_ITEMS)
      throw new Error(`batchSize must be 1-${MAX_BATCH_ITEMS}`);
    this.random = config.random ?? Math.random;
    this.pinned = pinnedKeys(config);
    this.session = new InsurerSession(config, this.now, (expires) =>
      updateState(service.db, { token_expires_at: expires }),
    );
  }

  protected notRun(reason: string): SyncRunResult {
    return { ok: false, push: EMPTY, rules: null, error: reason };
  }

  /** One run: push the outbox, then rule packages when due (or `rules: true`). */
  protected async run({ rules: forceRules = false }: { rules?: boolean }): Promise<SyncRunResult> {
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
      recordFailure(db, err.message, this.now(), this.random, this.config, push.sent > 0, err.retryAfterMs);
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

  /** Daily reconciliation (3201, and 3202 on a mismatch) for a supervisor. */
  async reconcile(supervisor: Session, businessDate: string): Promise<ReconciliationReport> {
    this.service.assertCan(supervisor, 'day.close');
    return reconcileDay(this.service.db, this.session, businessDate);
  }
}
