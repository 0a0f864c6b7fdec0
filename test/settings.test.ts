/**
 * The settings screen's services through the real contract dispatch: only a
 * supervisor reads or changes settings, changes are validated (field named),
 * written to config.json and audited, the insurer's secret never reaches the
 * window, backups land in the chosen folder, operators are added and disabled.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDeskApp, type DeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { testPlatform } from './test-platform.js';
import type { SettingsView } from '../shared/settings.js';

const dataDir = mkdtempSync(join(tmpdir(), 'desk-settings-'));
const app: DeskApp = openDeskApp({ dataDir, platform: testPlatform(dataDir) });
afterAll(() => app.close());

const sup = { clientId: 'sup' };
const cash = { clientId: 'cash' };
const call = (name: string, payload: unknown, ctx = sup) => dispatch(app.handlers, name, payload, ctx, () => undefined);
const value = <T>(r: { ok: boolean; value?: unknown }) => {
  expect(r).toMatchObject({ ok: true });
  return r.value as T;
};

const KEY = 'MCowBQYDK2VwAyEA' + 'A'.repeat(28);

describe('settings', () => {
  it('a supervisor reads the settings; a cashier may not', async () => {
    value(await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }));
    const list = value<{ code: string }[]>(
      await call('operators.create', { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' }),
    );
    expect(list.map((o) => o.code)).toEqual(['cash1', 'sup1']);
    value(await call('auth.login', { code: 'cash1', pin: '135790' }, cash));

    const view = value<SettingsView>(await call('settings.get', {}));
    expect(view).toMatchObject({
      terminal: { code: 'T01' },
      insurer: null,
      data_folder: dataDir,
      backups_in: join(dataDir, 'backups'),
      restart_pending: false,
    });
    expect(await call('settings.get', {}, cash)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call('operators.list', {}, cash)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // No printer list here (the browser host prints through the browser's dialog); the Electron path is in electron-main.test.ts.
    expect(await call('printers.list', {})).toEqual({ ok: true, value: { available: false, printers: [] } });
    expect(await call('printers.list', {}, cash)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('saves valid settings to config.json, audits them, keeps the secret from the window', async () => {
    const backupDir = join(dataDir, 'second-disk');
    const input = {
      terminal: { code: 'T07', hospital_code: 'H510100001', hospital_name: '达州市中心医院' },
      lock_after_minutes: 5,
      insurer: {
        url: 'https://ybj.example.cn/desk',
        secret: 'terminal-secret-0123456789',
        pinned_keys_spki_base64: [KEY],
        interval_seconds: 30,
      },
      printer: { device_name: 'EPSON TM-T82', dpi: 203, layout: 'receipt80', preview: true },
      backup_folder: backupDir,
    };
    const view = value<SettingsView>(await call('settings.save', input));
    expect(view).toMatchObject({
      terminal: input.terminal,
      lock_after_minutes: 5,
      printer: input.printer,
      backup_folder: backupDir,
      restart_pending: true,
    });
    expect(view.insurer).toEqual({
      url: input.insurer.url,
      has_secret: true,
      pinned_keys_spki_base64: [KEY],
      interval_seconds: 30,
    });
    expect(JSON.stringify(view)).not.toContain('terminal-secret');

    const file = JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'));
    expect(file.insurer.secret).toBe('terminal-secret-0123456789');
    expect(file.terminal.code).toBe('T07');

    // An empty secret keeps the stored one.
    value(await call('settings.save', { ...input, insurer: { ...input.insurer, secret: '' } }));
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).insurer.secret).toBe(
      'terminal-secret-0123456789',
    );

    const audit = app.service.db
      .prepare("SELECT detail FROM audit_log WHERE action = 'settings.change' ORDER BY id")
      .all() as { detail: string }[];
    expect(audit).toHaveLength(2);
    expect(audit[0]!.detail).toContain('T07');
    expect(audit[0]!.detail).toContain('"insurer_secret":"replaced"');
    expect(audit.map((a) => a.detail).join('')).not.toContain('terminal-secret');
  });

  it('refuses bad settings with the field named and changes nothing', async () => {
    const before = readFileSync(join(dataDir, 'config.json'), 'utf8');
    const base = value<SettingsView>(await call('settings.get', {}));
    const input = {
      terminal: base.terminal,
      lock_after_minutes: base.lock_after_minutes,
      insurer: null,
      printer: base.printer,
      backup_folder: '',
    };
    expect(await call('settings.save', { ...input, terminal: { ...input.terminal, code: 't 1' } })).toMatchObject({
      ok: false,
      error: { field: 'terminal.code', message: '终端编号为2-12位大写字母或数字' },
    });
    expect(await call('settings.save', { ...input, lock_after_minutes: 0 })).toMatchObject({
      ok: false,
      error: { field: 'lock_after_minutes' },
    });
    expect(
      await call('settings.save', {
        ...input,
        insurer: { url: 'not a url', secret: '', pinned_keys_spki_base64: [KEY], interval_seconds: 60 },
      }),
    ).toMatchObject({ ok: false, error: { field: 'insurer.url' } });
    expect(await call('settings.save', { ...input, printer: { ...input.printer, dpi: 5000 } })).toMatchObject({
      ok: false,
      error: { field: 'printer.dpi' },
    });
    expect(readFileSync(join(dataDir, 'config.json'), 'utf8')).toBe(before);
  });

  it('a new insurer connection needs its secret', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'desk-settings-fresh-'));
    const other = openDeskApp({ dataDir: fresh, platform: testPlatform(fresh) });
    try {
      await dispatch(other.handlers, 'auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, sup);
      const r = await dispatch(
        other.handlers,
        'settings.save',
        {
          terminal: { code: 'T02', hospital_code: 'H1', hospital_name: '医院' },
          lock_after_minutes: 15,
          insurer: { url: 'https://ybj.example.cn/', secret: '', pinned_keys_spki_base64: [KEY], interval_seconds: 60 },
          printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
          backup_folder: '',
        },
        sup,
      );
      expect(r).toMatchObject({ ok: false, error: { field: 'insurer.secret' } });
    } finally {
      await other.close();
    }
  });

  it('backs up into the chosen folder on demand', async () => {
    const view = value<SettingsView>(await call('backup.now', {}));
    expect(view.backups_in).toBe(join(dataDir, 'second-disk'));
    expect(view.backups).toHaveLength(1);
    expect(existsSync(join(view.backups_in, view.backups[0]!.file))).toBe(true);
    expect(readdirSync(view.backups_in)).toContain(view.backups[0]!.file);
    expect(await call('backup.now', {}, cash)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a disabled operator cannot sign in and loses their session; a supervisor cannot disable themself', async () => {
    const list = value<{ code: string; active: boolean }[]>(
      await call('operators.set_active', { code: 'cash1', active: false }),
    );
    expect(list.find((o) => o.code === 'cash1')?.active).toBe(false);
    expect(await call('history.search', {}, cash)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect((await call('auth.login', { code: 'cash1', pin: '135790' }, cash)).ok).toBe(false);
    expect(await call('operators.set_active', { code: 'sup1', active: false })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', field: 'code' },
    });
    expect(await call('operators.set_active', { code: 'nobody', active: true })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    value(await call('operators.set_active', { code: 'cash1', active: true }));
    value(await call('auth.login', { code: 'cash1', pin: '135790' }, cash));
  });

  it('two supervisors cannot disable each other: the second is refused, one stays active', async () => {
    const sup2 = { clientId: 'sup2' };
    value(await call('operators.create', { code: 'sup2', name: '陈主管', role: 'supervisor', pin: '864200' }));
    value(await call('auth.login', { code: 'sup2', pin: '864200' }, sup2));
    value(await call('operators.set_active', { code: 'sup1', active: false }, sup2));
    expect(await call('operators.set_active', { code: 'sup2', active: false })).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    const active = app.service.db
      .prepare("SELECT code FROM operators WHERE role = 'supervisor' AND active = 1")
      .pluck()
      .all();
    expect(active).toEqual(['sup2']);
    value(await call('operators.set_active', { code: 'sup1', active: true }, sup2));
  });
});
