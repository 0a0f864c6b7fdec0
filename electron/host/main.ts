/**
 * Starts the browser host: `npm start` where Electron cannot run, and `npm run host`,
 * both from the bundle out/host/main.mjs (tools/app-build.mjs); `tsx electron/host/main.ts` still runs it from source.
 * Data folder: $DESK_DATA, or ./desk-data. The services run in a worker thread;
 * this thread serves HTTP and renders slips to PDF with Debian's Chromium.
 */
import { resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostPlatform } from './platform.js';
import { startServices } from '../node/services-client.js';
import { DEV_WORKER_ENTRY } from './dev-worker-entry.js';
import { startHost, type RunningHost } from './server.js';
import { missingForPrinting, missingMessage } from './system-check.js';

// From source (electron/host/main.ts) and bundled (out/host/main.mjs, tools/app-build.mjs) alike: <repo>/out/renderer.
const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
/** Bundled, the worker is the bundle beside this one; from source, it runs through tsx. */
const bundledWorker = new URL('./services-worker.cjs', import.meta.url);
const workerEntry = existsSync(fileURLToPath(bundledWorker)) ? bundledWorker : DEV_WORKER_ENTRY;
const dataDir = resolve(process.env['DESK_DATA'] ?? 'desk-data');
/**
 * A steady port by default, so the page's origin (and with it the language the
 * cashier chose, kept in localStorage) survives a restart; another one if it is taken.
 */
const DEFAULT_PORT = 47613;
const port = process.env['DESK_PORT'] ? Number(process.env['DESK_PORT']) : DEFAULT_PORT;
mkdirSync(dataDir, { recursive: true });

let host: RunningHost | null = null;
// The worker starts first: the check for what printing needs runs while it opens the store.
const starting = startServices({
  entry: workerEntry,
  dataDir,
  platform: hostPlatform(dataDir, (html, pdf) => {
    if (!host) throw new Error('the host is not serving yet');
    return host.publish(html, pdf);
  }),
  backups: true,
}).catch((e: unknown) => {
  process.stderr.write(
    `Discharge Desk cannot open its data folder ${dataDir}: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});
const missing = missingForPrinting(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium');
if (missing.length > 0) process.stderr.write(missingMessage(missing));
const services = await starting;
host = await startHost({ staticDir, invoke: services.call, port }).catch((e: unknown) => {
  if ((e as { code?: string }).code !== 'EADDRINUSE' || process.env['DESK_PORT']) throw e;
  process.stdout.write(`Port ${DEFAULT_PORT} is taken; using another one.\n`);
  return startHost({ staticDir, invoke: services.call, port: 0 });
});
process.stdout.write(`Discharge Desk (browser host) on 127.0.0.1 only, data in ${dataDir}. Open:\n  ${host.url}\n`);
const stop = () =>
  void host!
    .close()
    .then(() => services.close())
    .then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
