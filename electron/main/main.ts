/**
 * Electron main process. The window gets no Node: contextIsolation, sandbox,
 * no nodeIntegration, a strict CSP; the app is loaded from its own app://
 * protocol (packaged files only); navigation, new windows and permission
 * requests are denied; every IPC call is checked for its sender frame and
 * validated against the contract before it reaches a service.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, net, session, type IpcMainInvokeEvent } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { electronPlatform } from './platform.js';
import { startServices } from '../node/services-client.js';
import { resolveDataFolder } from './data-folder.js';
import { INVOKE_CHANNEL } from '../../shared/ipc/channel.js';

const APP_ORIGIN = 'app://desk';
const rendererDir = join(__dirname, '..', 'renderer');

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

app.whenReady().then(async () => {
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
  // Bundled: out/electron/services-worker.cjs; from source: the tsx loader beside it.
  const bundled = join(__dirname, 'services-worker.cjs');
  const open = async () =>
    startServices({
      entry: existsSync(bundled) ? bundled : join(__dirname, '..', 'host', 'services-worker-dev.mjs'),
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
