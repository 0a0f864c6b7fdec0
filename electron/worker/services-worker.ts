/**
 * The services worker thread: opens the store, the engine, the slip service and
 * the sync client for one data folder and answers contract calls, so a long
 * search, a backup or a sync never blocks the thread that runs the window's
 * IPC (Electron main) or its HTTP (browser host). Started by services-client.ts,
 * which has validated every call against the contract before it comes here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeskError } from '../../shared/errors.js';
import { openDeskApp, type DeskApp } from './desk-app.js';
import { runValidated } from '../node/dispatch.js';
import type { FromWorker, ServicesWorkerData, ToWorker } from '../node/worker-messages.js';
import { parentPlatform } from './parent-platform.js';
import { syncRound } from './sync/headless.js';
import { unreadableDatabaseMessage } from './store/startup-diagnosis.js';
import { applyRestore, planRestore } from './store/restore.js';
import type { RestoreOutcome } from '../node/restore-args.js';

if (!parentPort) throw new Error('services-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as ServicesWorkerData;
const send = (message: FromWorker) => port.postMessage(message);
const platform = parentPlatform(port, data);

/** The startup failure message: the diagnosis of an unreadable store when it is one (never failing itself). */
function startupFailure(e: unknown): string {
  // A store behind its anchor, an anchor that does not verify: said in both languages, with what IT does.
  if (e instanceof DeskError && (e.body.code === 'database_behind_anchor' || e.body.code === 'anchor_invalid'))
    return `${e.body.message}\n${e.body.message_en}`;
  const message = e instanceof Error ? e.message : String(e);
  try {
    return unreadableDatabaseMessage(data.dataDir, platform.keys, e) ?? message;
  } catch (d) {
    return `${message}\n(diagnosis failed: ${d instanceof Error ? d.message : String(d)})`;
  }
}

if (data.syncRound) {
  // `DischargeDesk --sync`: one round with the key the parent read, then the parent ends the thread (electron/node/headless-sync.ts).
  void syncRound({ dataDir: data.dataDir, keyFile: 'key.bin', keys: platform.keys, ...data.syncRound })
    .catch((e: unknown) => ({ exit: 2 as const, message: e instanceof Error ? e.message : String(e) }))
    .then((outcome) => send({ type: 'sync-round', outcome }));
} else if (data.restore) {
  // `DischargeDesk --restore`: the same restore as `desk restore`, with the key the parent read from the keychain.
  send({ type: 'restore', outcome: restoreRound(data.restore) });
} else serve();

/** One restore, never throwing: refused (1) or failed (2) with the reason. No terminal to ask in: --yes decides. */
function restoreRound(r: { from: string; yes: boolean }): RestoreOutcome {
  try {
    const plan = planRestore({ dataDir: data.dataDir, from: r.from, yes: r.yes }, platform.keys);
    if ('exit' in plan) return plan;
    if (!r.yes)
      return {
        exit: 2,
        message: `${plan.summary}\n未作任何改动：加 --yes 执行恢复。 Nothing changed: add --yes to restore.`,
      };
    const done = applyRestore(plan, platform.keys);
    return { exit: done.exit, message: `${plan.summary}\n${done.message}` };
  } catch (e) {
    return { exit: 2, message: e instanceof Error ? e.message : String(e) };
  }
}

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
    // A database from a newer version, a broken config.json, a wrong key: the parent shows the reason. A store
    // file that cannot be read also gets why (damaged, or not this key) and the backup and command to restore it.
    send({ type: 'failed', message: startupFailure(e) });
    process.exit(1);
  }
  let backupTimer: NodeJS.Timeout | null = null;
  if (data.backups) {
    // A failure is also kept for the status bar and the settings screen (DeskApp.dailyBackup), not only logged.
    const backup = () => void app.dailyBackup().catch((e: unknown) => console.error('daily backup failed', e));
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
