/**
 * The settings screen's calls (supervisor only): the terminal's settings file,
 * backups on demand, and the printers. Settings read at start (terminal,
 * hospital, the protocol and its parameters: insurer or nhsa) apply after a
 * restart and the view says so; the lock time, printer and backup folder apply
 * at once. No answer carries the insurer's secret or the NHSA passToken.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../../../shared/errors.js';
import { applySettings, settingsView, type SettingsView, type TerminalConfig } from '../../../shared/settings.js';
import type { Handlers, CallContext } from '../../node/dispatch.js';
import { saveConfig } from '../../node/config.js';
import type { AppContext } from '../app-context.js';
import { writeTransaction } from '../store/db.js';
import { assertCan, type Session } from './access.js';
import { audit, type ServiceContext } from './context.js';

/** The settings change record: what changed goes to the audit log (never a secret: 'replaced' stands for it). */
export class SettingsLog {
  constructor(private readonly ctx: ServiceContext) {}

  record(session: Session, changed: Record<string, unknown>): void {
    assertCan(this.ctx.db, session, 'settings.change');
    writeTransaction(this.ctx.db, () =>
      audit(this.ctx, session, 'settings.change', 'settings', 'config.json', changed),
    );
  }
}

export function backupFolder(dataDir: string, config: TerminalConfig): string {
  return config.backup.folder || join(dataDir, 'backups');
}

export function settingsHandlers(
  app: AppContext,
): Pick<Handlers, 'settings.get' | 'settings.save' | 'backup.now' | 'printers.list'> {
  const { dataDir, service, live, sessions, platform } = app;

  const supervisor = (ctx: CallContext): Session => {
    const s = sessions.current(ctx);
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
      JSON.stringify(s.insurer ?? null) !== JSON.stringify(c.insurer ?? null) ||
      JSON.stringify(s.nhsa ?? null) !== JSON.stringify(c.nhsa ?? null);
    return {
      ...settingsView(c),
      data_folder: dataDir,
      data_folder_note: app.dataFolderNote,
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
      // The views hold no secrets; a secret sent (non-empty) replaced the stored one.
      if (req.insurer?.secret) changed['insurer_secret'] = 'replaced';
      if (req.nhsa?.pass_token) changed['nhsa_pass_token'] = 'replaced';
      saveConfig(dataDir, next.config, platform.keys);
      live.current = next.config;
      service.settings.record(s, changed);
      return view();
    },
    'backup.now': async (_req, ctx) => {
      const s = supervisor(ctx);
      try {
        const done = await service.backups.run(s, backupFolder(dataDir, live.current));
        app.storage.backupSucceeded(done.path, true);
      } catch (e) {
        // Shown on the status bar and this screen until a backup succeeds, like a failed daily backup.
        app.storage.backupFailed(e, 'on_demand');
        throw e;
      }
      return view();
    },
    'printers.list': async (_req, ctx) => {
      supervisor(ctx);
      if (!platform.listPrinters) return { available: false, printers: [] };
      const printers = await platform.listPrinters();
      return {
        available: true,
        printers: printers.map((p) => ({ name: p.name, display_name: p.display_name || p.name })),
      };
    },
  };
}
