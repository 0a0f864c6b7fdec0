/**
 * Restore for IT (issue 16, item 4): what `desk restore` and `desk backups` (cli/desk.ts, the key file) and
 * `DischargeDesk --restore` (the services worker, the keychain's key) do.
 *
 * restore: verifies the backup with the store's key (every page read, our schema, its keyed chain in full and
 * against the anchor's daily marks: backup.ts keyedBackupChecks), refuses while the app (or anything) has the
 * database open, keeps the current database aside (renamed to `desk.sqlite.replaced-<stamp>` with its -wal/-shm:
 * never deleted), puts a verified copy of the backup in its place, raises its numbering to the highest numbers the
 * anchor says this terminal issued (anchors.ts: a number is never issued twice), records the restore in the
 * restored database's audit log (`store.restore`: the backup, its SHA-256, who, when, what was set aside, the
 * numbers continued; a chained entry) and anchors the restored store.
 *
 * backups: the backups of the configured folder, newest first, each verified (yes, or why not).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { DeskError } from '../../../shared/errors.js';
import { checkKey, recordKeyCheck } from '../../node/key-check.js';
import type { KeyProvider } from '../../node/keys.js';
import { anchorFileFor, anchorNow, continueNumbering, keptAnchor, type AnchorState } from './anchors.js';
import type { RestoreArgs, RestoreOutcome } from '../../node/restore-args.js';
import { appendAudit } from './audit.js';
import {
  checkBackup,
  keyedBackupChecks,
  databaseInUse,
  listBackups,
  restoreDatabase,
  RestoreStopped,
  sideFiles,
  stamp,
  type BackupCheck,
  type BackupVerdict,
} from './backup.js';
import { closeDatabase, openDatabase, storeKey, writeTransaction } from './db.js';
import { backupFolderOf, diagnoseUnopenable, storeFileOf, type Unopenable } from './startup-diagnosis.js';

/** SHA-256 of a file, read in pieces (a store can be large). */
function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Who ran the command, as the OS knows them (the audit entry's "who": there is no operator session here). */
function osUser(): string {
  let user = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): the environment's name
  }
  return `${user}@${hostname()}`;
}

type Outcome = RestoreOutcome;

/** A restore that has passed its checks and waits to be carried out (after IT confirms). */
export interface RestorePlan {
  args: RestoreArgs;
  dbPath: string;
  backup: Extract<BackupVerdict, { ok: true }>;
  sha256: string;
  /** The state of the database being replaced (damaged, wrong key…), for the record. */
  current: Unopenable;
  /** Where the current database and its -wal/-shm go (the same suffixes after it). */
  setAside: string;
  /** The anchor outside the data folder (its numbers are continued); null where none is kept. */
  anchor: AnchorState | null;
  /** What IT reads before confirming. */
  summary: string;
}

const CURRENT_ZH: Record<Unopenable['cause'], string> = {
  opens: '可以打开（完好）',
  missing: '不存在',
  damaged: '已损坏',
  wrong_key: '与本机密钥不符（密钥校验值不同）',
  damaged_or_wrong_key: '无法打开（损坏或密钥不符）',
};

/**
 * The checks before anything is touched: the backup verifies with the key (else exit 1, naming why), nothing has
 * the database open (else exit 1). Nothing is written.
 */
export function planRestore(
  args: RestoreArgs,
  keys: KeyProvider | Buffer,
  options: { now?: Date; checks?: readonly BackupCheck[] } = {},
): RestorePlan | Outcome {
  if (!existsSync(args.from)) return { exit: 2, message: `--from: ${args.from} does not exist` };
  const key = storeKey(keys);
  const dbPath = storeFileOf(args.dataDir);
  // The anchor must be read to continue its numbers: one that does not verify stops the restore, named.
  let anchor: AnchorState | null;
  try {
    anchor = anchorFileFor(keys, dbPath)?.read() ?? null;
  } catch (e) {
    const body = e instanceof DeskError ? e.body : { message: String(e), message_en: String(e) };
    return {
      exit: 1,
      message: `拒绝恢复：${body.message}
refused: ${body.message_en}`,
    };
  }
  const verdict = checkBackup(args.from, key, options.checks ?? keyedBackupChecks(keys, dbPath));
  if (!verdict.ok) {
    const keyNote =
      checkKey(dbPath, key) === 'mismatch'
        ? '\n本机密钥与数据库的密钥校验值不符：可能用错了密钥文件（DESK_KEY_FILE）。 The key does not match the database’s key check value: is DESK_KEY_FILE the right key file?'
        : '';
    return {
      exit: 1,
      message: `拒绝恢复：${verdict.why}\nrefused: ${verdict.why_en}\n当前数据库未作任何改动。 The current database was not touched.${keyNote}`,
    };
  }
  if (databaseInUse(dbPath, key))
    return {
      exit: 1,
      message:
        `拒绝恢复：数据库 ${dbPath} 正被本程序或其他程序打开，请先关闭本程序。\n` +
        `refused: the database ${dbPath} is open in the app or another program: close it first. Nothing was changed.`,
    };
  const current = diagnoseUnopenable(dbPath, key);
  const base = `${dbPath}.replaced-${stamp(options.now ?? new Date())}`;
  const taken = (name: string) => [name, ...sideFiles(name)].some((f) => existsSync(f));
  let setAside = base;
  for (let n = 2; taken(setAside); n++) setAside = `${base}-${n}`;
  const summary =
    `备份 ${args.from} 通过校验（结构版本 ${verdict.schema}，${verdict.settlements} 笔结算）。\n` +
    `The backup ${args.from} verifies (schema ${verdict.schema}, ${verdict.settlements} settlements).\n` +
    (current.cause === 'missing'
      ? `当前没有数据库 ${dbPath}。 There is no database ${dbPath} now.`
      : `当前数据库 ${dbPath}（${CURRENT_ZH[current.cause]}）将改名保留为 ${setAside}。\n` +
        `The current database ${dbPath} (${current.cause}) is kept aside as ${setAside}.`);
  const numbering = anchor
    ? `\n单号将接着本机开出过的最大号继续（锚点记录到校验链第 ${anchor.seq} 条，${anchor.at}）。` +
      `\nNumbering continues after the highest numbers this terminal issued (anchor at chain entry ${anchor.seq}, ${anchor.at}).`
    : '\n本机没有保存锚点：单号按备份中的编号继续。 No anchor is kept for this database: numbering continues from the backup.';
  return {
    args,
    dbPath,
    backup: verdict,
    sha256: sha256File(args.from),
    current,
    setAside,
    anchor,
    summary: summary + numbering,
  };
}

/**
 * Carries out a plan: set aside, restore (the copy verified again), the audit entry, the key check value. The
 * plan's check that nothing has the database open may be old (IT confirms at its own pace): restoreDatabase
 * checks again, holding an exclusive lock on the database across the renames, and refuses while anything has it open.
 */
export function applyRestore(
  plan: RestorePlan,
  keys: KeyProvider | Buffer,
  options: { now?: Date; who?: string } = {},
): Outcome {
  const key = storeKey(keys);
  let moved: string[];
  try {
    moved = restoreDatabase(plan.args.from, plan.dbPath, key, { setAside: plan.setAside }).setAside;
  } catch (e) {
    if (e instanceof RestoreStopped && e.inUse)
      return {
        exit: 1,
        message:
          `拒绝恢复：数据库 ${plan.dbPath} 正被本程序或其他程序打开，请先关闭本程序。\n` +
          `refused: the database ${plan.dbPath} is open in the app or another program: close it first. Nothing was changed.`,
      };
    const m = e instanceof Error ? e.message : String(e);
    const state =
      e instanceof RestoreStopped && e.moved.length
        ? `当前数据库的以下文件已改名，未能移回：${e.moved.map(({ from, to }) => `${from} → ${to}`).join('、')}。\n` +
          `These files of the current database were renamed and could not be moved back: ` +
          `${e.moved.map(({ from, to }) => `${from} → ${to}`).join(', ')}.`
        : e instanceof RestoreStopped
          ? '当前数据库仍在原处，没有文件被移动。 The current database is where it was: no file of it was moved.'
          : '当前数据库未作任何改动。 The current database was not touched.';
    return { exit: 1, message: `拒绝恢复 refused: ${m}\n${state}` };
  }
  // Recorded in the restored database itself (the audit log the app shows): opened as the app opens it (migrations
  // of an older backup run here; behind its anchor, as a restore is), its numbers raised to the anchor's, the
  // restore appended to its chain, then anchored as it now is.
  const db = openDatabase(plan.dbPath, keys, { restoring: true });
  let raised: ReturnType<typeof continueNumbering> = {};
  try {
    writeTransaction(db, () => {
      raised = continueNumbering(db, keptAnchor(db));
      appendAudit(db, {
        at: (options.now ?? new Date()).toISOString(),
        operatorId: null,
        action: 'store.restore',
        entity: 'database',
        entityId: basename(plan.args.from),
        detail: {
          from: plan.args.from,
          sha256: plan.sha256,
          schema: plan.backup.schema,
          settlements: plan.backup.settlements,
          who: options.who ?? osUser(),
          replaced: plan.current.cause,
          set_aside: moved,
          anchor: plan.anchor ? { seq: plan.anchor.seq, at: plan.anchor.at } : null,
          numbering_continued: raised,
        },
      });
    });
    anchorNow(db, { force: true });
  } finally {
    closeDatabase(db);
  }
  recordKeyCheck(plan.dbPath, key);
  const kept = moved.length
    ? `当前数据库已改名保留：${moved.join('、')}\nThe database it replaced is kept as: ${moved.join(', ')}`
    : '没有需要保留的旧数据库。 There was no database to keep aside.';
  return {
    exit: 0,
    message:
      `已从 ${plan.args.from} 恢复 ${plan.dbPath}（${plan.backup.settlements} 笔结算，SHA-256 ${plan.sha256}），` +
      `已记入审计日志（store.restore）。\n` +
      `Restored ${plan.dbPath} from ${plan.args.from} (${plan.backup.settlements} settlements, SHA-256 ${plan.sha256}); ` +
      `recorded in the audit log (store.restore).\n${kept}${continued(raised)}`,
  };
}

/** The numbers a restore raised, for IT: each sequence, from what the backup had to what the anchor says was issued. */
function continued(raised: Record<string, { was: number; now: number }>): string {
  const names = Object.keys(raised);
  if (!names.length) return '';
  const list = names.map((n) => `${n} ${raised[n]!.was} → ${raised[n]!.now}`).join(', ');
  return `\n单号接着本机开出过的最大号继续：${list}\nNumbering continues after the highest numbers issued: ${list}`;
}

/** `desk backups`: every backup in the configured folder, newest first, verified or why not. Exit 0 when one verifies. */
export function listVerifiedBackups(
  dataDir: string,
  keys: KeyProvider | Buffer,
  checks: readonly BackupCheck[] = keyedBackupChecks(keys, storeFileOf(dataDir)),
): Outcome {
  const folder = backupFolderOf(dataDir);
  const key = storeKey(keys);
  const verdicts = listBackups(folder).map((path) => checkBackup(path, key, checks));
  const lines = verdicts.map((v) =>
    v.ok
      ? `verified yes  ${v.path}  (schema ${v.schema}, ${v.settlements} settlements)`
      : `verified no   ${v.path}  (${v.why_en})`,
  );
  const header = `备份目录 backup folder: ${folder}\n`;
  if (!verdicts.length) return { exit: 1, message: `${header}没有备份。 No backups.` };
  const good = verdicts.find((v) => v.ok);
  const footer = good
    ? `\n最新可用 newest that verifies: ${good.path}`
    : '\n没有通过校验的备份。 No backup verifies with this key.';
  return { exit: good ? 0 : 1, message: `${header}${lines.join('\n')}${footer}` };
}
