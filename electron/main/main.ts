/**
 * Electron main process. The window gets no Node: contextIsolation, sandbox,
 * no nodeIntegration, a strict CSP; the app is loaded from its own app://
 * protocol (packaged files only); navigation, new windows and permission
 * requests are denied; every IPC call is checked for its sender frame and
 * validated against the contract before it reaches a service.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  net,
  safeStorage,
  session,
  type IpcMainInvokeEvent,
} from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { electronPlatform } from './platform.js';
import { startServices } from '../node/services-client.js';
import { resolveDataFolder } from './data-folder.js';
import { dataFolderProblem, parseSyncArgs, syncRoundInWorker } from '../node/headless-sync.js';
import { SafeStorageKeyProvider, anchorFolderIn, keychainProblem } from './safe-storage-keys.js';
import { RESTORE_USAGE, parseRestoreArgs, restoreInWorker } from '../node/restore-args.js';
import { INVOKE_CHANNEL } from '../../shared/ipc/channel.js';

const APP_ORIGIN = 'app://desk';
const rendererDir = join(__dirname, '..', 'renderer');
// The services worker. Bundled: out/electron/services-worker.cjs; from source: the tsx loader beside it.
const bundledWorker = join(__dirname, 'services-worker.cjs');
const workerEntry = () =>
  existsSync(bundledWorker) ? bundledWorker : join(__dirname, '..', 'host', 'services-worker-dev.mjs');
/** `DischargeDesk --sync [--data DIR] [--timeout-ms N]`: one headless sync round, no window (electron/node/headless-sync.ts). */
const syncFlag = process.argv.indexOf('--sync');
/** `DischargeDesk --restore --data DIR --from BACKUP [--yes]`: IT's restore of a backup, no window (electron/node/restore-args.ts). */
const restoreFlag = process.argv.indexOf('--restore');

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false } },
]);

function isOurFrame(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith(`${APP_ORIGIN}/`);
}

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: '出院结算 Discharge Desk',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

/** The headless round with the key safeStorage protects (key.bin): JSON on stdout, the exit status of cli/desk.ts. */
async function syncRound(argv: string[]): Promise<number> {
  const machine = argv.includes('--data')
    ? undefined
    : resolveDataFolder({ env: process.env, platform: process.platform, userData: app.getPath('userData') }).path;
  const args = parseSyncArgs(argv, machine);
  const problem = 'error' in args ? args.error : dataFolderProblem(args.dataDir, 'key.bin');
  if ('error' in args || problem) {
    process.stderr.write(`DischargeDesk --sync: ${problem}\n`);
    return 2;
  }
  let key: Buffer;
  const anchorFolder = anchorFolderIn(app.getPath('userData'));
  try {
    key = new SafeStorageKeyProvider(safeStorage, join(args.dataDir, 'key.bin')).masterKey();
  } catch (e) {
    process.stderr.write(`DischargeDesk --sync: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const outcome = await syncRoundInWorker(workerEntry(), args, { masterKey: new Uint8Array(key), anchorFolder });
  // Written before app.exit(): a pipe may be asynchronous (Windows).
  await new Promise<void>((written) =>
    outcome.exit === 2
      ? process.stderr.write(`DischargeDesk --sync: ${outcome.message}\n`, () => written())
      : process.stdout.write(`${JSON.stringify(outcome.summary, null, 2)}\n`, () => written()),
  );
  return outcome.exit;
}

/**
 * The restore of `desk restore` with the key safeStorage protects (key.bin), run in the services worker: the
 * backup verified, the current database set aside, the restore recorded. The exit status of `desk restore`.
 */
async function restoreRound(argv: string[]): Promise<number> {
  const args = parseRestoreArgs(argv);
  const keyBin = 'error' in args ? '' : join(args.dataDir, 'key.bin');
  // The key provider would make a new key where none is: a wrong folder must not get one.
  const problem = 'error' in args ? args.error : existsSync(keyBin) ? null : `no key.bin in ${args.dataDir}`;
  if ('error' in args || problem) {
    process.stderr.write(
      `DischargeDesk --restore: ${problem}\n${RESTORE_USAGE.replace('npm run -s desk --', 'DischargeDesk --')}\n`,
    );
    return 2;
  }
  let key: Buffer;
  const anchorFolder = anchorFolderIn(app.getPath('userData'));
  try {
    key = new SafeStorageKeyProvider(safeStorage, keyBin).masterKey();
  } catch (e) {
    process.stderr.write(`DischargeDesk --restore: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const outcome = await restoreInWorker(workerEntry(), args, { masterKey: new Uint8Array(key), anchorFolder });
  // Written before app.exit(): a pipe may be asynchronous (Windows).
  await new Promise<void>((written) =>
    (outcome.exit === 0 ? process.stdout : process.stderr).write(`${outcome.message}\n`, () => written()),
  );
  return outcome.exit;
}

app.whenReady().then(async () => {
  if (syncFlag >= 0) {
    app.exit(await syncRound(process.argv.slice(syncFlag + 1)));
    return;
  }
  if (restoreFlag >= 0) {
    app.exit(await restoreRound(process.argv.slice(restoreFlag + 1)));
    return;
  }
  // No keychain, or Linux's fixed-password fallback (basic_text): refused before any data is opened (README).
  const keychain = keychainProblem(safeStorage, process.platform);
  if (keychain) {
    dialog.showErrorBox('出院结算无法启动 Discharge Desk cannot start', keychain);
    app.exit(1);
    return;
  }
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  protocol.handle('app', (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '') || 'index.html';
    const file = normalize(join(rendererDir, path));
    if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  // The machine's data folder (settings, database, slips, backups): see data-folder.ts.
  const folder = resolveDataFolder({ env: process.env, platform: process.platform, userData: app.getPath('userData') });
  if (folder.fallback) console.warn(folder.fallback);
  const dataDir = folder.path;
  // The store, engine, sync and backups run in a worker thread: a long search or a
  // sync never blocks this thread, which serves the window's IPC and prints.
  const open = async () =>
    startServices({
      entry: workerEntry(),
      dataDir,
      platform: electronPlatform(dataDir),
      backups: true,
      dataFolderNote: folder.fallback,
    });
  // A keychain that is not available, a database from a newer version, a broken config.json: said, not crashed.
  const services = await open().catch((e: unknown) => {
    dialog.showErrorBox(
      '出院结算无法启动 Discharge Desk cannot start',
      `数据目录 ${dataDir}\n${e instanceof Error ? e.message : String(e)}`,
    );
    app.exit(1);
    return null;
  });
  if (!services) return;
  app.on('will-quit', (event) => {
    event.preventDefault();
    void services.close().finally(() => app.exit(0));
  });
  ipcMain.handle(INVOKE_CHANNEL, (event, name: unknown, payload: unknown) => {
    if (!isOurFrame(event)) {
      return {
        ok: false,
        error: { code: 'unauthorized', field: '', message: '调用来源不可信', message_en: 'untrusted sender' },
      };
    }
    return services.call(typeof name === 'string' ? name : '', payload, { clientId: String(event.sender.id) });
  });
  await createWindow();
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => app.quit());
