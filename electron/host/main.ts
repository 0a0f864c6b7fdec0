/**
 * Starts the browser host: `npm start` where Electron cannot run, and `npm run host`.
 * Data folder: $DESK_DATA, or ./desk-data. Slips are rendered to PDF by Debian's Chromium.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDeskApp } from '../app/desk-app.js';
import { FileKeyProvider } from '../store/keys.js';
import { ChromiumSlipPrinter } from '../slips/chromium-printer.js';
import { startHost, type RunningHost } from './server.js';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const dataDir = resolve(process.env['DESK_DATA'] ?? 'desk-data');
const port = process.env['DESK_PORT'] ? Number(process.env['DESK_PORT']) : 0;

let host: RunningHost | null = null;
const app = openDeskApp({
  dataDir,
  keys: new FileKeyProvider(join(dataDir, 'key')),
  printer: new ChromiumSlipPrinter(),
  publish: (html, pdf) => host?.publish(html, pdf) ?? null,
});
host = await startHost({ staticDir, handlers: app.handlers, port });
process.stdout.write(`Discharge Desk (browser host) on 127.0.0.1 only, data in ${dataDir}. Open:\n  ${host.url}\n`);
const stop = () =>
  void host!
    .close()
    .then(() => app.close())
    .then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
