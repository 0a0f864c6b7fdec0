/**
 * Electron main process. The window gets no Node: contextIsolation, sandbox,
 * no nodeIntegration, a strict CSP; the app is loaded from its own app://
 * protocol (packaged files only); navigation, new windows and permission
 * requests are denied; every IPC call is checked for its sender frame and
 * validated against the contract before it reaches a service.
 */
import { app, BrowserWindow, ipcMain, protocol, net, safeStorage, session, type IpcMainInvokeEvent } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dispatch } from './services/dispatch.js';
import { loadConfig, openDeskApp } from './app/desk-app.js';
import { mkdirSync } from 'node:fs';
import { SafeStorageKeyProvider } from './store/keys.js';
import { ElectronSlipPrinter } from './slips/electron-printer.js';
import { dailyBackup } from './store/backup.js';
import { systemClock } from './store/clock.js';
import { INVOKE_CHANNEL } from './ipc-channel.js';

const APP_ORIGIN = 'app://desk';
const rendererDir = join(__dirname, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false } }]);

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

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  protocol.handle('app', (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '') || 'index.html';
    const file = normalize(join(rendererDir, path));
    if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  // Per-machine data folder (settings, database, slips, backups).
  const dataDir = join(app.getPath('userData'), 'data');
  mkdirSync(dataDir, { recursive: true });
  const printerConfig = loadConfig(dataDir).printer;
  const desk = openDeskApp({
    dataDir,
    keys: new SafeStorageKeyProvider(safeStorage, join(dataDir, 'key.bin')),
    printer: new ElectronSlipPrinter((options) => new BrowserWindow(options), () => ({ deviceName: printerConfig.device_name, dpi: printerConfig.dpi, preview: printerConfig.preview })),
  });
  const backups = () => void dailyBackup(desk.service.db, join(dataDir, 'backups'), systemClock).catch((e: unknown) => console.error('daily backup failed', e));
  backups();
  setInterval(backups, 3_600_000).unref();
  ipcMain.handle(INVOKE_CHANNEL, (event, name: unknown, payload: unknown) => {
    if (!isOurFrame(event)) {
      return { ok: false, error: { code: 'unauthorized', field: '', message: '调用来源不可信', message_en: 'untrusted sender' } };
    }
    return dispatch(desk.handlers, typeof name === 'string' ? name : '', payload, { clientId: String(event.sender.id) });
  });
  await createWindow();
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => app.quit());
