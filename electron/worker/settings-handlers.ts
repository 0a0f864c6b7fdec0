/**
 * The settings screen's calls (supervisor only): the terminal's settings file,
 * backups on demand, and the operators. Settings read at start (terminal,
 * hospital, insurer) apply after a restart and the view says so; the lock
 * time, printer and backup folder apply at once.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../../shared/errors.js';
import {
  applySettings,
  settingsView,
  type PrinterInfo,
  type SettingsView,
  type TerminalConfig,
} from '../../shared/settings.js';
import type { Handlers, CallContext } from '../node/dispatch.js';
import type { DeskService, Session } from './store/service.js';
import { saveConfig } from '../node/config.js';

export interface LiveConfig {
  /** As read at start: what the running services use for terminal, hospital and insurer. */
  readonly started: TerminalConfig;
  /** As last saved. */
  current: TerminalConfig;
}

export function backupFolder(dataDir: string, config: TerminalConfig): string {
  return config.backup.folder || join(dataDir, 'backups');
}

type SettingsChannels =
  | 'settings.get'
  | 'settings.save'
  | 'backup.now'
  | 'printers.list'
  | 'operators.list'
  | 'operators.create'
  | 'operators.set_active';

export function settingsHandlers(options: {
  dataDir: string;
  dataFolderNote: string | null;
  service: DeskService;
  live: LiveConfig;
  current: (ctx: CallContext) => Session;
  listPrinters?: () => Promise<PrinterInfo[]>;
}): Pick<Handlers, SettingsChannels> {
  const { dataDir, service, live, current } = options;

  const supervisor = (ctx: CallContext): Session => {
    const s = current(ctx);
    service.assertCan(s, 'settings.change');
    return s;
  };

  const view = (): SettingsView => {
    const folder = backupFolder(dataDir, live.current);
    let backups: SettingsView['backups'] = [];
    try {
      backups = readdirSync(folder)
        .filter((f) => f.endsWith('.sqlite'))
        .map((file) => {
          const st = statSync(join(folder, file));
          return { file, bytes: st.size, modified: st.mtime.toISOString() };
        })
        .sort((a, b) => b.modified.localeCompare(a.modified))
        .slice(0, 10);
    } catch {
      backups = []; // no backup yet (the folder is made by the first one)
    }
    const s = live.started;
    const c = live.current;
    const restart =
      JSON.stringify(s.terminal) !== JSON.stringify(c.terminal) ||
      JSON.stringify(s.insurer ?? null) !== JSON.stringify(c.insurer ?? null);
    return {
      ...settingsView(c),
      data_folder: dataDir,
      data_folder_note: options.dataFolderNote,
      backups_in: folder,
      backups,
      restart_pending: restart,
    };
  };

  return {
    'settings.get': (_req, ctx) => {
      supervisor(ctx);
      return view();
    },
    'settings.save': (req, ctx) => {
      const s = supervisor(ctx);
      const next = applySettings(live.current, req);
      if (!('config' in next)) throw new DeskError('invalid_field', next.field, next.message, next.message_en);
      const before = settingsView(live.current);
      const after = settingsView(next.config);
      const changed = Object.fromEntries(
        Object.keys(after)
          .filter(
            (k) => JSON.stringify(before[k as keyof typeof before]) !== JSON.stringify(after[k as keyof typeof after]),
          )
          .map((k) => [k, after[k as keyof typeof after]]),
      );
      if (req.insurer?.secret) changed['insurer_secret'] = 'replaced';
      saveConfig(dataDir, next.config);
      live.current = next.config;
      service.recordSettingsChange(s, changed);
      return view();
    },
    'backup.now': async (_req, ctx) => {
      await service.backup(supervisor(ctx), backupFolder(dataDir, live.current));
      return view();
    },
    'printers.list': async (_req, ctx) => {
      supervisor(ctx);
      if (!options.listPrinters) return { available: false, printers: [] };
      const printers = await options.listPrinters();
      return {
        available: true,
        printers: printers.map((p) => ({ name: p.name, display_name: p.display_name || p.name })),
      };
    },
    'operators.list': (_req, ctx) => service.listOperators(current(ctx)),
    'operators.create': (req, ctx) => {
      const s = current(ctx);
      service.createOperator(s, req);
      return service.listOperators(s);
    },
    'operators.set_active': (req, ctx) => {
      const s = current(ctx);
      service.setOperatorActive(s, req.code, req.active);
      return service.listOperators(s);
    },
  };
}
