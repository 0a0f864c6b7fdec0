/**
 * Backups: `VACUUM INTO` a new file (a consistent snapshot while the app keeps
 * writing, encrypted under the store's key, a single file with no -wal/-shm;
 * SQLite's online backup API refuses to copy between encrypted databases),
 * verified with the key before it is kept; daily and on demand. A restore
 * verifies the file first and refuses a damaged one, leaving the current
 * database untouched.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../../../shared/errors.js';
import { SCHEMA_VERSION, databaseKeyOf, encryptClearDatabase, isClearDatabase, openKeyed, type Db } from './db.js';
import { fsyncFile } from '../../node/durable-file.js';
import type { Clock } from './clock.js';

const REQUIRED_TABLES = [
  'settlements',
  'settlement_funds',
  'ledger',
  'outbox',
  'audit_log',
  'rule_packages',
  'persons',
];

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Checks that a file is an intact Discharge Desk database this version can open with `key` (the store's page key). */
export function verifyDatabaseFile(path: string, key: Buffer): { schema: number; settlements: number } {
  let db: Db | null = null;
  const damaged = (why: string, en: string) =>
    new DeskError('damaged_backup', 'file', `备份文件不可用：${why}`, `backup is not usable: ${en}`);
  try {
    db = openKeyed(path, key, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check') as { integrity_check: string }[];
    if (check.length !== 1 || check[0]?.integrity_check !== 'ok')
      throw damaged('完整性检查未通过', `integrity check failed (${check[0]?.integrity_check ?? '?'})`);
    const schema = db.pragma('user_version', { simple: true }) as number;
    if (schema < 1 || schema > SCHEMA_VERSION)
      throw damaged(`结构版本 ${schema} 不受支持`, `schema version ${schema} is not supported`);
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    );
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length) throw damaged(`缺少数据表 ${missing.join('、')}`, `missing tables ${missing.join(', ')}`);
    const settlements = (db.prepare('SELECT count(*) AS n FROM settlements').get() as { n: number }).n;
    return { schema, settlements };
  } catch (e) {
    if (e instanceof DeskError && e.body.code === 'damaged_backup') throw e;
    throw damaged('不是有效的数据库文件', `not a valid database (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    db?.close();
  }
}

/** Backup into `folder` (VACUUM INTO, under the connection's key); verified and fsynced before it gets its final name. */
export async function backupDatabase(
  db: Db,
  folder: string,
  clock: Clock,
  label = 'desk',
): Promise<{ path: string; settlements: number }> {
  mkdirSync(folder, { recursive: true });
  const final = join(folder, `${label}-${stamp(clock.now())}.sqlite`);
  const tmp = `${final}.partial`;
  const key = databaseKeyOf(db);
  rmSync(tmp, { force: true });
  try {
    await Promise.resolve(); // the contract stays async (callers await a backup)
    db.prepare('VACUUM INTO ?').run(tmp);
    const { settlements } = verifyDatabaseFile(tmp, key);
    fsyncFile(tmp);
    renameSync(tmp, final);
    return { path: final, settlements };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The daily backup: made when the folder has none from today (UTC date of the stamp). */
export async function dailyBackup(db: Db, folder: string, clock: Clock, label = 'desk'): Promise<string | null> {
  const today = stamp(clock.now()).slice(0, 8);
  const has =
    existsSync(folder) && readdirSync(folder).some((f) => f.startsWith(`${label}-${today}`) && f.endsWith('.sqlite'));
  return has ? null : (await backupDatabase(db, folder, clock, label)).path;
}

/**
 * Restores a backup over the database at `target` (the app must have closed it).
 * The backup is verified first; the stale WAL and shared-memory files of the
 * old database are removed so they cannot be replayed onto the restored one.
 */
export function restoreDatabase(backup: string, target: string, key: Buffer): { settlements: number } {
  const verdict = verifyDatabaseFile(backup, key);
  const tmp = `${target}.restoring`;
  copyFileSync(backup, tmp);
  fsyncFile(tmp);
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  renameSync(tmp, target);
  return { settlements: verdict.settlements };
}

/**
 * Backups made before the store was encrypted are clear copies of personal data: each is
 * encrypted in place under the store's key and verified; one that cannot be (damaged) is
 * deleted. Deleting a file on an SSD does not guarantee its blocks are gone (see README).
 */
export function encryptClearBackups(folder: string, key: Buffer): { encrypted: string[]; removed: string[] } {
  const encrypted: string[] = [];
  const removed: string[] = [];
  if (!existsSync(folder)) return { encrypted, removed };
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (!/\.sqlite(\.partial)?$/.test(name) || !isClearDatabase(path)) continue;
    try {
      if (name.endsWith('.partial')) throw new Error('an unfinished copy');
      encryptClearDatabase(path, key, { wal: false });
      verifyDatabaseFile(path, key);
      encrypted.push(path);
    } catch {
      for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
      removed.push(path);
    }
  }
  return { encrypted, removed };
}
