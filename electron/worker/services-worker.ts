/**
 * The services worker thread: opens the store, the engine, the slip service and
 * the sync client for one data folder and answers contract calls, so a long
 * search, a backup or a sync never blocks the thread that runs the window's
 * IPC (Electron main) or its HTTP (browser host). Started by services-client.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDeskApp, type DeskApp } from './desk-app.js';
import { dispatch } from '../node/dispatch.js';
import { DeskError } from '../../shared/errors.js';
import type { PrinterInfo } from '../../shared/settings.js';
import { dailyBackup } from './store/backup.js';
import { systemClock } from './store/clock.js';
import type { SlipPrinter, RenderedPdf } from '../node/printer.js';
import type { FromWorker, HostRequest, ServicesWorkerData, ToWorker } from '../node/worker-messages.js';

const port = parentPort;
if (!port) throw new Error('services-worker.ts runs only as a worker thread');
const data = workerData as ServicesWorkerData;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Requests to the parent (print, publish), answered by host-reply messages. */
let nextHostId = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function askParent(request: HostRequest): Promise<unknown> {
  const id = nextHostId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    send({ type: 'host', id, ...request });
  });
}

const parentPrinter: SlipPrinter = {
  async toPdf(html, layout) {
    const r = (await askParent({ op: 'print', html, layout }).catch((e: unknown) => {
      const why = e instanceof Error ? e.message : String(e);
      throw new DeskError(
        'print_failed',
        '',
        why.startsWith('打印失败') ? why : `打印失败：${why}`,
        `printing failed: ${why}`,
      );
    })) as { pdf: Uint8Array; widthMm: number; heightMm: number };
    return { pdf: Buffer.from(r.pdf), widthMm: r.widthMm, heightMm: r.heightMm } satisfies RenderedPdf;
  },
  close: async () => undefined,
};

let app: DeskApp;
try {
  const key = Buffer.from(data.masterKey);
  app = openDeskApp({
    dataDir: data.dataDir,
    keys: { masterKey: () => key },
    printer: parentPrinter,
    ...(data.publishes
      ? {
          publish: async (html: string, pdf: Buffer) =>
            (await askParent({ op: 'publish', html, pdf: new Uint8Array(pdf) })) as {
              html_url: string;
              pdf_url: string;
            },
        }
      : {}),
    ...(data.sync ? { sync: data.sync } : {}),
    dataFolderNote: data.dataFolderNote ?? null,
    ...(data.listsPrinters ? { listPrinters: async () => (await askParent({ op: 'printers' })) as PrinterInfo[] } : {}),
  });
} catch (e) {
  // A database from a newer version, a broken config.json, a wrong key: the parent shows the reason.
  send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}

let backupTimer: NodeJS.Timeout | null = null;
if (data.backups) {
  const backup = () =>
    void dailyBackup(app.service.db, app.backupFolder(), systemClock).catch((e: unknown) =>
      console.error('daily backup failed', e),
    );
  backup();
  backupTimer = setInterval(backup, 3_600_000);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'call':
      void dispatch(app.handlers, message.name, message.payload, { clientId: message.clientId }).then((result) =>
        send({ type: 'result', id: message.id, result }),
      );
      return;
    case 'host-reply': {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.ok) w?.resolve(message.value);
      else w?.reject(new Error(message.message));
      return;
    }
    case 'close':
      if (backupTimer) clearInterval(backupTimer);
      void app.close().finally(() => {
        send({ type: 'closed' });
        port.close();
      });
      return;
  }
});
send({ type: 'ready' });
