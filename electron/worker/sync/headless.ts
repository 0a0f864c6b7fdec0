/**
 * One headless sync round over a terminal's data folder (IT and cron: the
 * arguments, the summary and the exit status are electron/node/headless-sync.ts).
 * The store is opened as the app opens it (config.json, desk.sqlite, the
 * caller's key provider), the agent is the one the app would run
 * (syncAgentFor), it runs once with a rule check, and the folder is closed.
 * No timer, no backup, no window.
 */
import { join } from 'node:path';
import { loadConfig, type TerminalConfig } from '../../node/config.js';
import {
  dataFolderProblem,
  exitStatus,
  type SyncArgs,
  type SyncRoundOutcome,
  type SyncRoundSummary,
} from '../../node/headless-sync.js';
import type { KeyProvider } from '../../node/keys.js';
import { syncAgentFor } from '../desk-app.js';
import { DeskService } from '../services/desk-service.js';
import { closeDatabase, openDatabase, type Db } from '../store/db.js';
import { readState } from './state.js';

export interface SyncRoundOptions extends SyncArgs {
  /** Where the caller's key provider keeps the key: checked to exist before it is asked. */
  /** A name in the data folder ('key', 'key.bin') or an absolute path ($DESK_KEY_FILE). */
  keyFile: string;
  keys: KeyProvider;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function syncRound(options: SyncRoundOptions): Promise<SyncRoundOutcome> {
  const { dataDir } = options;
  const problem = dataFolderProblem(dataDir, options.keyFile);
  if (problem) return { exit: 2, message: problem };
  let db: Db | null = null;
  let service: DeskService;
  let config: TerminalConfig;
  try {
    config = loadConfig(dataDir, options.keys, { seal: true });
    db = openDatabase(join(dataDir, 'desk.sqlite'), options.keys);
    service = new DeskService({ db, keys: options.keys, dataDir, terminal: config.terminal });
    options.keys.masterKey();
  } catch (e) {
    // A broken config.json, a database from a newer version, a store of another terminal, no key.
    db?.close();
    return { exit: 2, message: `${dataDir}: ${messageOf(e)}` };
  }
  try {
    const agent = syncAgentFor(service, config, { timeoutMs: options.timeoutMs });
    const counts = service.outbox.counts();
    const summary: SyncRoundSummary = {
      protocol: agent?.protocol ?? 'none',
      ok: false,
      error: agent ? null : 'no insurer configured (config.json has neither insurer nor nhsa)',
      queued: counts.queued,
      held: counts.held,
      sent: 0,
      accepted: 0,
      adjusted: 0,
      rejected: 0,
      open_work: service.outbox.openWork(),
      last_success_at: readState(service.db).last_success_at,
    };
    if (!agent) return { exit: 1, summary };
    const run = await agent.syncNow({ rules: true }).finally(() => agent.stop());
    const status = agent.status();
    Object.assign(summary, {
      ok: run.ok,
      error: run.error,
      queued: status.queued,
      held: status.held,
      sent: run.push?.sent ?? 0,
      accepted: run.push?.accepted ?? 0,
      adjusted: run.push?.adjusted ?? 0,
      rejected: run.push?.rejected ?? 0,
      open_work: status.work,
      last_success_at: status.last_success_at,
    });
    return { exit: exitStatus(summary), summary };
  } finally {
    closeDatabase(service.db);
  }
}
