/**
 * What the window's handlers need of a terminal's sync, whichever protocol it
 * speaks: our own (worker.ts, docs/sync.md) or the national interface
 * (nhsa/worker.ts, docs/nhsa.md). The queue, its backoff, the held list and
 * the adjustment work list are the same for both (services/outbox.ts, state.ts).
 */
import type { SyncStatusView } from '../../../shared/ipc/contract.js';
import type { Session } from '../services/access.js';
import type { PushResult } from '../services/outbox.js';
import type { ReconciliationReport } from './reconcile.js';
import type { NhsaWindow } from './nhsa/window.js';

export interface SyncAgent {
  readonly protocol: 'desk' | 'nhsa';
  start(): void;
  stop(): Promise<void>;
  /** One run now (a supervisor's button); a run in progress is joined. push: what this run sent and the answers (null: nothing got that far). */
  syncNow(options?: { rules?: boolean }): Promise<{ ok: boolean; error: string | null; push: PushResult | null }>;
  isOnline(): boolean;
  status(): SyncStatusView;
  resolveAdjustment(supervisor: Session, adjustmentId: number, note: string): void;
  releaseHeld(supervisor: Session, outboxId: number): void;
  reconcile(supervisor: Session, businessDate: string): Promise<ReconciliationReport>;
  /** The national interface at the window (1101, 2303, 2304 at F8); null for our own protocol. */
  readonly window: NhsaWindow | null;
  /** The insurer's snapshot of a person at lookup (our protocol; the national 1101 at the window is part 2). */
  fetchPerson(operator: Session, idNumber: string, years: readonly number[]): Promise<unknown>;
}
