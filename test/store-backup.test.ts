/** Online backup, daily backup and restore on real files; a damaged backup is refused and changes nothing. */
import { readFileSync, readdirSync, writeFileSync, copyFileSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase, dailyBackup, restoreDatabase, verifyDatabaseFile } from '../electron/worker/store/backup.js';
import { openKeyed } from '../electron/worker/store/db.js';
import { DeskError } from '../shared/errors.js';
import { asQuery, dazhouPerson, example1Bill, makeStore } from './store-support.js';

describe('backup and restore', () => {
  it('backs up online while writing, and restores the copy', async () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const kept = s.service.settlements.settle(s.cashier, example1Bill(person_id)).number;
    const backup = await backupDatabase(s.service.db, join(s.dir, 'backups'), s.clock);
    expect(backup.settlements).toBe(1);
    expect(backup.path).toMatch(/desk-20260320-020000\.sqlite$/);
    const lost = s.service.settlements.settle(s.cashier, example1Bill(person_id)).number;
    s.service.db.close();
    const aside = `${s.dbPath}.replaced`;
    expect(restoreDatabase(backup.path, s.dbPath, s.key, { setAside: aside })).toEqual({
      settlements: 1,
      setAside: expect.arrayContaining([aside]) as unknown,
    });
    // The replaced database is kept, with the settlement made after the backup (its WAL checkpointed into it).
    const replaced = openKeyed(aside, s.key, { readonly: true });
    expect(replaced.prepare('SELECT number FROM settlements').pluck().all()).toEqual([kept, lost]);
    replaced.close();
    const restored = s.reopen();
    expect(restored.records.history(s.cashier, asQuery({})).map((r) => r.number)).toEqual([kept]);
    expect(() => restored.records.record(lost)).toThrow(/no settlement/);
    expect(restored.verifyAudit().ok).toBe(true);
  });

  it('makes one daily backup per day', async () => {
    const s = makeStore();
    const folder = join(s.dir, 'daily');
    expect(await dailyBackup(s.service.db, folder, s.clock)).not.toBeNull();
    s.clock.set('2026-03-20T09:00:00Z');
    expect(await dailyBackup(s.service.db, folder, s.clock)).toBeNull();
    s.clock.set('2026-03-21T01:00:00Z');
    expect(await dailyBackup(s.service.db, folder, s.clock)).not.toBeNull();
    expect(readdirSync(folder).filter((f) => f.endsWith('.sqlite'))).toHaveLength(2);
  });

  it("leaves no unfinished copy: its own on success, and a crash's older leftovers are removed", async () => {
    const s = makeStore();
    const folder = join(s.dir, 'backups');
    mkdirSync(folder);
    const old = join(folder, 'desk-20260319-020000.sqlite.partial');
    const current = join(folder, 'desk-20260320-015959.sqlite.partial'); // another process may be writing it
    for (const f of [old, `${old}-journal`, current]) writeFileSync(f, 'unfinished');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const f of [old, `${old}-journal`]) utimesSync(f, twoHoursAgo, twoHoursAgo);
    const backup = await backupDatabase(s.service.db, folder, s.clock);
    expect(readdirSync(folder).sort()).toEqual([backup.path.split('/').pop(), current.split('/').pop()].sort());
  });

  it('refuses a damaged backup and leaves the current database untouched', async () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    for (let i = 0; i < 20; i++) s.service.settlements.settle(s.cashier, example1Bill(person_id));
    const backup = await backupDatabase(s.service.db, join(s.dir, 'backups'), s.clock);
    s.service.db.close();
    const damaged = join(s.dir, 'damaged.sqlite');
    copyFileSync(backup.path, damaged);
    const bytes = readFileSync(damaged);
    bytes.fill(0x5a, 8192, 16384); // scribble over pages in the middle
    writeFileSync(damaged, bytes);
    const truncated = join(s.dir, 'truncated.sqlite');
    writeFileSync(truncated, readFileSync(backup.path).subarray(0, 3000));
    const notDb = join(s.dir, 'notes.sqlite');
    writeFileSync(notDb, '这不是数据库');
    const before = readFileSync(s.dbPath);
    for (const file of [damaged, truncated, notDb]) {
      let code = '';
      try {
        restoreDatabase(file, s.dbPath, s.key, { setAside: `${s.dbPath}.replaced` });
      } catch (e) {
        code = e instanceof DeskError ? e.body.code : String(e);
      }
      expect(code, file).toBe('damaged_backup');
    }
    expect(readFileSync(s.dbPath).equals(before)).toBe(true);
    expect(readdirSync(s.dir).filter((f) => /replaced|restoring/.test(f))).toEqual([]);
    expect(verifyDatabaseFile(backup.path, s.key).settlements).toBe(20);
  });
});
