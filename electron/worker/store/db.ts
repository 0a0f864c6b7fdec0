/**
 * One SQLite database per terminal. Money records: WAL with synchronous=FULL so
 * that a settlement shown as done survives a power cut; foreign keys on; a busy
 * timeout so a second writer (another window, the sync worker) waits instead of
 * failing. Schema changes are numbered migrations (./migrations); a database
 * written by a newer version of the app is refused untouched.
 */
import Database from 'better-sqlite3';
import { DeskError } from '../../../shared/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface OpenOptions {
  readonly?: boolean;
  /** How long a writer waits for another connection's lock (ms). */
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new DeskError(
        'database_too_new',
        '',
        `数据库由更新版本的程序写入（结构版本 ${version}，本程序支持到 ${SCHEMA_VERSION}），为保护数据未作任何改动。请升级程序。`,
        `the database was written by a newer version of the app (schema ${version}, this app knows up to ${SCHEMA_VERSION}); it was left untouched. Upgrade the app.`,
      );
    }
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db, version);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
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
      db.exec(migration.sql);
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
      return run.immediate();
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
