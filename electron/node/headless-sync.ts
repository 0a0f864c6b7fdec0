/**
 * One headless sync round for IT and cron (README "Sync with the insurer"):
 * `npm run -s desk -- sync --data DIR` (cli/desk.ts, key file `key`) or, on a
 * packaged install, `DischargeDesk --sync [--data DIR]` (electron/main/main.ts,
 * key.bin through safeStorage, the round run in the services worker). What both
 * share: the arguments, the refusal of a folder that is not a terminal's, the
 * JSON summary and the exit status. The round itself: electron/worker/sync/headless.ts.
 *
 * Exit status: 0 = the round reached the insurer to the end and nothing is held
 * and nothing was rejected in this round; 1 = the round failed, something is
 * held, this round brought a rejection, or no insurer is configured; 2 = usage,
 * or the data folder cannot be opened (nothing was sent).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SyncWorkItem } from '../../shared/ipc/contract.js';
import type { FromWorker, ServicesWorkerData, WorkerKeys } from './worker-messages.js';

/** What the command prints on stdout: one JSON object. */
export interface SyncRoundSummary {
  /** desk: our own protocol (config.json `insurer`); nhsa: the national interface; none: neither configured. */
  protocol: 'desk' | 'nhsa' | 'none';
  ok: boolean;
  /** Why the round failed (the insurer unreachable, a refusal of the whole request, …); null when ok. */
  error: string | null;
  /** After the round: still to send (not held), and held apart until a supervisor releases them. */
  queued: number;
  held: number;
  /** This round: records sent, and the insurer's answers to them. */
  sent: number;
  accepted: number;
  adjusted: number;
  rejected: number;
  /** The sync screen's work list after the round: held rows, rejections, open adjustments (多退少补). */
  open_work: SyncWorkItem[];
  last_success_at: string | null;
}

export type SyncRoundOutcome = { exit: 0 | 1; summary: SyncRoundSummary } | { exit: 2; message: string };

export interface SyncArgs {
  dataDir: string;
  /** Per request to the insurer or gateway (both protocols' own timeout). */
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** 0 only when the round succeeded, nothing is held and this round brought no rejection. */
export function exitStatus(s: SyncRoundSummary): 0 | 1 {
  return s.ok && s.held === 0 && s.rejected === 0 ? 0 : 1;
}

/**
 * The arguments after `sync` (CLI) or `--sync` (app): `--data DIR` (the app may
 * default it to the machine's data folder) and `--timeout-ms N`.
 */
export function parseSyncArgs(argv: readonly string[], defaultDataDir?: string): SyncArgs | { error: string } {
  let dataDir = defaultDataDir;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = argv[i + 1];
    if (a === '--data' || a === '--timeout-ms') {
      if (value === undefined || value.startsWith('--')) return { error: `${a}: a value is missing` };
      i++;
      if (a === '--data') dataDir = value;
      else if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 600_000)
        return { error: `--timeout-ms: ${value} is not a whole number of milliseconds from 1 to 600000` };
      else timeoutMs = Number(value);
    } else return { error: `${a}: unknown argument` };
  }
  if (dataDir === undefined) return { error: '--data: the data folder is required' };
  return { dataDir, timeoutMs };
}

/**
 * Why `dataDir` is not a terminal's data folder, or null. Checked before any key
 * provider or loadConfig runs (both create what is missing): a round never makes
 * a new store, key or config.json in a wrong folder.
 */
export function dataFolderProblem(dataDir: string, keyFile: string): string | null {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) return `--data: no folder ${dataDir}`;
  for (const [file, what] of [
    ['desk.sqlite', 'the database'],
    ['config.json', 'the settings'],
    [keyFile, "the store's key"],
  ] as const) {
    if (!existsSync(isAbsolute(file) ? file : join(dataDir, file)))
      return `--data: ${dataDir} is not a terminal's data folder (no ${file}, ${what})`;
  }
  return null;
}

/**
 * The app's way (Electron main may not import the worker's code): the services
 * worker at `entry` runs the round with the master key the parent read, and exits.
 */
export function syncRoundInWorker(
  entry: string | URL,
  args: SyncArgs,
  keys: WorkerKeys,
  dataFolderNote: string | null = null,
): Promise<SyncRoundOutcome> {
  const data: ServicesWorkerData = {
    dataDir: args.dataDir,
    ...keys,
    listsPrinters: false,
    backups: false,
    dataFolderNote,
    syncRound: { timeoutMs: args.timeoutMs },
  };
  return new Promise((resolve) => {
    let outcome: SyncRoundOutcome | null = null;
    const worker = new Worker(entry, { workerData: data });
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'sync-round') {
        outcome = m.outcome;
        void worker.terminate();
      } else if (m.type === 'failed') outcome = { exit: 2, message: m.message };
    });
    worker.on('error', (e) => (outcome ??= { exit: 2, message: e.message }));
    worker.on('exit', (code) =>
      resolve(outcome ?? { exit: 2, message: `the services worker exited with code ${code} before the round ended` }),
    );
  });
}
