/**
 * The whole store is encrypted (SQLite3 Multiple Ciphers, SQLCipher format, a raw key derived from the
 * terminal's master key): no personal data in clear in desk.sqlite, its WAL or a backup; a wrong key is a
 * clear refusal; a clear database from an earlier version is encrypted in place at open with every row kept.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { FileKeyProvider } from '../electron/node/keys.js';
import { DeskService } from '../electron/worker/services/desk-service.js';
import { backupDatabase, encryptClearBackups, verifyDatabaseFile } from '../electron/worker/store/backup.js';
import { isClearDatabase, migrate, openDatabase, storeKey, type Db } from '../electron/worker/store/db.js';
import { chainKey, registerChain } from '../electron/worker/store/chain.js';
import { DeskError } from '../shared/errors.js';
import {
  TERMINAL,
  TestClock,
  dazhouPerson,
  example1Bill,
  idNumber,
  makeStore,
  openStoreFile,
} from './store-support.js';

const NAME = '欧阳明珠';
const DIAGNOSIS = '急性坏疽性阑尾炎伴局限性腹膜炎';
const INPATIENT_NO = 'ZY20260302017';
const ID_NUMBER = idNumber(7);

/** Which of the needles appear in clear (UTF-8) in any of the files. */
function clearNeedles(files: readonly string[]): string[] {
  const needles = { name: NAME, diagnosis: DIAGNOSIS, inpatient_no: INPATIENT_NO, id_number: ID_NUMBER };
  const found = new Set<string>();
  for (const file of files) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const [what, text] of Object.entries(needles)) if (bytes.includes(Buffer.from(text, 'utf8'))) found.add(what);
  }
  return [...found].sort();
}

const storeFiles = (dbPath: string) => [dbPath, `${dbPath}-wal`, `${dbPath}-shm`];

/** Records the patient and settles one stay with the diagnosis, as the window would. */
function populate(service: DeskService): string {
  service.operators.create(null, { code: 'sup1', name: '王主管', role: 'supervisor', pin: '246810' });
  const supervisor = service.operators.login({ code: 'sup1', pin: '246810' });
  service.operators.create(supervisor, { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' });
  const cashier = service.operators.login({ code: 'cash1', pin: '135790' });
  const { person_id } = service.persons.record(cashier, dazhouPerson(7, { name: NAME }));
  return service.settlements.settle(
    cashier,
    example1Bill(person_id, { stay: { inpatient_no: INPATIENT_NO, ward: '普外科', bed: '12', diagnosis: DIAGNOSIS } }),
  ).number;
}

/** A store as the app wrote it before encryption: a clear database (no key), WAL, the same schema. */
function clearStore(): { dir: string; dbPath: string; keys: FileKeyProvider; db: Db; number: string } {
  const dir = mkdtempSync(join(tmpdir(), 'desk-clear-'));
  const dbPath = join(dir, 'desk.sqlite');
  const keys = new FileKeyProvider(join(dir, 'key'));
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  registerChain(db, chainKey(keys)); // the chain's triggers (store/chain.ts) call these on every write
  migrate(db, 0);
  const service = new DeskService({
    db,
    keys,
    dataDir: dir,
    terminal: TERMINAL,
    clock: new TestClock(new Date('2026-03-20T02:00:00Z')),
  });
  return { dir, dbPath, keys, db, number: populate(service) };
}

/**
 * Every row of every table, in a stable order: what a conversion must keep. Not chain_checks: each open for
 * writing records its chain check there (store/chain.ts).
 */
function dump(db: Db): Record<string, unknown[]> {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'chain_checks' ORDER BY name",
    )
    .all() as { name: string }[];
  return Object.fromEntries(tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all()]));
}

describe('the store encrypted at rest', () => {
  it('holds no name, diagnosis, inpatient number or identity number in clear in the database or its WAL; a clear store does (positive control)', () => {
    // Positive control: the same scan finds the patient in a store written without the key.
    const clear = clearStore();
    expect(clearNeedles(storeFiles(clear.dbPath))).toEqual(
      expect.arrayContaining(['diagnosis', 'inpatient_no', 'name']),
    );
    clear.db.close();
    expect(clearNeedles(storeFiles(clear.dbPath))).toEqual(
      expect.arrayContaining(['diagnosis', 'inpatient_no', 'name']),
    );

    const s = makeStore();
    const keyed = new DeskService({
      db: s.service.db,
      keys: s.keys,
      dataDir: s.dir,
      terminal: TERMINAL,
      clock: s.clock,
    });
    const { person_id } = keyed.persons.record(s.cashier, dazhouPerson(7, { name: NAME }));
    keyed.settlements.settle(
      s.cashier,
      example1Bill(person_id, {
        stay: { inpatient_no: INPATIENT_NO, ward: '普外科', bed: '12', diagnosis: DIAGNOSIS },
      }),
    );
    expect(existsSync(`${s.dbPath}-wal`)).toBe(true);
    expect(clearNeedles(storeFiles(s.dbPath))).toEqual([]); // WAL not yet checkpointed
    s.service.db.close();
    expect(clearNeedles(storeFiles(s.dbPath))).toEqual([]); // after the checkpoint at close
    expect(readFileSync(s.dbPath).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(isClearDatabase(s.dbPath)).toBe(false);
    // The key opens it, and the data is all there.
    const db = openStoreFile(s.dbPath, { readonly: true });
    expect((db.prepare('SELECT name FROM persons').all() as { name: string }[]).map((p) => p.name)).toContain(NAME);
    db.close();
  });

  it('refuses a wrong key with a clear error (SQLITE_NOTADB), leaving the file untouched', () => {
    const s = makeStore();
    s.service.db.close();
    const before = readFileSync(s.dbPath);
    const other = new FileKeyProvider(join(mkdtempSync(join(tmpdir(), 'desk-otherkey-')), 'key'));
    let error: unknown = null;
    try {
      openDatabase(s.dbPath, other).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeskError);
    expect((error as DeskError).body.code).toBe('database_key_mismatch');
    expect((error as DeskError).body.message).toContain('密钥');
    expect(readFileSync(s.dbPath).equals(before)).toBe(true);
    // The raw library says the same thing: not a database.
    const raw = new Database(s.dbPath, { readonly: true });
    expect(() => raw.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(
      expect.objectContaining({ code: 'SQLITE_NOTADB' }),
    );
    raw.close();
  });

  it('encrypts a clear database from an earlier version at open, keeping every row, and its clear backups', async () => {
    const clear = clearStore();
    // A backup as the earlier version made it (SQLite's online backup API, clear).
    const backups = join(clear.dir, 'backups');
    mkdirSync(backups);
    await clear.db.backup(join(backups, 'desk-T01-20260319-020000.sqlite'));
    const rows = dump(clear.db);
    clear.db.close();
    expect(isClearDatabase(clear.dbPath)).toBe(true);

    const db = openDatabase(clear.dbPath, clear.keys);
    expect(dump(db)).toEqual(rows);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const service = new DeskService({ db, keys: clear.keys, dataDir: clear.dir, terminal: TERMINAL });
    expect(service.records.record(clear.number).number).toBe(clear.number);
    db.close();
    expect(isClearDatabase(clear.dbPath)).toBe(false);
    expect(clearNeedles(storeFiles(clear.dbPath))).toEqual([]);
    // Opening again is an ordinary keyed open (nothing converted twice).
    openDatabase(clear.dbPath, clear.keys).close();

    const key = storeKey(clear.keys);
    const converted = encryptClearBackups(backups, key);
    expect(converted.removed).toEqual([]);
    expect(converted.encrypted).toHaveLength(1);
    expect(verifyDatabaseFile(converted.encrypted[0]!, key).settlements).toBe(1);
    expect(clearNeedles(readdirSync(backups).map((f) => join(backups, f)))).toEqual([]);
  });

  it('backs up with VACUUM INTO: one encrypted file that opens with the key only', async () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson(7, { name: NAME }));
    s.service.settlements.settle(
      s.cashier,
      example1Bill(person_id, { stay: { inpatient_no: INPATIENT_NO, ward: '', bed: '', diagnosis: DIAGNOSIS } }),
    );
    const folder = join(s.dir, 'backups');
    const backup = await backupDatabase(s.service.db, folder, s.clock);
    expect(readdirSync(folder)).toEqual([backup.path.slice(folder.length + 1)]); // no -wal, -shm or .partial
    expect(clearNeedles([backup.path])).toEqual([]);
    const copy = openStoreFile(backup.path, { readonly: true, keyFile: join(s.dir, 'key') });
    expect((copy.prepare('SELECT count(*) AS n FROM settlements').get() as { n: number }).n).toBe(1);
    copy.close();
    const other = storeKey(new FileKeyProvider(join(mkdtempSync(join(tmpdir(), 'desk-otherkey-')), 'key')));
    expect(() => verifyDatabaseFile(backup.path, other)).toThrow(
      expect.objectContaining({ body: expect.objectContaining({ code: 'damaged_backup' }) }),
    );
  });
});
