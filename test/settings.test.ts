/**
 * The settings screen's services through the real contract dispatch: only a
 * supervisor reads or changes settings, changes are validated (field named),
 * written to config.json and audited, the insurer's secret and the NHSA
 * passToken never reach the window nor the audit log and are on disk only
 * encrypted under the terminal's key (a clear one written by IT is sealed at
 * start), one protocol per
 * terminal (none, our own, the national interface), backups land in the chosen
 * folder, operators are added and disabled.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDeskApp, type DeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { testPlatform } from './test-platform.js';
import { loadConfig } from '../electron/node/config.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { terminalConfig, type SettingsInput, type SettingsView } from '../shared/settings.js';

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
      protocol: 'none',
      insurer: null,
      nhsa: null,
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
      protocol: 'desk',
      nhsa: null,
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

    // On disk the secret is sealed under the terminal's key: no clear copy anywhere in the file.
    const text = readFileSync(join(dataDir, 'config.json'), 'utf8');
    expect(text).not.toContain('terminal-secret');
    const file = JSON.parse(text);
    expect(file.insurer.secret).toEqual({ enc: expect.stringMatching(/^v1:/) });
    expect(file.terminal.code).toBe('T07');
    const keys = new FileKeyProvider(join(dataDir, 'key'));
    expect(loadConfig(dataDir, keys).insurer?.secret).toBe('terminal-secret-0123456789');
    // Another terminal's key cannot open it (the error says to enter it again).
    const other = mkdtempSync(join(tmpdir(), 'desk-settings-other-'));
    writeFileSync(join(other, 'config.json'), text);
    expect(() => loadConfig(other, new FileKeyProvider(join(other, 'key')))).toThrow(
      /insurer\.secret: .*enter it again/,
    );

    // An empty secret keeps the stored one.
    value(await call('settings.save', { ...input, insurer: { ...input.insurer, secret: '' } }));
    expect(readFileSync(join(dataDir, 'config.json'), 'utf8')).not.toContain('terminal-secret');
    expect(loadConfig(dataDir, keys).insurer?.secret).toBe('terminal-secret-0123456789');

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
      protocol: 'none',
      insurer: null,
      nhsa: null,
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
        protocol: 'desk',
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
          protocol: 'desk',
          insurer: { url: 'https://ybj.example.cn/', secret: '', pinned_keys_spki_base64: [KEY], interval_seconds: 60 },
          nhsa: null,
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

describe('settings: the national interface (NHSA)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'desk-settings-nhsa-'));
  const nhsaApp: DeskApp = openDeskApp({ dataDir: dir, platform: testPlatform(dir) });
  afterAll(() => nhsaApp.close());
  const save = (input: unknown) => dispatch(nhsaApp.handlers, 'settings.save', input, sup, () => undefined);
  const get = () => dispatch(nhsaApp.handlers, 'settings.get', {}, sup, () => undefined);
  const keys = new FileKeyProvider(join(dir, 'key'));
  /** config.json as the app reads it (secrets decrypted), after checking the file holds no secret in the clear. */
  const file = () => {
    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    for (const secret of [TOKEN, TOKEN2, DESK.secret]) expect(text).not.toContain(secret);
    return loadConfig(dir, keys) as unknown as Record<string, unknown>;
  };
  const auditText = () =>
    (nhsaApp.service.db.prepare('SELECT detail FROM audit_log ORDER BY id').pluck().all() as string[]).join('\n');

  const TOKEN = 'nhsa-pass-token-FIRST-0001';
  const TOKEN2 = 'nhsa-pass-token-SECOND-0002';
  const NHSA = {
    gateway_url: 'https://hsa.example.cn/fsi/api/rsfComIfsService/callService',
    base_url: null,
    paths: {},
    paasid: 'paas-511702',
    pass_token: TOKEN,
    fixmedins_code: 'H51170200001',
    fixmedins_name: '达州市中心医院',
    mdtrtarea_admvs: '511702',
    infver: 'V1.0',
    recer_sys_code: 'YBXT',
    dev_no: '',
    terminal_slot: 3,
    batch_size: 50,
    interval_seconds: 60,
  };
  const DESK = {
    url: 'https://ybj.example.cn/desk',
    secret: 'terminal-secret-0123456789',
    pinned_keys_spki_base64: [KEY],
    interval_seconds: 60,
  };
  const base = {
    terminal: { code: 'T03', hospital_code: 'H51170200001', hospital_name: '达州市中心医院' },
    lock_after_minutes: 15,
    printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
    backup_folder: '',
  } as const;
  const asNhsa = (nhsa: Partial<typeof NHSA> | Record<string, unknown> = {}): SettingsInput =>
    ({ ...base, protocol: 'nhsa', insurer: null, nhsa: { ...NHSA, ...nhsa } }) as SettingsInput;
  /** No answer to the window carries a passToken or the insurer's secret. */
  const noSecret = (answer: unknown) => {
    const json = JSON.stringify(answer);
    for (const secret of [TOKEN, TOKEN2, DESK.secret]) expect(json).not.toContain(secret);
    return answer;
  };
  const valueOf = (r: unknown) => value<SettingsView>(noSecret(r) as { ok: boolean; value?: unknown });

  it('a new NHSA connection needs its passToken; saved, the view and the audit never hold it', async () => {
    value(await dispatch(nhsaApp.handlers, 'auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, sup));
    const before = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(await save(asNhsa({ pass_token: '' }))).toMatchObject({
      ok: false,
      error: { field: 'nhsa.pass_token', message: '首次配置国家医保接口须填写网关密钥 passToken' },
    });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(before);

    const view = valueOf(await save(asNhsa()));
    expect(view).toMatchObject({ protocol: 'nhsa', insurer: null, restart_pending: true });
    const { pass_token: _token, ...shown } = NHSA;
    expect(view.nhsa).toEqual({
      ...shown,
      has_pass_token: true,
      phrases: {
        sign_no_invalid: ['签到编号无效'],
        original_not_found: ['原交易不存在', '原交易已冲正'],
        already_undone: ['出院已撤销', '入院已撤销'],
        line_not_found: ['不存在'],
      },
    });
    expect(view.nhsa).not.toHaveProperty('pass_token');
    expect(terminalConfig.safeParse(file()).success).toBe(true);
    expect(file()['nhsa']).toMatchObject({ gateway_url: NHSA.gateway_url, pass_token: TOKEN, terminal_slot: 3 });
    expect(file()['nhsa']).not.toHaveProperty('base_url');
    valueOf(await get());

    // An empty passToken keeps the stored one; a new one replaces it; neither reaches the window.
    valueOf(await save(asNhsa({ pass_token: '', paasid: 'paas-other', terminal_slot: 4 })));
    expect(file()['nhsa']).toMatchObject({ pass_token: TOKEN, paasid: 'paas-other', terminal_slot: 4 });
    valueOf(await save(asNhsa({ pass_token: TOKEN2 })));
    expect(file()['nhsa']).toMatchObject({ pass_token: TOKEN2 });
    valueOf(await get());

    const audit = auditText();
    expect(audit).toContain('"protocol":"nhsa"');
    expect(audit).toContain('"nhsa_pass_token":"replaced"');
    expect(audit).not.toContain(TOKEN);
    expect(audit).not.toContain(TOKEN2);
    expect(audit).not.toContain('pass-token');
  });

  it('the base URL with one path per transaction; the phrases stay as IT set them', async () => {
    const view = valueOf(
      await save(
        asNhsa({
          pass_token: '',
          gateway_url: null,
          base_url: 'https://hsa.example.cn',
          paths: { '2304': '/fsi/api/hospSettService/settV2' },
        }),
      ),
    );
    expect(view.nhsa).toMatchObject({ gateway_url: null, base_url: 'https://hsa.example.cn', has_pass_token: true });
    const nhsa = file()['nhsa'] as Record<string, unknown>;
    expect(nhsa).toMatchObject({
      base_url: 'https://hsa.example.cn',
      paths: { '2304': '/fsi/api/hospSettService/settV2' },
    });
    expect(nhsa).not.toHaveProperty('gateway_url');
    expect(nhsa['pass_token']).toBe(TOKEN2);
    expect(terminalConfig.safeParse(file()).success).toBe(true);
  });

  it('refuses bad NHSA parameters with the field named as the screen names it, in both languages', async () => {
    const before = readFileSync(join(dir, 'config.json'), 'utf8');
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ terminal_slot: 10 }, 'nhsa.terminal_slot', '终端序号', 'terminal_slot'],
      [{ terminal_slot: Number.NaN }, 'nhsa.terminal_slot', '终端序号', 'terminal_slot'],
      [{ fixmedins_code: 'h5117' }, 'nhsa.fixmedins_code', '定点医药机构编号', 'fixmedins_code'],
      [{ mdtrtarea_admvs: '5117' }, 'nhsa.mdtrtarea_admvs', '就医地医保区划', 'mdtrtarea_admvs'],
      [{ gateway_url: 'not a url' }, 'nhsa.gateway_url', '网关地址须为完整网址', 'gateway URL'],
      [{ gateway_url: null }, 'nhsa.gateway_url', '网关地址', 'gateway URL'],
      [{ base_url: 'https://hsa.example.cn' }, 'nhsa.gateway_url', '基础地址', 'base URL'],
      [{ paasid: ' ' }, 'nhsa.paasid', 'paasid', 'paasid'],
      [{ pass_token: 'short' }, 'nhsa.pass_token', 'passToken', 'passToken'],
      [{ gateway_url: null, base_url: 'https://h.cn', paths: { '23': '/x' } }, 'nhsa.paths', '交易路径', 'paths'],
      [{ batch_size: 0 }, 'nhsa.batch_size', '每批明细条数', 'fee lines'],
    ];
    for (const [nhsa, field, zh, english] of cases) {
      const r = await save(asNhsa(nhsa));
      expect(r, field).toMatchObject({ ok: false, error: { code: 'invalid_field', field } });
      const error = (r as { error: { message: string; message_en: string } }).error;
      expect(error.message, field).toContain(zh);
      expect(error.message_en, field).toContain(english);
    }
    // The protocol chosen and the sections sent agree.
    expect(await save({ ...asNhsa(), nhsa: null })).toMatchObject({ ok: false, error: { field: 'nhsa' } });
    expect(await save({ ...asNhsa(), protocol: 'none' })).toMatchObject({ ok: false, error: { field: 'nhsa' } });
    expect(await save({ ...asNhsa(), insurer: DESK })).toMatchObject({ ok: false, error: { field: 'insurer' } });
    expect(await save({ ...asNhsa(), protocol: 'desk' })).toMatchObject({ ok: false, error: { field: 'insurer' } });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(before);
  });

  it('one protocol per terminal: choosing one drops the other and its secret', async () => {
    const desk = valueOf(await save({ ...base, protocol: 'desk', insurer: DESK, nhsa: null }));
    expect(desk).toMatchObject({ protocol: 'desk', nhsa: null, insurer: { has_secret: true } });
    expect(file()).not.toHaveProperty('nhsa');
    expect(file()['insurer']).toMatchObject({ secret: DESK.secret });
    expect(terminalConfig.safeParse(file()).success).toBe(true);

    // The passToken went with the NHSA section: a new NHSA connection needs one again.
    expect(await save(asNhsa({ pass_token: '' }))).toMatchObject({ ok: false, error: { field: 'nhsa.pass_token' } });
    const nhsa = valueOf(await save(asNhsa()));
    expect(nhsa).toMatchObject({ protocol: 'nhsa', insurer: null, nhsa: { has_pass_token: true } });
    expect(file()).not.toHaveProperty('insurer');
    expect(terminalConfig.safeParse(file()).success).toBe(true);

    const none = valueOf(await save({ ...base, protocol: 'none', insurer: null, nhsa: null }));
    expect(none).toMatchObject({ protocol: 'none', insurer: null, nhsa: null });
    expect(file()).not.toHaveProperty('insurer');
    expect(file()).not.toHaveProperty('nhsa');
    expect(auditText()).not.toContain('pass-token');
    expect(auditText()).not.toContain(DESK.secret);
  });
});

describe('settings: a secret IT writes into config.json in the clear', () => {
  it('is accepted and sealed at the next start; the window never sees it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-settings-clear-'));
    const TOKEN = 'nhsa-pass-token-WRITTEN-BY-IT';
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        terminal: { code: 'T05', hospital_code: 'H51170200001', hospital_name: '达州市中心医院' },
        nhsa: {
          gateway_url: 'https://hsa.example.cn/fsi/api/rsfComIfsService/callService',
          paasid: 'paas-511702',
          pass_token: TOKEN,
          fixmedins_code: 'H51170200001',
          fixmedins_name: '达州市中心医院',
          mdtrtarea_admvs: '511702',
          terminal_slot: 2,
        },
      }),
    );
    const started = openDeskApp({ dataDir: dir, platform: testPlatform(dir) });
    try {
      const text = readFileSync(join(dir, 'config.json'), 'utf8');
      expect(text).not.toContain(TOKEN);
      expect(JSON.parse(text).nhsa.pass_token).toEqual({ enc: expect.stringMatching(/^v1:/) });
      expect(loadConfig(dir, new FileKeyProvider(join(dir, 'key'))).nhsa?.pass_token).toBe(TOKEN);
      expect(terminalConfig.safeParse(loadConfig(dir, new FileKeyProvider(join(dir, 'key')))).success).toBe(true);
      const ctx = { clientId: 'sup' };
      const d = (name: string, payload: unknown) => dispatch(started.handlers, name, payload, ctx, () => undefined);
      value(await d('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }));
      const view = value<SettingsView>(await d('settings.get', {}));
      expect(view).toMatchObject({ protocol: 'nhsa', nhsa: { has_pass_token: true } });
      expect(JSON.stringify(view)).not.toContain(TOKEN);
    } finally {
      await started.close();
    }
  });
});
