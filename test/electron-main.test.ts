/**
 * The Electron shell's security settings, with the electron module replaced by
 * a test double (the binary is not available here): contextIsolation, sandbox,
 * no nodeIntegration, navigation / new windows / permissions / webviews denied,
 * IPC only from our own frame and only through the contract; the renderer's
 * CSP; the packaged app's fuses; Linux's fixed-password keychain fallback
 * (basic_text) refused before any data is opened.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';

const userData = mkdtempSync(join(tmpdir(), 'desk-electron-'));
// The machine's data folder would be /var/lib/discharge-desk here: the test names its own.
process.env['DESK_DATA'] = join(userData, 'data');
const captured = vi.hoisted(() => ({
  windows: [] as {
    options: any;
    handlers: Record<string, (...a: any[]) => void>;
    openHandler?: () => unknown;
    loaded?: string;
  }[],
  ipc: new Map<string, (...a: any[]) => unknown>(),
  permission: undefined as undefined | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
  appEvents: new Map<string, (...a: any[]) => void>(),
  schemes: [] as unknown[],
  ready: undefined as undefined | Promise<void>,
  exits: [] as number[],
  errors: [] as string[],
  /** What the double's safeStorage.getSelectedStorageBackend() answers (Linux). */
  backend: 'gnome_libsecret',
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    webContents: any;
    constructor(options: any) {
      const entry: (typeof captured.windows)[number] = { options, handlers: {} };
      captured.windows.push(entry);
      BrowserWindow.all.push(this);
      this.webContents = {
        getPrintersAsync: () =>
          Promise.resolve([
            { name: 'EPSON_TM_T82', displayName: 'EPSON TM-T82 收费窗口', description: '', options: {} },
          ]),
        setWindowOpenHandler: (h: () => unknown) => (entry.openHandler = h),
        on: (name: string, h: (...a: any[]) => void) => (entry.handlers[name] = h),
      };
      (this as any).loadURL = (url: string) => {
        entry.loaded = url;
        return Promise.resolve();
      };
    }
  }
  let resolveReady!: () => void;
  captured.ready = new Promise<void>((r) => (resolveReady = r));
  return {
    app: {
      whenReady: () => Promise.resolve().then(() => setTimeout(resolveReady, 50)),
      getPath: () => userData,
      on: (name: string, h: (...a: any[]) => void) => captured.appEvents.set(name, h),
      quit: () => undefined,
      exit: (code: number) => captured.exits.push(code),
    },
    dialog: { showErrorBox: (title: string, body: string) => captured.errors.push(`${title}: ${body}`) },
    BrowserWindow,
    ipcMain: { handle: (name: string, h: (...a: any[]) => unknown) => captured.ipc.set(name, h) },
    protocol: { registerSchemesAsPrivileged: (s: unknown[]) => captured.schemes.push(...s), handle: () => undefined },
    net: { fetch: () => Promise.resolve(new Response('')) },
    session: { defaultSession: { setPermissionRequestHandler: (h: any) => (captured.permission = h) } },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => captured.backend,
      encryptString: (s: string) => Buffer.from(`enc:${s}`),
      decryptString: (b: Buffer) => b.toString().slice(4),
    },
    contextBridge: { exposeInMainWorld: () => undefined },
    ipcRenderer: { invoke: () => undefined },
  };
});

describe('Electron main process', () => {
  it('creates a locked-down window and guards IPC', async () => {
    await import('../electron/main/main.js');
    await captured.ready;
    await expect.poll(() => captured.windows.length).toBe(1);
    const win = captured.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(win.options.webPreferences.preload).toMatch(/preload\.cjs$/);
    expect(win.loaded).toBe('app://desk/index.html');
    expect(win.openHandler?.()).toEqual({ action: 'deny' });
    const nav = { preventDefault: vi.fn() };
    win.handlers['will-navigate']!(nav);
    expect(nav.preventDefault).toHaveBeenCalled();

    const allowed = await new Promise<boolean>((resolve) => captured.permission!({}, 'media', resolve));
    expect(allowed).toBe(false);

    const webview = { preventDefault: vi.fn() };
    const contentsHandlers: Record<string, (e: unknown) => void> = {};
    captured.appEvents.get('web-contents-created')!(
      {},
      { on: (n: string, h: (e: unknown) => void) => (contentsHandlers[n] = h) },
    );
    contentsHandlers['will-attach-webview']!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    const invoke = captured.ipc.get('desk:invoke')!;
    const foreign = await invoke(
      { senderFrame: { url: 'https://evil.example/' }, sender: { id: 1 } },
      'app.status',
      {},
    );
    expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const ours = await invoke({ senderFrame: { url: 'app://desk/index.html' }, sender: { id: 1 } }, 'app.status', {});
    expect(ours).toMatchObject({ ok: true, value: { needs_first_operator: true } });
    const unknown = await invoke(
      { senderFrame: { url: 'app://desk/index.html' }, sender: { id: 1 } },
      'fs.readFile',
      {},
    );
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    const badPayload = await invoke(
      { senderFrame: { url: 'app://desk/index.html' }, sender: { id: 1 } },
      'auth.login',
      { code: 'x' },
    );
    expect(badPayload).toMatchObject({ ok: false, error: { code: 'missing_field', field: 'pin' } });
    // Through the worker and back to main for the OS's printers (the settings screen's list).
    const window1 = { senderFrame: { url: 'app://desk/index.html' }, sender: { id: 1 } };
    expect(await invoke(window1, 'auth.setup', { code: 'sup1', name: '王主管', pin: '246810' })).toMatchObject({
      ok: true,
    });
    expect(await invoke(window1, 'printers.list', {})).toEqual({
      ok: true,
      value: { available: true, printers: [{ name: 'EPSON_TM_T82', display_name: 'EPSON TM-T82 收费窗口' }] },
    });
    // The key is kept only encrypted by the OS keychain.
    expect(readFileSync(join(userData, 'data', 'key.bin'), 'utf8').startsWith('enc:')).toBe(true);
    expect(captured.errors).toEqual([]);

    // Quitting closes the services worker (its database) before the app exits.
    const quit = { preventDefault: vi.fn() };
    captured.appEvents.get('will-quit')!(quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    await expect.poll(() => captured.exits).toEqual([0]);
  });

  it('`DischargeDesk --sync` runs one headless round with the safeStorage key, prints the summary and exits', async () => {
    // The data folder the first test opened: key.bin (safeStorage), desk.sqlite, a config.json with no insurer.
    const data = join(userData, 'data');
    const hostFolder = mkdtempSync(join(tmpdir(), 'desk-host-')); // a browser host's folder: key, not key.bin
    for (const f of ['desk.sqlite', 'config.json', 'key']) writeFileSync(join(hostFolder, f), '');
    const argv = process.argv;
    const out: string[] = [];
    const capture = (chunk: unknown, ...rest: unknown[]) => {
      out.push(String(chunk));
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    };
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture as any);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture as any);
    const run = async (args: string[]) => {
      out.length = 0;
      captured.exits.length = 0;
      process.argv = [argv[0]!, 'DischargeDesk', ...args];
      vi.resetModules();
      await import('../electron/main/main.js');
      await expect.poll(() => captured.exits, { timeout: 30_000 }).toHaveLength(1);
      return { exit: captured.exits[0], text: out.join('') };
    };
    try {
      const none = await run(['--sync', '--data', data, '--timeout-ms', '3000']);
      expect(none.exit).toBe(1);
      expect(JSON.parse(none.text)).toMatchObject({ protocol: 'none', ok: false, queued: 0, held: 0, open_work: [] });
      // Without --data: the machine's data folder ($DESK_DATA here), the same one.
      expect(JSON.parse((await run(['--sync'])).text)).toMatchObject({ protocol: 'none' });
      const missing = await run(['--sync', '--data', join(userData, 'nowhere')]);
      expect(missing).toEqual({
        exit: 2,
        text: `DischargeDesk --sync: --data: no folder ${join(userData, 'nowhere')}\n`,
      });
      const host = await run(['--sync', '--data', hostFolder]);
      expect(host.exit).toBe(2);
      expect(host.text).toMatch(/no key\.bin/);
      expect((await run(['--sync', '--bogus'])).exit).toBe(2);
      expect(captured.windows).toHaveLength(1); // no window was opened for a round
    } finally {
      process.argv = argv;
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it.runIf(process.platform === 'linux')(
    'refuses to start on Linux without a secret service (basic_text), saying why, before any data is opened',
    async () => {
      const fresh = join(userData, 'basic-text-data');
      const windows = captured.windows.length;
      const argv = process.argv;
      process.env['DESK_DATA'] = fresh;
      captured.backend = 'basic_text';
      captured.exits.length = 0;
      captured.errors.length = 0;
      const quiet = ((_chunk: unknown, ...rest: unknown[]) => {
        (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
        return true;
      }) as any;
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(quiet);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(quiet);
      try {
        process.argv = [argv[0]!, 'DischargeDesk'];
        vi.resetModules();
        await import('../electron/main/main.js');
        await expect.poll(() => captured.exits, { timeout: 30_000 }).toEqual([1]);
        expect(captured.errors).toHaveLength(1);
        expect(captured.errors[0]).toMatch(/Discharge Desk cannot start/);
        expect(captured.errors[0]).toMatch(/basic_text/);
        expect(captured.errors[0]).toMatch(/gnome-keyring/);
        expect(captured.errors[0]).toMatch(/KWallet/);
        expect(captured.errors[0]).toMatch(/密钥服务/);
        expect(captured.windows).toHaveLength(windows);
        expect(existsSync(fresh)).toBe(false); // no data folder, key, database or config made

        // The headless round refuses too (exit 2, the reason on stderr), and makes no key.bin.
        const data = join(userData, 'data');
        const keyBefore = readFileSync(join(data, 'key.bin'));
        captured.exits.length = 0;
        process.argv = [argv[0]!, 'DischargeDesk', '--sync', '--data', data];
        vi.resetModules();
        await import('../electron/main/main.js');
        await expect.poll(() => captured.exits, { timeout: 30_000 }).toEqual([2]);
        expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/basic_text/);
        expect(readFileSync(join(data, 'key.bin')).equals(keyBefore)).toBe(true);

        // A real secret service is accepted (the first test ran with gnome_libsecret).
        captured.backend = 'kwallet6';
        captured.exits.length = 0;
        stderr.mockClear();
        process.argv = [argv[0]!, 'DischargeDesk', '--sync', '--data', data, '--timeout-ms', '3000'];
        vi.resetModules();
        await import('../electron/main/main.js');
        await expect.poll(() => captured.exits, { timeout: 30_000 }).toEqual([1]); // ran: no insurer configured
      } finally {
        process.argv = argv;
        process.env['DESK_DATA'] = join(userData, 'data');
        captured.backend = 'gnome_libsecret';
        stderr.mockRestore();
        stdout.mockRestore();
      }
    },
  );

  it('the renderer ships a strict CSP with no inline script, no eval, no remote content', () => {
    const html = readFileSync(fileURLToPath(new URL('../renderer/index.html', import.meta.url)), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('the packaged app flips the security fuses and unpacks better-sqlite3-multiple-ciphers', () => {
    const config = parse(readFileSync(fileURLToPath(new URL('../electron-builder.yml', import.meta.url)), 'utf8'));
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3-multiple-ciphers/**');
    expect(config.win.target).toBe('nsis');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    // Icons: one PNG of at least 256 px (electron-builder makes the .ico from it); the installers create the per-machine data folder.
    const icon = readFileSync(fileURLToPath(new URL(`../${config.icon}`, import.meta.url)));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(256);
    expect(readFileSync(fileURLToPath(new URL(`../${config.nsis.include}`, import.meta.url)), 'utf8')).toContain(
      'DischargeDesk',
    );
    expect(readFileSync(fileURLToPath(new URL(`../${config.deb.afterInstall}`, import.meta.url)), 'utf8')).toContain(
      '/var/lib/discharge-desk',
    );
  });
});
