/**
 * The services worker thread: opens the store, the engine, the slip service and
 * the sync client for one data folder and answers contract calls, so a long
 * search, a backup or a sync never blocks the thread that runs the window's
 * IPC (Electron main) or its HTTP (browser host). Started by services-client.ts,
 * which has validated every call against the contract before it comes here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDeskApp, type DeskApp } from './desk-app.js';
import { runValidated } from '../node/dispatch.js';
import { dailyBackup } from './store/backup.js';
import { systemClock } from './store/clock.js';
import type { FromWorker, ServicesWorkerData, ToWorker } from '../node/worker-messages.js';
import { parentPlatform } from './parent-platform.js';
import { syncRound } from './sync/headless.js';

if (!parentPort) throw new Error('services-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as ServicesWorkerData;
const send = (message: FromWorker) => port.postMessage(message);
const platform = parentPlatform(port, data);

if (data.syncRound) {
  // `DischargeDesk --sync`: one round with the key the parent read, then the parent ends the thread (electron/node/headless-sync.ts).
  void syncRound({ dataDir: data.dataDir, keyFile: 'key.bin', keys: platform.keys, ...data.syncRound })
    .catch((e: unknown) => ({ exit: 2 as const, message: e instanceof Error ? e.message : String(e) }))
    .then((outcome) => send({ type: 'sync-round', outcome }));
} else serve();

function serve(): void {
  let app: DeskApp;
  try {
    app = openDeskApp({
      dataDir: data.dataDir,
      platform,
      ...(data.sync ? { sync: data.sync } : {}),
      dataFolderNote: data.dataFolderNote ?? null,
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
        void runValidated(app.handlers, message.name, message.payload, { clientId: message.clientId }).then((result) =>
          send({ type: 'result', id: message.id, result }),
        );
        return;
      case 'host-reply':
        platform.answer(message);
        return;
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
}
