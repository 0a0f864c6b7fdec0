/**
 * What the window's handlers share for one data folder: the services, the
 * signed-in operators, the sync worker (when an insurer is configured), the
 * slip service, the platform (print, publish, printers, keys) and the live
 * settings. Built once by desk-app.ts and handed to each domain's handlers.
 */
import type { TerminalConfig } from '../../shared/settings.js';
import type { Platform } from '../node/platform.js';
import type { DeskService } from './services/desk-service.js';
import type { Sessions } from './sessions.js';
import type { SlipService } from './slips/slip-service.js';
import type { StorageWatch } from './storage.js';
import type { Clock } from './store/clock.js';
import type { SyncAgent } from './sync/agent.js';

export interface LiveConfig {
  /** As read at start: what the running services use for terminal, hospital and insurer. */
  readonly started: TerminalConfig;
  /** As last saved. */
  current: TerminalConfig;
}

export interface AppContext {
  readonly dataDir: string;
  /** Why the data folder is not the per-machine one (shown on the settings screen). */
  readonly dataFolderNote: string | null;
  readonly service: DeskService;
  readonly sessions: Sessions;
  readonly slips: SlipService;
  readonly sync: SyncAgent | null;
  /** Whether the insurer answered last time (false without one). */
  online(): boolean;
  readonly platform: Platform;
  readonly live: LiveConfig;
  readonly clock: Clock;
  /** The data folder's free space and the backups' outcome (AppStatus.storage). */
  readonly storage: StorageWatch;
}
