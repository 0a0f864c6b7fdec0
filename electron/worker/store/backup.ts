/**
 * Backups: `VACUUM INTO` a new file (a consistent snapshot while the app keeps
 * writing, encrypted under the store's key, a single file with no -wal/-shm;
 * SQLite's online backup API refuses to copy between encrypted databases),
 * verified with the key before it is kept; daily and on demand. A restore
 * verifies the file first and refuses a damaged one, leaving the current
 * database untouched.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { DeskError } from '../../../shared/errors.js';
import {
  SCHEMA_VERSION,
  applyKey,
  databaseKeyOf,
  encryptClearDatabase,
  isClearDatabase,
  openKeyed,
  type Db,
} from './db.js';
import { fsyncFile } from '../../node/durable-file.js';
import type { KeyProvider } from '../../node/keys.js';
import { anchorFileFor, backupAgainstAnchor, type AnchorState } from './anchors.js';
import { chainKey, describeFinding, verifyChainWith } from './chain.js';
import { referenceSchema, schemaDifference, tableColumns } from './reference-schema.js';
import type { Clock } from './clock.js';

/** The files SQLite may leave beside a database file it wrote or opened. */
export const sideFiles = (path: string) => [`${path}-wal`, `${path}-shm`, `${path}-journal`];

/** An unfinished copy older than this is a leftover (a crash or power cut mid-backup): removed by the next backup. */
const STALE_PARTIAL_MS = 3_600_000;

/** A file name's time stamp: `YYYYMMDD-HHMMSS` (UTC). */
export function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * A further check of a file that has passed verifyDatabaseFile's own (opened read-only with the key, every page
 * read, our schema), given the open connection: it throws a DeskError 'damaged_backup' to refuse the file.
 */
export type BackupCheck = (db: Db, path: string) => void;

/**
 * The further checks every backup applies with the page key alone (verifyDatabaseFile's default). The checks that
 * need the master key (the chain, the anchor) are keyedBackupChecks': restore, `desk backups`, the startup message.
 */
export const BACKUP_CHECKS: BackupCheck[] = [];

/**
 * A backup's keyed chain (every MAC, every row, as the store's full check) and its agreement with the anchor's daily
 * marks (anchors.ts: the backup is this terminal's past, not another store's); a file from before the chain has none.
 */
export function chainBackupCheck(key: Buffer, anchor: AnchorState | null): BackupCheck {
  return (db) => {
    const verdict = verifyChainWith(db, key);
    if (!verdict) return;
    if (!verdict.ok) {
      const d = describeFinding(verdict.finding!);
      throw new DeskError(
        'damaged_backup',
        'file',
        `备份文件不可用：校验链未通过（${d.zh}）`,
        `backup is not usable: its chain does not verify (${d.en})`,
      );
    }
    const placed = backupAgainstAnchor(db, anchor);
    if (typeof placed === 'object')
      throw new DeskError(
        'damaged_backup',
        'file',
        `备份文件不可用：${placed.zh}`,
        `backup is not usable: ${placed.en}`,
      );
  };
}

/**
 * Every check of a backup for the store at `dbPath` under `keys`: BACKUP_CHECKS and the chain against the anchor
 * (an anchor that cannot be read is left out here: `desk restore` refuses it on its own, naming it).
 */
export function keyedBackupChecks(keys: KeyProvider | Buffer, dbPath: string): BackupCheck[] {
  let anchor: AnchorState | null = null;
  try {
    anchor = anchorFileFor(keys, dbPath)?.read() ?? null;
  } catch {
    anchor = null;
  }
  return [...BACKUP_CHECKS, chainBackupCheck(chainKey(keys), anchor)];
}

/**
 * Checks that a file is an intact Discharge Desk database this version can open with `key` (the store's page key),
 * by reading all of it: a backup is accepted only through here.
 *
 * - Every page is read. SQLCipher authenticates each page (HMAC) when it is read, so a flipped byte anywhere
 *   fails the read with SQLITE_CORRUPT; but only if the page is read. `integrity_check` alone was reported to pass
 *   a damaged page (issue 15) and does not read every page (free-list leaves it only counts), so the full scan is the dbstat virtual table (compiled into this build; `sqlite_dbpage`
 *   is not), which visits every b-tree page, overflow pages included; the pages it read plus the free list must
 *   account for the whole page count, and the file must be as long as that count says (a torn copy is short).
 *   A backup (VACUUM INTO) has no free pages, so for a backup every page of the file has been read.
 * - `integrity_check` still runs: it cross-checks what a page-by-page read cannot (index entries against rows,
 *   the free list's structure).
 * - The schema is ours: user_version within what this app knows, and exactly the tables and columns our
 *   migrations make at that version.
 *
 * Opened read-only. Only with `ownsFile` (the caller's own file: a backup, a `.partial` or `.restoring` copy) is a
 * -wal, -shm or -journal the open created (a file in WAL mode) removed after the check, so no check leaves one
 * beside a backup. (The `immutable` URI parameter would avoid them, but this build opens no URIs.) Without it (the
 * default: the live store, which the app may open while the check runs) no side file is ever removed: one that
 * appears during the check may be the app's live WAL. One that was there before is never touched.
 */
export function verifyDatabaseFile(
  path: string,
  key: Buffer,
  checks: readonly BackupCheck[] = BACKUP_CHECKS,
  options: { ownsFile?: boolean } = {},
): { schema: number; settlements: number } {
  let db: Db | null = null;
  const damaged = (why: string, en: string) =>
    new DeskError('damaged_backup', 'file', `备份文件不可用：${why}`, `backup is not usable: ${en}`);
  const made = options.ownsFile ? sideFiles(path).filter((f) => !existsSync(f)) : [];
  try {
    const bytes = statSync(path).size;
    db = openKeyed(path, key, { readonly: true, fileMustExist: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    if (bytes < pageSize * pageCount)
      throw damaged(
        `文件不完整（${bytes} 字节，应为 ${pageSize * pageCount} 字节）`,
        `the file is short (${bytes} bytes of ${pageSize * pageCount})`,
      );
    const read = db.prepare('SELECT count(*) FROM dbstat').pluck().get() as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    // SQLite never uses the page holding the lock bytes (at 1 GiB): it is neither a b-tree page nor free.
    const lockPage = pageCount * pageSize > 2 ** 30 ? 1 : 0;
    const autoVacuum = (db.pragma('auto_vacuum', { simple: true }) as number) !== 0; // pointer-map pages besides
    if (autoVacuum ? read + free + lockPage > pageCount : read + free + lockPage !== pageCount)
      throw damaged(
        `有页面未能读到（读到 ${read} 页，空闲 ${free} 页，共 ${pageCount} 页）`,
        `not every page was read (${read} read, ${free} free, ${pageCount} in all)`,
      );
    const check = db.pragma('integrity_check') as { integrity_check: string }[];
    if (check.length !== 1 || check[0]?.integrity_check !== 'ok')
      throw damaged('完整性检查未通过', `integrity check failed (${check[0]?.integrity_check ?? '?'})`);
    const schema = db.pragma('user_version', { simple: true }) as number;
    if (schema < 1 || schema > SCHEMA_VERSION)
      throw damaged(`结构版本 ${schema} 不受支持`, `schema version ${schema} is not supported`);
    const ours = referenceSchema(schema);
    const theirs = tableColumns(db);
    const missing = [...ours.keys()].filter((t) => !theirs.has(t));
    if (missing.length) throw damaged(`缺少数据表 ${missing.join('、')}`, `missing tables ${missing.join(', ')}`);
    const foreign = [...theirs.keys()].filter((t) => !ours.has(t));
    if (foreign.length)
      throw damaged(`有本程序不认识的数据表 ${foreign.join('、')}`, `unknown tables ${foreign.join(', ')}`);
    const changed = [...ours].filter(([t, columns]) => theirs.get(t)!.join(',') !== columns.join(',')).map(([t]) => t);
    if (changed.length)
      throw damaged(`数据表 ${changed.join('、')} 的列与本程序不符`, `the columns of ${changed.join(', ')} differ`);
    // Triggers, indexes and views too: an injected trigger (one that skips the PIN lockout, say) is not our schema.
    const diff = schemaDifference(db, schema);
    if (diff)
      throw damaged(
        `数据库结构与本程序不符（${diff.change} ${diff.type} ${diff.name}）`,
        `the schema differs: ${diff.change} ${diff.type} ${diff.name}`,
      );
    const settlements = db.prepare('SELECT count(*) FROM settlements').pluck().get() as number;
    for (const check of checks) check(db, path);
    return { schema, settlements };
  } catch (e) {
    if (e instanceof DeskError && e.body.code === 'damaged_backup') throw e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
      throw damaged('有页面校验失败（文件已损坏）', `a page fails its check (the file is damaged: ${code})`);
    throw damaged('不是有效的数据库文件', `not a valid database (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    db?.close();
    for (const f of made) rmSync(f, { force: true });
  }
}

/** Unfinished copies a crash left in `folder` (an hour old: never one another process is writing now). */
function removeStalePartials(folder: string, now: number): void {
  for (const name of readdirSync(folder)) {
    if (!/\.sqlite\.partial(-wal|-shm|-journal)?$/.test(name)) continue;
    const path = join(folder, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_PARTIAL_MS) rmSync(path, { force: true });
    } catch {
      // gone already (another backup removed it)
    }
  }
}

/**
 * Backup into `folder` (VACUUM INTO, under the connection's key), written as `<name>.partial`, verified and fsynced
 * before it gets its final name. Whatever happens, no `.partial` (nor its -wal, -shm or -journal) is left: a full
 * disk fails the copy part-way, and a damaged store fails the copy or its check; the backups already there stay.
 */
export async function backupDatabase(
  db: Db,
  folder: string,
  clock: Clock,
  label = 'desk',
): Promise<{ path: string; settlements: number }> {
  mkdirSync(folder, { recursive: true });
  removeStalePartials(folder, Date.now());
  const final = join(folder, `${label}-${stamp(clock.now())}.sqlite`);
  const tmp = `${final}.partial`;
  const key = databaseKeyOf(db);
  const clean = () => {
    for (const f of [tmp, ...sideFiles(tmp)]) rmSync(f, { force: true });
  };
  clean();
  try {
    await Promise.resolve(); // the contract stays async (callers await a backup)
    db.prepare('VACUUM INTO ?').run(tmp);
    const { settlements } = verifyDatabaseFile(tmp, key, BACKUP_CHECKS, { ownsFile: true });
    fsyncFile(tmp);
    renameSync(tmp, final);
    return { path: final, settlements };
  } finally {
    clean();
  }
}

/** The daily backup: made when the folder has none from today (UTC date of the stamp). */
export async function dailyBackup(
  db: Db,
  folder: string,
  clock: Clock,
  label = 'desk',
  /** Runs only when a backup is due, before it is made (the app's full chain verification: seconds on a big store). */
  beforeBackup: () => void = () => undefined,
): Promise<string | null> {
  const today = stamp(clock.now()).slice(0, 8);
  const has =
    existsSync(folder) && readdirSync(folder).some((f) => f.startsWith(`${label}-${today}`) && f.endsWith('.sqlite'));
  if (has) return null;
  beforeBackup();
  return (await backupDatabase(db, folder, clock, label)).path;
}

/**
 * A restore that stopped after it checked the backup: `moved` are the files of the current database still under
 * their set-aside names (each `from` → `to`) because moving them back failed too; empty when the current database
 * is as it was (nothing moved, or every rename undone).
 */
export class RestoreStopped extends Error {
  constructor(
    message: string,
    readonly moved: readonly { from: string; to: string }[] = [],
    /** Another connection (the app) has the database open: nothing was moved. */
    readonly inUse = false,
  ) {
    super(message);
    this.name = 'RestoreStopped';
  }
}

/**
 * An exclusive lock on the database at `path` for as long as the returned connection is open (locking_mode
 * EXCLUSIVE, BEGIN EXCLUSIVE, busy_timeout 0: no other connection reads or writes it meanwhile), its WAL first
 * checkpointed into the file and truncated (so the file set aside holds every committed change by itself). Throws
 * RestoreStopped (inUse) when another connection has it open. Null when there is no file, or when page 1 (the
 * schema) does not read with the key: then the app cannot open it either, and there is nothing to lock it against.
 */
function lockForRestore(path: string, key: Buffer): Db | null {
  if (!existsSync(path)) return null;
  let db: Db;
  try {
    db = openExclusive(path, key);
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY')
      throw new RestoreStopped(
        `the database ${path} is open in the app or another program: nothing was moved`,
        [],
        true,
      );
    return null;
  }
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // a damaged page the WAL's frames go to: the WAL is set aside with the file, never separated from it
  }
  return db;
}

/**
 * Renames the database at `target` and its -wal/-shm/-journal to `setAside` (+ the same suffixes), all or none:
 * every destination name (the four, whether or not the source has each file) must be free before anything is
 * renamed; side files move first and the database file last (a WAL never waits beside a missing database, where
 * SQLite would delete it at the next open); a failed rename undoes those already done. Returns the new names.
 */
function setAsideDatabase(target: string, setAside: string): string[] {
  const pairs = [...sideFiles(target), target].map((from) => ({ from, to: `${setAside}${from.slice(target.length)}` }));
  const taken = pairs.filter(({ to }) => existsSync(to)).map(({ to }) => to);
  if (taken.length) throw new RestoreStopped(`${taken.join(', ')} already exist(s): nothing was moved`);
  const done: { from: string; to: string }[] = [];
  try {
    for (const pair of pairs) {
      if (!existsSync(pair.from)) continue;
      renameSync(pair.from, pair.to);
      done.push(pair);
    }
  } catch (e) {
    const stuck: { from: string; to: string }[] = [];
    for (const pair of done.reverse()) {
      try {
        renameSync(pair.to, pair.from);
      } catch {
        stuck.push(pair);
      }
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new RestoreStopped(
      stuck.length
        ? `setting the current database aside failed (${why}); these could not be moved back: ` +
            stuck.map(({ from, to }) => `${from} is now ${to}`).join(', ')
        : `setting the current database aside failed (${why}); every rename was undone`,
      stuck,
    );
  }
  return done.map(({ to }) => to);
}

/**
 * Restores a backup over the database at `target`. The backup is copied beside the target (`<target>.restoring`),
 * fsynced and that copy verified (the bytes that will be used, not only the source), so a damaged backup or a
 * failed copy leaves the current database untouched. Then, holding an exclusive lock on the current database
 * (refused, nothing moved, while the app or anything has it open; its WAL checkpointed first), the database and
 * its -wal/-shm/-journal are renamed to `setAside` (+ the same suffixes, so the set still opens as it was; never
 * deleted; all or none, see setAsideDatabase); the lock is released and the copy takes the target's name.
 * Failures after the copy are RestoreStopped, saying what was moved.
 */
export function restoreDatabase(
  backup: string,
  target: string,
  key: Buffer,
  options: { setAside: string },
): { settlements: number; setAside: string[] } {
  const tmp = `${target}.restoring`;
  const clean = () => {
    for (const f of [tmp, ...sideFiles(tmp)]) rmSync(f, { force: true });
  };
  clean();
  let verdict: { settlements: number };
  let moved: string[];
  try {
    copyFileSync(backup, tmp);
    fsyncFile(tmp);
    verdict = verifyDatabaseFile(tmp, key, BACKUP_CHECKS, { ownsFile: true });
    const lock = lockForRestore(target, key);
    try {
      moved = setAsideDatabase(target, options.setAside);
    } finally {
      lock?.close();
    }
  } catch (e) {
    clean();
    throw e;
  }
  try {
    renameSync(tmp, target);
  } catch (e) {
    clean();
    const why = e instanceof Error ? e.message : String(e);
    throw new RestoreStopped(
      `the verified copy could not take the name ${target} (${why}); the current database is kept as ${moved.join(', ')}`,
      moved.map((to) => ({ from: `${target}${to.slice(options.setAside.length)}`, to })),
    );
  }
  return { settlements: verdict.settlements, setAside: moved };
}

/** A backup file's name: `<label>-YYYYMMDD-HHMMSS.sqlite` (UTC), as backupDatabase names it. */
const BACKUP_NAME = /^(.+)-(\d{8}-\d{6})\.sqlite$/;

/** The backups in `folder`, newest first (by the stamp in the name, then the file's time); none when there is no folder. */
export function listBackups(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const found = names
    .map((name) => ({ name, m: BACKUP_NAME.exec(name) }))
    .filter((b): b is { name: string; m: RegExpExecArray } => b.m !== null)
    .map(({ name, m }) => {
      let mtime = 0;
      try {
        mtime = statSync(join(folder, name)).mtimeMs;
      } catch {
        // listed, then gone: sorted last
      }
      return { path: join(folder, name), stamp: m[2]!, mtime };
    });
  found.sort((a, b) => b.stamp.localeCompare(a.stamp) || b.mtime - a.mtime);
  return found.map((b) => b.path);
}

export type BackupVerdict =
  | { path: string; ok: true; schema: number; settlements: number }
  | { path: string; ok: false; why: string; why_en: string };

/** verifyDatabaseFile's verdict on one backup, as a value (the reason in Chinese and English when refused). */
export function checkBackup(path: string, key: Buffer, checks: readonly BackupCheck[] = BACKUP_CHECKS): BackupVerdict {
  try {
    return { path, ok: true, ...verifyDatabaseFile(path, key, checks, { ownsFile: true }) };
  } catch (e) {
    if (e instanceof DeskError) return { path, ok: false, why: e.body.message, why_en: e.body.message_en ?? '' };
    const m = e instanceof Error ? e.message : String(e);
    return { path, ok: false, why: m, why_en: m };
  }
}

/**
 * The newest backup in `folder` that verifies, checking newest first and stopping at the first good one (a full
 * check reads every page: the older ones are not read once one passes); with the verdicts of the newer ones refused.
 */
export function newestGoodBackup(
  folder: string,
  key: Buffer,
  checks: readonly BackupCheck[] = BACKUP_CHECKS,
): { good: Extract<BackupVerdict, { ok: true }> | null; refused: Extract<BackupVerdict, { ok: false }>[] } {
  const refused: Extract<BackupVerdict, { ok: false }>[] = [];
  for (const path of listBackups(folder)) {
    const verdict = checkBackup(path, key, checks);
    if (verdict.ok) return { good: verdict, refused };
    refused.push(verdict);
  }
  return { good: null, refused };
}

/**
 * Whether another connection (the app, another tool) has the database at `path` open. The app keeps it in WAL
 * mode, where every open connection holds a shared lock on the file; asking for an exclusive lock with no wait
 * (locking_mode EXCLUSIVE, BEGIN EXCLUSIVE, busy_timeout 0) answers SQLITE_BUSY while one does. The lock is taken
 * before page 1 is read, so this holds for a damaged file or a wrong key too. Released before returning: an early
 * answer only (`desk restore` before IT confirms); restoreDatabase checks again and holds the lock while it renames.
 */
export function databaseInUse(path: string, key: Buffer): boolean {
  if (!existsSync(path)) return false;
  try {
    openExclusive(path, key).close();
    return false;
  } catch (e) {
    return (e as { code?: string }).code === 'SQLITE_BUSY';
  }
}

/**
 * A keyed connection holding an exclusive lock on `path` until it closes (locking_mode EXCLUSIVE, BEGIN
 * EXCLUSIVE, busy_timeout 0: no waiting); throws SQLite's error, SQLITE_BUSY while another connection has it open.
 */
function openExclusive(path: string, key: Buffer): Db {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    applyKey(db, key);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('COMMIT'); // in EXCLUSIVE locking mode the lock is kept until the connection closes
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Backups made before the store was encrypted are clear copies of personal data: each is
 * encrypted in place under the store's key and verified; one that cannot be (damaged) is
 * deleted. Deleting a file on an SSD does not guarantee its blocks are gone (see README).
 */
export function encryptClearBackups(folder: string, key: Buffer): { encrypted: string[]; removed: string[] } {
  const encrypted: string[] = [];
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    // No folder yet, or one that cannot be read: the next backup into it fails and that failure is shown.
    return { encrypted, removed };
  }
  for (const name of names) {
    const path = join(folder, name);
    if (!/\.sqlite(\.partial)?$/.test(name) || !isClearDatabase(path)) continue;
    try {
      if (name.endsWith('.partial')) throw new Error('an unfinished copy');
      encryptClearDatabase(path, key, { wal: false });
      verifyDatabaseFile(path, key, BACKUP_CHECKS, { ownsFile: true });
      encrypted.push(path);
    } catch {
      for (const f of [path, ...sideFiles(path)]) rmSync(f, { force: true });
      removed.push(path);
    }
  }
  return { encrypted, removed };
}
