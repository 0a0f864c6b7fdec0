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
import type { Handlers } from '../node/dispatch.js';
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
import { SlipService, slipHandlers } from './slips/slip-service.js';
import { businessDate, systemClock, type Clock } from './store/clock.js';
import { encryptClearBackups } from './store/backup.js';
import { openDatabase, storeKey } from './store/db.js';
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
}

export interface DeskApp {
  handlers: Handlers;
  service: DeskService;
  slips: SlipService;
  sync: SyncAgent | null;
  /** Where backups go now (the settings screen may change it while running). */
  backupFolder(): string;
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
  const sync = syncAgentFor(service, config, options);
  sync?.start();

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
  };

  const handlers: Handlers = {
    'app.status': (_req, ctx) => ({
      terminal: config.terminal,
      operator: app.sessions.peek(ctx),
      needs_first_operator: service.operators.needsFirst(),
      online: app.online(),
      protocol: sync?.protocol ?? null,
      queue: service.outbox.counts(),
      today: businessDate(clock.now()),
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

  return {
    handlers,
    service,
    slips: app.slips,
    sync,
    backupFolder: () => backupFolder(dataDir, live.current),
    close: async () => {
      await sync?.stop();
      await platform.close();
      service.db.close();
    },
  };
}
