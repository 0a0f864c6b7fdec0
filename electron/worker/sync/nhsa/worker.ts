/**
 * NhsaSync: the background sync of a terminal that speaks the national
 * interface (docs/nhsa.md). Same timer, backoff, held list and work list as
 * our own protocol's SyncWorker (sync/state.ts, services/outbox.ts); the
 * queue drains through drain.ts; the day's reconciliation (3201/3202)
 * through reconcile.ts. 1101 at the window is issue 14's.
 */
import type { SyncStatusView } from '../../../../shared/ipc/contract.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import type { DeskService } from '../../services/desk-service.js';
import type { PushResult } from '../../services/outbox.js';
import type { SyncAgent } from '../agent.js';
import type { ReconciliationReport } from '../reconcile.js';
import { SyncLoop } from '../loop.js';
import { recordFailure, recordSuccess } from '../state.js';
import { NhsaClient, UnknownOutcome } from './client.js';
import { drainNhsa } from './drain.js';
import { Serial, probe, type NhsaContext } from './exchange.js';
import { NhsaJournal } from './journal.js';
import { reconcileNhsa } from './reconcile.js';
import { NhsaWindow } from './window.js';
import type { Session } from '../../services/access.js';

export interface NhsaSyncOptions {
  /** Per request, headers and body (default 15 s). */
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => Date;
  random?: () => number;
}

type RunResult = { ok: boolean; error: string | null; push: PushResult | null };

export class NhsaSync extends SyncLoop<RunResult> implements SyncAgent {
  readonly protocol = 'nhsa' as const;
  private readonly random: () => number;
  private readonly context: NhsaContext;
  readonly window: NhsaWindow;

  constructor(
    service: DeskService,
    config: NhsaConfig,
    private readonly options: NhsaSyncOptions = {},
    onChange: (status: SyncStatusView) => void = () => {},
  ) {
    super(service, options.now ?? (() => new Date()), config.interval_seconds * 1000, onChange);
    this.random = options.random ?? Math.random;
    this.context = {
      service,
      config,
      now: this.now,
      journal: new NhsaJournal(service.db, config, this.now),
      client: new NhsaClient(config, options.timeoutMs ?? 15_000, this.now),
      session: { signNo: null },
      serial: new Serial(),
    };
    this.window = new NhsaWindow(
      this.context,
      (fn) => this.underLease(fn),
      // The window's own exchanges say whether the link is up (an unanswered F5 shows offline at once).
      (ok) => {
        if (this.online === ok) return;
        this.online = ok;
        this.changed();
      },
    );
  }

  protected notRun(reason: string): RunResult {
    return { ok: false, error: reason, push: null };
  }

  protected async run(): Promise<RunResult> {
    const db = this.service.db;
    try {
      const before = this.context.journal.lastStepId();
      const push = await drainNhsa(this.context);
      // Nothing was sent this round: a terminal not known to be online signs in (9001) to find out, so a fresh or
      // recovered link shows as online before the next settlement (one 9001 per round while offline, none after).
      if (this.context.journal.lastStepId() === before) {
        if (!this.online) await probe(this.context, this.service.terminalInfo.code);
        else return { ok: true, error: null, push };
      }
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

  /** The day's reconciliation with the platform (3201 per group; 9101/3202/9102 where a group is not 平), for a supervisor. */
  async reconcile(supervisor: Session, businessDate: string): Promise<ReconciliationReport> {
    this.service.assertCan(supervisor, 'day.close');
    try {
      const report = await reconcileNhsa(this.context, supervisor, businessDate);
      this.online = true;
      return report;
    } catch (e) {
      // No answer at all: offline (the DeskError keeps the exchange's error as its cause).
      const cause = e instanceof Error ? e.cause : null;
      if (cause instanceof UnknownOutcome && cause.why === 'network') this.online = false;
      throw e;
    } finally {
      this.changed();
    }
  }

  /** 1101 at lookup (the window's person.find, online): psn_no, insutype, 参保地 and status kept with the person. */
  fetchPerson(operator: Session, idNumber: string): Promise<void> {
    return this.window.lookup(operator, idNumber);
  }
}
