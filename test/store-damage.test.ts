/**
 * A store file damaged on disk (issue 15), on real files: bytes flipped in a data page of the settlements table
 * and in page 1 (the schema page). SQLCipher authenticates every page it reads, so the damage shows as an error
 * where the page is read, never as wrong data; the backup's check reads every page, so a damaged store makes
 * no "verified" backup, leaves nothing behind, and the good backup before it stays.
 */
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase, restoreDatabase, verifyDatabaseFile } from '../electron/worker/store/backup.js';
import { openDatabase } from '../electron/worker/store/db.js';
import { runValidated, type Handlers } from '../electron/node/dispatch.js';
import { DeskError } from '../shared/errors.js';
import { dazhouPerson, example1Bill, makeStore, openStoreFile, type TestStore } from './store-support.js';

const PAGE = 4096;

/** XORs `count` bytes of page `page` (1-based) from `offset` in the page: an encrypted page fails its HMAC. */
function flip(path: string, page: number, offset: number, count = 64): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < count; i++) bytes[(page - 1) * PAGE + offset + i]! ^= 0xa5;
  writeFileSync(path, bytes);
}

/** A leaf page of a table, from the middle of its pages (dbstat: every b-tree page and what it belongs to). */
function leafPageOf(path: string, table: string): number {
  const db = openStoreFile(path, { readonly: true });
  try {
    const pages = db
      .prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno")
      .pluck()
      .all(table) as number[];
    expect(pages.length).toBeGreaterThan(2);
    return pages[Math.floor(pages.length / 2)]!;
  } finally {
    db.close();
  }
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof DeskError ? e.body.code : String((e as { code?: unknown }).code ?? e);
  }
};

/** A store with enough settlements for the table to span many pages, a good backup, and the store closed. */
async function storeWithBackup(): Promise<{ s: TestStore; numbers: string[]; good: string; folder: string }> {
  const s = makeStore();
  const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
  const numbers: string[] = [];
  for (let i = 0; i < 60; i++) numbers.push(s.service.settlements.settle(s.cashier, example1Bill(person_id)).number);
  const folder = join(s.dir, 'backups');
  const good = (await backupDatabase(s.service.db, folder, s.clock)).path;
  s.service.db.close(); // the last connection checkpoints the WAL: every page is in desk.sqlite now
  return { s, numbers, good, folder };
}

describe('a damaged store file', () => {
  it('a flipped data page: the rows on it fail to read, the backup refuses it and leaves no file behind', async () => {
    const { s, numbers, good, folder } = await storeWithBackup();
    flip(s.dbPath, leafPageOf(s.dbPath, 'settlements'), 1000);

    const service = s.reopen();
    // Every record either reads whole or fails as damaged: never silently wrong, never missing without an error.
    const outcomes = numbers.map((n) => codeOf(() => service.records.record(n)));
    const damaged = outcomes.filter((o) => o === 'SQLITE_CORRUPT');
    expect(damaged.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o !== 'SQLITE_CORRUPT' && o !== 'no error')).toEqual([]);
    expect(service.db.pragma('integrity_check', { simple: true })).not.toBe('ok');

    // At the window, the read is refused with the damage named (dispatch maps it once, for every channel).
    const handlers = {
      'settlement.get': () => service.records.record(numbers[outcomes.indexOf('SQLITE_CORRUPT')]!),
    } as unknown as Handlers;
    const answer = await runValidated(handlers, 'settlement.get', {}, { clientId: 'w' }, () => undefined);
    expect(answer).toMatchObject({ ok: false, error: { code: 'database_damaged' } });
    expect(!answer.ok && answer.error.message).toMatch(/^数据库文件已损坏/);

    // The backup of the damaged store fails (the copy cannot read the page), and the folder keeps the good one only.
    s.clock.set('2026-03-21T02:00:00Z');
    await expect(backupDatabase(service.db, folder, s.clock)).rejects.toMatchObject({ code: 'SQLITE_CORRUPT' });
    expect(readdirSync(folder)).toEqual([good.split('/').pop()]);
    expect(verifyDatabaseFile(good, s.key).settlements).toBe(60);
    service.db.close();
  });

  it('the backup check reads every page: a flipped table, index or last page in a copy is refused', async () => {
    const { s, good } = await storeWithBackup();
    const db = openStoreFile(good, { readonly: true, keyFile: join(s.dir, 'key') });
    const pages = db.prepare('SELECT name, pageno, pagetype FROM dbstat ORDER BY pageno').all() as {
      name: string;
      pageno: number;
      pagetype: string;
    }[];
    db.close();
    const targets = [
      pages.find((p) => p.name === 'settlements' && p.pagetype === 'leaf')!,
      pages.find((p) => p.name === 'settlements_settled_at' && p.pagetype === 'leaf')!,
      pages[pages.length - 1]!,
    ];
    for (const target of targets) {
      const copy = join(s.dir, `copy-${target.pageno}.sqlite`);
      copyFileSync(good, copy);
      flip(copy, target.pageno, 500);
      let error: DeskError | null = null;
      try {
        verifyDatabaseFile(copy, s.key);
      } catch (e) {
        error = e as DeskError;
      }
      expect(error?.body, `${target.name} ${target.pagetype} page ${target.pageno}`).toMatchObject({
        code: 'damaged_backup',
      });
      expect(error?.body.message).toMatch(/页面校验失败|完整性检查未通过/);
      expect(() =>
        restoreDatabase(copy, join(s.dir, 'restored.sqlite'), s.key, { setAside: join(s.dir, 'aside.sqlite') }),
      ).toThrow(/not usable/);
    }
    // The check leaves nothing beside the files it read.
    expect(readdirSync(s.dir).filter((f) => /-(wal|shm|journal)$|partial|\.tmp$/.test(f))).toEqual([]);
  });

  it('a flipped schema page (page 1, past the salt): the store does not open, and a backup of it is refused', async () => {
    const { s, good } = await storeWithBackup();
    // SQLCipher's page 1 begins with the 16-byte salt in clear; the rest (the schema b-tree) is encrypted.
    flip(s.dbPath, 1, 200);
    expect(() => openDatabase(s.dbPath, s.keys)).toThrow(DeskError);
    expect(codeOf(() => openDatabase(s.dbPath, s.keys))).toBe('database_key_mismatch');
    expect(() => openStoreFile(s.dbPath)).toThrow();

    const copy = join(s.dir, 'schema-damaged.sqlite');
    copyFileSync(good, copy);
    flip(copy, 1, 200);
    expect(codeOf(() => verifyDatabaseFile(copy, s.key))).toBe('damaged_backup');
    // A short copy (a torn write) is refused before any page is trusted.
    const short = join(s.dir, 'short.sqlite');
    writeFileSync(short, readFileSync(good).subarray(0, PAGE * 3));
    expect(codeOf(() => verifyDatabaseFile(short, s.key))).toBe('damaged_backup');
  });

  it('a copy with the right key but not our schema is refused', async () => {
    const { s, good } = await storeWithBackup();
    const copy = join(s.dir, 'altered.sqlite');
    copyFileSync(good, copy);
    const db = openStoreFile(copy);
    db.exec('ALTER TABLE settlements ADD COLUMN note TEXT');
    db.close();
    expect(() => verifyDatabaseFile(copy, s.key)).toThrow(/columns of settlements differ/);
    const other = join(s.dir, 'other.sqlite');
    copyFileSync(good, other);
    const db2 = openStoreFile(other);
    db2.exec('CREATE TABLE notes (x TEXT)');
    db2.close();
    expect(() => verifyDatabaseFile(other, s.key)).toThrow(/unknown tables notes/);
  });
});
