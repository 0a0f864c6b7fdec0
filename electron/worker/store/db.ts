/**
 * One SQLite database per terminal. Money records: WAL with synchronous=FULL so
 * that a settlement shown as done survives a power cut; foreign keys on; a busy
 * timeout so a second writer (another window, the sync worker) waits instead of
 * failing. Schema changes are numbered migrations (./migrations); a database
 * written by a newer version of the app is refused untouched.
 *
 * The whole file (and its WAL) is encrypted: SQLite3 Multiple Ciphers in
 * SQLCipher mode, keyed right after open with a raw 32-byte key derived (HKDF)
 * from the terminal's master key, so no passphrase derivation runs at open. A
 * clear database left by an earlier version is encrypted in place at its first
 * open for writing (rekey needs journal_mode DELETE) and verified row by row.
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { DeskError } from '../../../shared/errors.js';
import type { KeyProvider } from '../../node/keys.js';
import { recordKeyCheck } from '../../node/key-check.js';
import { deriveKey } from '../../node/sealed.js';
import { anchorFileFor, anchorNow, anchorSoon, attachAnchor, checkAnchor } from './anchors.js';
import { chainKey, isPageDamage, registerChain, verifyChain } from './chain.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface OpenOptions {
  readonly?: boolean;
  /** How long a writer waits for another connection's lock (ms). */
  busyTimeoutMs?: number;
  /**
   * A restore IT confirmed (store/restore.ts): a store behind its anchor is opened, not refused; the restore
   * raises its numbers and re-anchors it.
   */
  restoring?: boolean;
}

/** The store's page key: derived from the master key, so it is never the master key itself. */
export function storeKey(keys: KeyProvider | Buffer): Buffer {
  return deriveKey(keys, 'discharge-desk store sqlcipher v1');
}

const masterOf = (keys: KeyProvider | Buffer): Buffer => (Buffer.isBuffer(keys) ? keys : keys.masterKey());

const dbKeys = new WeakMap<Db, Buffer>();

/** The page key a connection was opened with (backups are written under it). */
export function databaseKeyOf(db: Db): Buffer {
  const key = dbKeys.get(db);
  if (!key) throw new Error('database connection was not opened with openDatabase');
  return key;
}

/** Keys a fresh connection (before anything reads the file): SQLCipher 4 format, raw 32-byte key. */
export function applyKey(db: Db, key: Buffer): void {
  if (key.length !== 32) throw new Error('the store key must be 32 bytes');
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${key.toString('hex')}'"`);
  dbKeys.set(db, key);
}

/** Opens a store file with its page key (no migrations, no conversion): for checks, tests and tools. */
export function openKeyed(
  path: string,
  key: Buffer,
  options: { readonly?: boolean; fileMustExist?: boolean } = {},
): Db {
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? options.readonly ?? false,
  });
  try {
    applyKey(db, key);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (e) {
    db.close();
    throw wrongKey(path, e);
  }
}

function wrongKey(path: string, e: unknown): unknown {
  const code = (e as { code?: string }).code;
  if (code !== 'SQLITE_NOTADB') return e;
  return new DeskError(
    'database_key_mismatch',
    '',
    `数据库 ${path} 无法用本机密钥打开（密钥不符、文件首页已损坏，或不是本程序的数据库），未作任何改动。`,
    `the database ${path} cannot be opened with this terminal's key (wrong key, a damaged first page, or not a Discharge Desk database: SQLITE_NOTADB); it was left untouched.`,
  );
}

/** The schema version of a clear (unencrypted) SQLite database with content; null for an encrypted, empty or absent file. */
export function clearDatabaseVersion(path: string): number | null {
  if (!existsSync(path) || statSync(path).size === 0) return null;
  let probe: Db | null = null;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true });
    probe.prepare('SELECT count(*) FROM sqlite_master').get();
    return probe.pragma('user_version', { simple: true }) as number;
  } catch {
    return null;
  } finally {
    probe?.close();
  }
}

export const isClearDatabase = (path: string): boolean => clearDatabaseVersion(path) !== null;

function tooNew(version: number): DeskError {
  return new DeskError(
    'database_too_new',
    '',
    `数据库由更新版本的程序写入（结构版本 ${version}，本程序支持到 ${SCHEMA_VERSION}），为保护数据未作任何改动。请升级程序。`,
    `the database was written by a newer version of the app (schema ${version}, this app knows up to ${SCHEMA_VERSION}); it was left untouched. Upgrade the app.`,
  );
}

function rowCounts(db: Db): Map<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return new Map(
    tables.map((t) => [
      t.name,
      (db.prepare(`SELECT count(*) AS n FROM "${t.name.replace(/"/g, '""')}"`).get() as { n: number }).n,
    ]),
  );
}

/**
 * Encrypts a clear database in place under `key` (the app must be its only user), then
 * reopens it with the key and checks integrity and every table's row count.
 */
export function encryptClearDatabase(path: string, key: Buffer, options: { wal?: boolean } = {}): void {
  const clear = new Database(path, { fileMustExist: true });
  let before: Map<string, number>;
  try {
    clear.pragma('busy_timeout = 10000');
    before = rowCounts(clear);
    // rekey is refused in WAL mode: checkpoint and leave WAL, encrypt, back to WAL.
    clear.pragma('journal_mode = DELETE');
    clear.pragma(`cipher = 'sqlcipher'`);
    clear.pragma('legacy = 4');
    clear.pragma(`rekey = "x'${key.toString('hex')}'"`);
    if (options.wal ?? true) clear.pragma('journal_mode = WAL');
  } finally {
    clear.close();
  }
  const db = openKeyed(path, key, { fileMustExist: true });
  try {
    const check = db.pragma('integrity_check') as { integrity_check: string }[];
    const after = rowCounts(db);
    const same = after.size === before.size && [...before].every(([t, n]) => after.get(t) === n);
    if (check[0]?.integrity_check !== 'ok' || !same)
      throw new Error(`encrypting ${path} did not verify (integrity ${check[0]?.integrity_check ?? '?'})`);
  } finally {
    db.close();
  }
}

/**
 * Opens the store: keyed, migrated, with the chain's SQL functions registered (store/chain.ts) and, when open
 * for writing, the chain's start check run (its verdict is kept for the connection: see assertIntact) and the
 * store checked against its anchor outside the data folder (store/anchors.ts: refused when behind it).
 */
export function openDatabase(path: string, keys: KeyProvider | Buffer, options: OpenOptions = {}): Db {
  const master = masterOf(keys);
  const key = storeKey(master);
  const clearVersion = clearDatabaseVersion(path);
  const clear = clearVersion !== null;
  if (clear && clearVersion > SCHEMA_VERSION) throw tooNew(clearVersion);
  if (clear && !options.readonly) encryptClearDatabase(path, key);
  // A read-only look at a clear database not yet converted (by the app's next start) reads it as it is.
  const db =
    clear && options.readonly
      ? new Database(path, { readonly: true, fileMustExist: true })
      : openKeyed(path, key, { readonly: options.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw tooNew(version);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    registerChain(db, chainKey(master));
    if (!options.readonly) {
      // Outside the data folder, beside the key: a store older than what this terminal last wrote is refused.
      const anchor = anchorFileFor(keys, path);
      const anchored = anchor ? checkAnchor(db, anchor, options.restoring ?? false) : null;
      migrate(db, version);
      try {
        // Any other failure to check (a table dropped, a value of the wrong type) is a failed verdict, kept.
        verifyChain(db, 'start');
      } catch (e) {
        // Only a page that cannot be read through (SQLITE_CORRUPT/NOTADB) is not a verdict on the content: the
        // damage shows where it is read (database_damaged), and the full check before the next backup or day
        // close refuses. Anything else verifyChain throws is a fault of its own: the store does not open.
        if (!isPageDamage(e)) throw e;
        console.error(`store integrity check could not run: ${(e as Error).message}`);
      }
      // Kept beside the file: tells a damaged first page from a wrong key when SQLite says only NOTADB.
      try {
        recordKeyCheck(path, key);
      } catch (e) {
        console.error('the key check value could not be written', e); // only a later failure's diagnosis loses it
      }
      if (anchor) attachAnchor(db, anchor, anchored, { restoring: options.restoring ?? false });
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Closes the store, its anchor written first (the commits of the last moments are anchored too). */
export function closeDatabase(db: Db): void {
  anchorNow(db);
  db.close();
}

/** Applies the migrations after `from`, each in its own transaction with its version. */
export function migrate(
  db: Db,
  from: number,
  to: number = SCHEMA_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  for (let v = from; v < to; v++) {
    const migration = migrations[v]!;
    db.transaction(() => {
      // Another process opening the same new store may have applied it while this one waited for the lock.
      if ((db.pragma('user_version', { simple: true }) as number) > v) return;
      db.exec(migration.sql);
      migration.run?.(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * Runs `work` in an IMMEDIATE transaction (the write lock is taken up front, so
 * two writers never deadlock on a lock upgrade). SQLITE_BUSY past the busy
 * timeout is retried a few times with a short pause before it becomes an error.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  const run = db.transaction(work);
  for (let attempt = 0; ; attempt++) {
    try {
      const result = run.immediate();
      anchorSoon(db); // the anchor outside the data folder follows the commit (store/anchors.ts)
      return result;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') && attempt < 5) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * (attempt + 1));
        continue;
      }
      throw e;
    }
  }
}
