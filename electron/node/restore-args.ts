/**
 * `restore` and `backups` as IT types them (cli/desk.ts: `npm run -s desk -- restore …` with the key file;
 * electron/main/main.ts: `DischargeDesk --restore …` with the keychain's key): their arguments, and the way the
 * Electron app runs a restore in the services worker (Electron main may not import the worker's code). What a
 * restore does is electron/worker/store/restore.ts.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ServicesWorkerData, WorkerKeys } from './worker-messages.js';

export const RESTORE_USAGE = 'usage: npm run -s desk -- restore --data DIR --from BACKUP [--yes]';
export const BACKUPS_USAGE = 'usage: npm run -s desk -- backups --data DIR';

/** What a restore is asked to do. */
export interface RestoreArgs {
  dataDir: string;
  from: string;
  /** Go ahead without asking (scripts; required when stdin is not a terminal). */
  yes: boolean;
}

function parseNamed(
  argv: readonly string[],
  valued: readonly string[],
  flags: readonly string[],
): { named: Record<string, string>; flags: Set<string> } | { error: string } {
  const named: Record<string, string> = {};
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (valued.includes(a)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { error: `${a}: a value is missing` };
      named[a] = value;
      i++;
    } else if (flags.includes(a)) set.add(a);
    else return { error: `${a}: unknown argument` };
  }
  return { named, flags: set };
}

export function parseRestoreArgs(argv: readonly string[]): RestoreArgs | { error: string } {
  const p = parseNamed(argv, ['--data', '--from'], ['--yes']);
  if ('error' in p) return p;
  const dataDir = p.named['--data'];
  const from = p.named['--from'];
  if (dataDir === undefined) return { error: '--data: the data folder is required' };
  if (from === undefined) return { error: '--from: the backup file to restore is required' };
  return { dataDir: resolve(dataDir), from: resolve(from), yes: p.flags.has('--yes') };
}

export function parseBackupsArgs(argv: readonly string[]): { dataDir: string } | { error: string } {
  const p = parseNamed(argv, ['--data'], []);
  if ('error' in p) return p;
  const dataDir = p.named['--data'];
  if (dataDir === undefined) return { error: '--data: the data folder is required' };
  return { dataDir: resolve(dataDir) };
}

/** A restore's or a listing's end: the exit status and what to print. */
export interface RestoreOutcome {
  exit: 0 | 1 | 2;
  message: string;
}

/** The Electron app's restore: the services worker at `entry` runs it with the master key the parent read (key.bin), and exits. */
export function restoreInWorker(entry: string | URL, args: RestoreArgs, keys: WorkerKeys): Promise<RestoreOutcome> {
  const data: ServicesWorkerData = {
    dataDir: args.dataDir,
    ...keys,
    listsPrinters: false,
    backups: false,
    restore: { from: args.from, yes: args.yes },
  };
  return new Promise((done) => {
    let outcome: RestoreOutcome | null = null;
    const worker = new Worker(entry, { workerData: data });
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'restore') {
        outcome = m.outcome;
        void worker.terminate();
      }
    });
    worker.on('error', (e) => (outcome ??= { exit: 2, message: e.message }));
    worker.on('exit', (code) =>
      done(outcome ?? { exit: 2, message: `the services worker exited with code ${code} before the restore ended` }),
    );
  });
}
