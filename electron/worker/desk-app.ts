/**
 * The services behind the contract, for one data folder: the store's domain
 * services, the slip printer, the sync worker and the operator sessions of the
 * windows that call them; each domain's handlers merged into the one typed
 * contract (the compiler checks that every channel has exactly one). Used by
 * the services worker (Electron app and browser host) and by tests.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type TerminalConfig } from '../node/config.js';
import type { CallContext, Handlers } from '../node/dispatch.js';
import type { Platform } from '../node/platform.js';
import type { SyncConfig } from '../node/sync-config.js';
import type { AppContext, LiveConfig } from './app-context.js';
import { claimHandlers } from './services/claims.js';
import { dayHandlers } from './services/day.js';
import { DeskService } from './services/desk-service.js';
import { operatorHandlers } from './services/operators.js';
import { personHandlers } from './services/persons.js';
import { recordHandlers } from './services/records.js';
import { ruleHandlers } from './services/rules.js';
import { backupFolder, settingsHandlers } from './services/settings.js';
import { settlementHandlers } from './services/settlements.js';
import { Sessions } from './sessions.js';
import { StorageWatch } from './storage.js';
import { SlipService, slipHandlers } from './slips/slip-service.js';
import { businessDate, systemClock, type Clock } from './store/clock.js';
import { dailyBackup, encryptClearBackups } from './store/backup.js';
import { sealClearArchiveFiles } from '../node/archive-files.js';
import { closeDatabase, openDatabase, storeKey } from './store/db.js';
import { integrityStatus, requireFullVerification } from './store/chain.js';
import { syncHandlers } from './sync/handlers.js';
import { SyncWorker } from './sync/worker.js';
import type { SyncAgent } from './sync/agent.js';
import { NhsaSync, type NhsaSyncOptions } from './sync/nhsa/worker.js';

export interface DeskAppOptions {
  dataDir: string;
  /** What only the parent process can do: print, publish, list printers, keys. */
  platform: Platform;
  clock?: Clock;
  /** Overrides the insurer settings of config.json (tests: the reference service on 127.0.0.1). */
  sync?: Partial<SyncConfig> & Pick<SyncConfig, 'url' | 'secret' | 'pinnedKeysSpkiBase64'>;
  /** Timing of the national interface's sync (tests: short timeouts, fixed clock). */
  nhsa?: NhsaSyncOptions;
  /** Why the data folder is not the per-machine one (shown on the settings screen). */
  dataFolderNote?: string | null;
  /** Free space below which the window warns (default LOW_SPACE_BYTES, 200 MB; tests: a small disk). */
  lowSpaceBytes?: number;
}

export interface DeskApp {
  handlers: Handlers;
  service: DeskService;
  slips: SlipService;
  sync: SyncAgent | null;
  /** Who is signed in at each window, and who the inactivity lock signed out. */
  sessions: Sessions;
  /** Where backups go now (the settings screen may change it while running). */
  backupFolder(): string;
  /**
   * The daily backup (the services worker runs it at start and every hour): the backup's path, or null when
   * today's is there. A failure is kept for the status bar and the settings screen until a backup succeeds,
   * and thrown.
   */
  dailyBackup(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * The terminal's sync agent as config.json chooses it (not started): the national
 * interface for an `nhsa` section, our own protocol for `insurer` (or a test's
 * override), none otherwise. The app and the headless round (sync/headless.ts) both use it.
 */
export function syncAgentFor(
  service: DeskService,
  config: TerminalConfig,
  overrides: Pick<DeskAppOptions, 'sync' | 'nhsa'> & { timeoutMs?: number } = {},
): SyncAgent | null {
  const timeout = overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs };
  if (config.nhsa) return new NhsaSync(service, config.nhsa, { ...timeout, ...overrides.nhsa });
  const insurer =
    overrides.sync ??
    (config.insurer
      ? {
          url: config.insurer.url,
          secret: config.insurer.secret,
          pinnedKeysSpkiBase64: config.insurer.pinned_keys_spki_base64,
          intervalMs: config.insurer.interval_seconds * 1000,
        }
      : null);
  if (!insurer) return null;
  return new SyncWorker(service, {
    terminal_code: config.terminal.code,
    hospital_code: config.terminal.hospital_code,
    ...timeout,
    ...insurer,
  });
}

export function openDeskApp(options: DeskAppOptions): DeskApp {
  const { dataDir, platform } = options;
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig(dataDir, platform.keys, { seal: true });
  const clock = options.clock ?? systemClock;
  const service = new DeskService({
    db: openDatabase(join(dataDir, 'desk.sqlite'), platform.keys),
    keys: platform.keys,
    dataDir,
    terminal: config.terminal,
    clock,
  });
  const live: LiveConfig = { started: config, current: config };
  // Clear backups from before the store was encrypted: encrypted in place, or removed when damaged.
  const converted = encryptClearBackups(backupFolder(dataDir, config), storeKey(platform.keys));
  for (const path of converted.removed) console.error(`removed a clear backup that could not be encrypted: ${path}`);
  // Clear slips, reports and scans from an earlier version: sealed, each clear file removed once its sealed copy opens.
  const archive = sealClearArchiveFiles(dataDir, platform.keys);
  for (const rel of archive.kept)
    console.error(`kept a clear archive file whose sealed name holds other bytes: ${rel}`);
  const sync = syncAgentFor(service, config, options);
  sync?.start();

  const storage = new StorageWatch({
    dataDir,
    db: service.db,
    clock,
    ...(options.lowSpaceBytes === undefined ? {} : { lowSpaceBytes: options.lowSpaceBytes }),
  });

  const app: AppContext = {
    dataDir,
    dataFolderNote: options.dataFolderNote ?? null,
    service,
    sessions: new Sessions(clock, () => live.current.lock_after_minutes),
    slips: new SlipService(service, platform, dataDir, clock),
    sync,
    online: () => sync?.isOnline() ?? false,
    platform,
    live,
    clock,
    storage,
  };

  const handlers: Handlers = {
    'app.status': (_req, ctx) => ({
      terminal: config.terminal,
      operator: app.sessions.peek(ctx),
      locked_operator: app.sessions.lockedAt(ctx), // after peek: a lock due now is found there
      needs_first_operator: service.operators.needsFirst(),
      online: app.online(),
      protocol: sync?.protocol ?? null,
      queue: service.outbox.counts(),
      today: businessDate(clock.now()),
      storage: storage.status(),
      integrity: integrityStatus(service.db),
    }),
    ...operatorHandlers(app),
    ...ruleHandlers(app),
    ...personHandlers(app),
    ...settlementHandlers(app),
    ...recordHandlers(app),
    ...slipHandlers(app),
    ...claimHandlers(app),
    ...dayHandlers(app),
    ...syncHandlers(app),
    ...settingsHandlers(app),
  };

  // What fills the disk at a cashier window: its free space is measured before and after each (one statfs).
  const measured = <C extends 'settlement.settle' | 'slip.print'>(name: C): void => {
    const handler = handlers[name] as (req: unknown, ctx: CallContext) => unknown;
    handlers[name] = (async (req: unknown, ctx: CallContext) => {
      storage.measure();
      try {
        return await handler(req, ctx);
      } finally {
        storage.measure();
      }
    }) as Handlers[C];
  };
  measured('settlement.settle');
  measured('slip.print');

  return {
    handlers,
    service,
    slips: app.slips,
    sync,
    sessions: app.sessions,
    backupFolder: () => backupFolder(dataDir, live.current),
    dailyBackup: async () => {
      try {
        // Full verification first, when a backup is due (the timer asks hourly; a full check of a big store takes
        // seconds of this thread): a tampered store is not backed up, and the failure is kept for the status bar
        // and refuses money writes until it is resolved (store/chain.ts).
        const path = await dailyBackup(service.db, backupFolder(dataDir, live.current), clock, 'desk', () =>
          requireFullVerification(service.db, clock.now()),
        );
        if (path) storage.backupSucceeded(path, false);
        return path;
      } catch (e) {
        storage.backupFailed(e, 'daily');
        throw e;
      }
    },
    close: async () => {
      await sync?.stop();
      await platform.close();
      closeDatabase(service.db);
    },
  };
}
