/**
 * The messages between a window's process (Electron main or the browser host)
 * and the services worker thread. Calls go down (validated against the
 * contract by the parent) and results come back; the worker asks its parent
 * for what only the parent's Platform can do: print a slip (Electron's
 * printing needs the main thread), publish a document for the page (the
 * browser host serves it), list the system's printers.
 */
import type { IpcResult } from '../../shared/ipc/contract.js';
import type { SlipLayout } from '../../shared/slip/slip.js';
import type { SyncConfig } from './sync-config.js';
import type { SyncRoundOutcome } from './headless-sync.js';
import type { RestoreOutcome } from './restore-args.js';

/** What the worker needs to open the services (structured-cloned into the thread). */
export interface ServicesWorkerData {
  dataDir: string;
  /** The store's 32-byte master key, read by the parent (Electron's safeStorage is main-thread only). */
  masterKey: Uint8Array;
  /** Where the parent's key storage keeps the store's anchors (KeyProvider.anchorFolder); absent: none. */
  anchorFolder?: string;
  /** The parent can list the system's printers (Electron main). */
  listsPrinters: boolean;
  /** Daily backup into dataDir/backups, checked every hour. */
  backups: boolean;
  /** Why the data folder is not the per-machine one (settings screen). */
  dataFolderNote?: string | null;
  /** Overrides config.json's insurer (tests: the reference service on 127.0.0.1). */
  sync?: Partial<SyncConfig> & Pick<SyncConfig, 'url' | 'secret' | 'pinnedKeysSpkiBase64'>;
  /** Instead of serving calls: one headless sync round, answered by a 'sync-round' message, then exit (headless-sync.ts). */
  syncRound?: { timeoutMs: number };
  /** Instead of serving calls: `DischargeDesk --restore`, answered by a 'restore' message, then exit (restore-args.ts). */
  restore?: { from: string; yes: boolean };
}

export type ToWorker =
  | { type: 'call'; id: number; name: string; payload: unknown; clientId: string }
  | { type: 'host-reply'; id: number; ok: true; value: unknown }
  | { type: 'host-reply'; id: number; ok: false; message: string }
  | { type: 'close' };

export type HostRequest =
  | { op: 'print'; html: string; layout: SlipLayout }
  | { op: 'publish'; html: string; pdf: Uint8Array }
  | { op: 'printers' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: IpcResult<unknown> }
  | ({ type: 'host'; id: number } & HostRequest)
  | { type: 'closed' }
  | { type: 'sync-round'; outcome: SyncRoundOutcome }
  | { type: 'restore'; outcome: RestoreOutcome };

/** The key storage a worker gets from its parent: the master key and where the anchors are kept. */
export type WorkerKeys = Pick<ServicesWorkerData, 'masterKey' | 'anchorFolder'>;
