/**
 * Issue 16, items 2, 3 and 6: the anchors outside the data folder (electron/worker/store/anchors.ts), on real
 * files. A store older than its anchor is refused at start (an older backup copied over it, the whole data folder
 * put back, its chain dropped and its version set back, its newest rows cut off with the chain's tail), in both
 * languages, with what IT does; the anchor file cannot be edited; a restore IT confirms continues numbering after
 * the highest number ever issued and is chained; a backup whose chain does not verify, or of another store, is
 * not restored.
 */
import { cpSync, existsSync, mkdirSync, symlinkSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_WORKER_ENTRY } from '../electron/host/dev-worker-entry.js';
import { startServices } from '../electron/node/services-client.js';
import {
  AnchorFile,
  anchorFileFor,
  anchorOf as anchorOfStore,
  canonicalPath,
} from '../electron/worker/store/anchors.js';
import { backupDatabase } from '../electron/worker/store/backup.js';
import { chainHead, verifyChain } from '../electron/worker/store/chain.js';
import { closeDatabase, openDatabase, type Db } from '../electron/worker/store/db.js';
import { applyRestore, planRestore, type RestorePlan } from '../electron/worker/store/restore.js';
import type { DeskService } from '../electron/worker/services/desk-service.js';
import {
  dazhouPerson,
  example1Bill,
  makeStore,
  openStoreFile,
  refusal,
  withTriggersDropped,
  type TestStore,
} from './store-support.js';
import { testPlatform } from './test-platform.js';

/** A terminal (key outside the data folder) with `n` settlements on 2026-03-20; its person's id. */
function terminal(n: number): { s: TestStore; person: number } {
  const s = makeStore('2026-03-20T02:00:00Z', { keyOutside: true });
  const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
  settle(s, person_id, n);
  return { s, person: person_id };
}

/** `n` settlements of example 1 by the cashier, on the store's first service or on `service` (a reopened one). */
function settle(s: TestStore, person: number, n: number, service: DeskService = s.service): string[] {
  return Array.from({ length: n }, () => service.settlements.settle(s.cashier, example1Bill(person)).number);
}

const chainMacAt = (db: Db, seq: number) =>
  (db.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(seq) as Buffer).toString('hex');

const count = (db: Db, sql: string) => db.prepare(sql).pluck().get() as number;

/** The store's anchor file as the terminal keeps it. */
const anchorOf = (s: TestStore) => anchorFileFor(s.keys, s.dbPath)!;

/** Copies `from` over the store file, its -wal and -shm removed (what someone with the folder does). */
function copyOver(from: string, to: string): void {
  for (const side of ['-wal', '-shm']) rmSync(`${to}${side}`, { force: true });
  cpSync(from, to);
}

function restorePlan(s: TestStore, from: string): RestorePlan {
  const plan = planRestore({ dataDir: s.dir, from, yes: true }, s.keys);
  if ('exit' in plan) throw new Error(plan.message);
  return plan;
}

describe('a store behind its anchor is refused at start', () => {
  it('an older backup copied over the database: refused in both languages, the services worker says so; restoring it continues the numbers', async () => {
    const { s, person } = terminal(2);
    const backup = (await backupDatabase(s.service.db, join(s.dir, 'backups'), s.clock)).path;
    settle(s, person, 3); // S…-000003 to -000005 exist only in the live store
    const head = chainHead(s.service.db).seq;
    closeDatabase(s.service.db);
    expect(anchorOf(s).read()).toMatchObject({ seq: head, sequences: { 'S:2026-03-20': 5 } });
    // The anchor is beside the key, not in the data folder.
    expect(readdirSync(s.dir).some((f) => f.includes('anchor'))).toBe(false);

    copyOver(backup, s.dbPath);
    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message).toContain('比本机记录的旧，拒绝打开');
    expect(refused.message).toContain(`而本机在`);
    expect(refused.message_en).toMatch(
      new RegExp(`chain ends at entry \\d+, while this terminal recorded entry ${head}`),
    );
    expect(refused.message_en).toContain("restore the latest backup with the restore command (README, 'Restore (IT)')");

    // As the browser host and the Electron app start it: the worker's failure says it in both languages.
    const started = startServices({
      entry: DEV_WORKER_ENTRY,
      dataDir: s.dir,
      platform: testPlatform(s.dir, { keys: s.keys }),
      backups: false,
      log: () => {},
    });
    await expect(started).rejects.toThrow(/比本机记录的旧[\s\S]*older than this terminal's record/);

    // IT restores that backup on purpose: numbering continues after -000005, and the restore is chained.
    const plan = restorePlan(s, backup);
    expect(plan.summary).toContain('单号将接着本机开出过的最大号继续');
    const done = applyRestore(plan, s.keys);
    expect(done, done.message).toMatchObject({ exit: 0 });
    expect(done.message).toContain('S:2026-03-20 2 → 5');
    const app = s.reopen();
    expect(settle(s, person, 1, app)).toEqual(['T01-S20260320-000006']);
    const entry = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'store.restore'").pluck().get() as string;
    expect(JSON.parse(entry)).toMatchObject({
      anchor: { seq: head },
      numbering_continued: { 'S:2026-03-20': { was: 2, now: 5 } },
    });
    expect(verifyChain(app.db, 'full').ok).toBe(true);
    expect(count(app.db, 'SELECT count(*) FROM settlements')).toBe(3);
    closeDatabase(app.db);
    expect(anchorOf(s).read()!.sequences['S:2026-03-20']).toBe(6);
  });

  it('the whole data folder put back from an earlier copy (the key and its anchor outside it): refused', () => {
    const { s, person } = terminal(2);
    closeDatabase(s.service.db);
    const copy = `${s.dir}-copy`;
    cpSync(s.dir, copy, { recursive: true });
    const app = s.reopen();
    settle(s, person, 2, app);
    closeDatabase(app.db);
    rmSync(s.dir, { recursive: true });
    cpSync(copy, s.dir, { recursive: true });
    expect(refusal(() => s.reopen()).code).toBe('database_behind_anchor');
  });

  it('the chain dropped and the schema version set back to 12 (so a migration would chain the edited rows afresh): refused before any migration', () => {
    const { s } = terminal(2);
    closeDatabase(s.service.db);
    const raw = openStoreFile(s.dbPath, { keyFile: s.keyFile });
    const triggers = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
      sql: string;
    }[];
    for (const t of triggers) raw.exec(`DROP TRIGGER "${t.name}"`);
    raw.exec('DROP TABLE chain_entries; DROP TABLE chain_checks; DROP TABLE store_identity;');
    raw.exec("UPDATE settlements SET psn_cash_pay = '0.00'");
    // The app's own triggers back (a settlement's immutability…), the chain's gone: as schema 12 had it.
    for (const t of triggers) if (!t.name.startsWith('chain_')) raw.exec(t.sql);
    raw.pragma('user_version = 12');
    raw.close();

    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message_en).toContain('the database has no chain');
    // Refused before migrating: the file is as the attacker left it, for IT to look at.
    const after = openStoreFile(s.dbPath, { keyFile: s.keyFile, readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(12);
    after.close();
  });

  it('the newest rows cut off in place together with the chain’s tail (every table as it was before them): refused', () => {
    const { s, person } = terminal(2);
    closeDatabase(s.service.db);
    const snapshot = join(s.dir, 'earlier.sqlite');
    const raw = openStoreFile(s.dbPath, { keyFile: s.keyFile });
    raw.prepare('VACUUM INTO ?').run(snapshot);
    raw.close();
    const app = s.reopen();
    settle(s, person, 2, app);
    closeDatabase(app.db);

    // Every table of the file put back to the earlier content, in place (the same file, its key check intact).
    const cut = openStoreFile(s.dbPath, { keyFile: s.keyFile });
    cut.pragma('foreign_keys = OFF');
    cut.prepare('ATTACH DATABASE ? AS earlier').run(snapshot);
    const triggers = cut.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
      sql: string;
    }[];
    for (const t of triggers) cut.exec(`DROP TRIGGER "${t.name}"`);
    const tables = cut
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const t of tables) {
      const cols = (cut.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(t) as string[])
        .map((c) => `"${c}"`)
        .join(', ');
      cut.exec(`DELETE FROM main."${t}"; INSERT INTO main."${t}" (${cols}) SELECT ${cols} FROM earlier."${t}";`);
    }
    for (const t of triggers) cut.exec(t.sql);
    cut.exec('DETACH DATABASE earlier');
    expect(count(cut, 'SELECT count(*) FROM settlements')).toBe(2);
    cut.close();

    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message_en).toContain('its newest records were cut off with the chain');
  });

  it('a store deleted and started afresh (numbers from 1 again): refused', () => {
    const { s } = terminal(1);
    closeDatabase(s.service.db);
    for (const f of readdirSync(s.dir)) if (f.startsWith('desk.sqlite')) rmSync(join(s.dir, f));
    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message_en).toContain('move the anchor file');
  });
});

describe('what the anchor keeps', () => {
  it('an older copy under the current chain tail (chain, checks and numbers transplanted): refused by the rows it cannot have', async () => {
    const { s, person } = terminal(2);
    const backup = (await backupDatabase(s.service.db, join(s.dir, 'backups'), s.clock)).path;
    settle(s, person, 3);
    closeDatabase(s.service.db);
    const current = join(s.dir, 'current.sqlite');
    cpSync(s.dbPath, current);
    copyOver(backup, s.dbPath);
    const raw = openStoreFile(s.dbPath, { keyFile: s.keyFile });
    raw.pragma('foreign_keys = OFF');
    raw.prepare('ATTACH DATABASE ? AS now').run(current);
    for (const t of ['chain_entries_kept', 'chain_entries_immutable']) raw.exec(`DROP TRIGGER ${t}`);
    for (const t of raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sequences'")
      .pluck()
      .all() as string[])
      raw.exec(`DROP TRIGGER "${t}"`);
    raw.exec(`DELETE FROM chain_entries; INSERT INTO chain_entries (seq, tbl, op, row_id, seal) SELECT seq, tbl, op, row_id, seal FROM now.chain_entries;
      DELETE FROM chain_checks; INSERT INTO chain_checks SELECT * FROM now.chain_checks;
      DELETE FROM sequences; INSERT INTO sequences SELECT * FROM now.sequences;`);
    raw.close();
    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message_en).toMatch(
      /the database's (settlements|audit_log) ends at row \d+, while this terminal recorded row/,
    );
  });

  it('a store whose chain check failed is not anchored (what was changed does not become the record) and sends no anchor', () => {
    const { s } = terminal(2);
    closeDatabase(s.service.db);
    const before = anchorOf(s).read()!;
    const raw = openStoreFile(s.dbPath, { keyFile: s.keyFile });
    withTriggersDropped(raw, 'settlements', () =>
      raw.exec("UPDATE settlements SET psn_cash_pay = '0.00' WHERE id = 1"),
    );
    raw.close();
    const app = s.reopen();
    expect(verifyChain(app.db, 'start').ok).toBe(false);
    closeDatabase(app.db);
    expect(anchorOf(s).read()).toEqual(before);
  });

  it('after a restore, the marks of the discarded history go, so later backups of the restored store verify', () => {
    const { s } = terminal(1);
    const head = chainHead(s.service.db);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    // A mark past the restored head (the discarded history's), and one of the shared past.
    const previous = {
      seq: head.seq + 50,
      mac: 'cd'.repeat(32),
      sequences: {},
      rows: { settlements: 1, audit_log: 1 },
      marks: [
        { date: '2026-01-01', seq: 1, mac: chainMacAt(s.service.db, 1) },
        { date: yesterday, seq: head.seq + 40, mac: 'ef'.repeat(32) },
      ],
      at: new Date().toISOString(),
    };
    const kept = anchorOfStore(s.service.db, previous, new Date(), true);
    expect(kept.marks.map((m) => m.seq)).toEqual([1, head.seq]);
    // Without the restore, the stale mark would stay and no new one is made above it.
    expect(anchorOfStore(s.service.db, previous, new Date()).marks.map((m) => m.seq)).toEqual([1, head.seq + 40]);
    closeDatabase(s.service.db);
  });

  it('finds the same anchor however the folder is spelled (a symlink, `..`)', () => {
    const { s } = terminal(1);
    closeDatabase(s.service.db);
    const link = `${s.dir}-link`;
    symlinkSync(s.dir, link);
    expect(canonicalPath(join(link, 'desk.sqlite'))).toBe(canonicalPath(s.dbPath));
    expect(canonicalPath(join(s.dir, '..', s.dir.split('/').pop()!, 'desk.sqlite'))).toBe(canonicalPath(s.dbPath));
    expect(canonicalPath('C:\\ProgramData\\DischargeDesk\\desk.sqlite', 'win32')).toBe(
      canonicalPath('c:\\programdata\\dischargedesk\\desk.sqlite', 'win32'),
    );
    expect(anchorFileFor(s.keys, join(link, 'desk.sqlite'))!.path).toBe(anchorOf(s).path);
  });
});

describe('the anchor file', () => {
  it('edited (its head moved back) or replaced by another key’s: anchor_invalid, naming the file; nothing is opened', () => {
    const { s } = terminal(1);
    closeDatabase(s.service.db);
    const path = anchorOf(s).path;
    const original = readFileSync(path, 'utf8');
    const file = JSON.parse(original) as { anchor: string };
    const state = JSON.parse(file.anchor) as { seq: number };
    writeFileSync(path, JSON.stringify({ ...file, anchor: JSON.stringify({ ...state, seq: 1 }) }));
    const refused = refusal(() => s.reopen());
    expect(refused.code).toBe('anchor_invalid');
    expect(refused.message_en).toContain(path);
    // One tagged under another key does not verify either.
    new AnchorFile(`${s.keyFile}.anchors`, Buffer.alloc(32, 7), s.dbPath).write(JSON.parse(file.anchor));
    expect(refusal(() => s.reopen()).code).toBe('anchor_invalid');
    writeFileSync(path, original);
    closeDatabase(s.reopen().db);
  });

  it('is rewritten after commits (coalesced) and holds only numbers, the chain head and marks: no patient data', async () => {
    const { s, person } = terminal(1);
    settle(s, person, 2);
    // Written shortly after the commits: waited for, not slept on.
    await expect.poll(() => anchorOf(s).read()!.seq).toBe(chainHead(s.service.db).seq);
    const kept = anchorOf(s).read()!;
    expect(kept.sequences).toEqual({ 'S:2026-03-20': 3 });
    const text = readFileSync(anchorOf(s).path, 'utf8');
    expect(text).not.toContain(dazhouPerson().id_number);
    expect(text).not.toContain(dazhouPerson().name);
    closeDatabase(s.service.db);
  });
});

describe('restore checks the backup’s chain and its place in this terminal’s history', () => {
  it('refuses a backup whose row was edited around its triggers, and a backup of another store under the same key', async () => {
    const { s } = terminal(2);
    const backup = (await backupDatabase(s.service.db, join(s.dir, 'backups'), s.clock)).path;
    closeDatabase(s.service.db);

    const edited = join(s.dir, 'edited.sqlite');
    cpSync(backup, edited);
    const raw = openStoreFile(edited, { keyFile: s.keyFile });
    withTriggersDropped(raw, 'settlements', () =>
      raw.exec("UPDATE settlements SET psn_cash_pay = '0.00' WHERE id = 1"),
    );
    raw.close();
    const badChain = planRestore({ dataDir: s.dir, from: edited, yes: true }, s.keys);
    expect(badChain).toMatchObject({ exit: 1 });
    expect((badChain as { message: string }).message).toContain(
      'its chain does not verify (settlements row 1 was edited',
    );

    // Another store under the same key (a second data folder of the same terminal key): its chain is not this one's.
    const otherDir = `${s.dir}-other`;
    mkdirSync(otherDir);
    const other = openDatabase(join(otherDir, 'desk.sqlite'), s.keys);
    const foreign = (await backupDatabase(other, join(otherDir, 'backups'), s.clock)).path;
    closeDatabase(other);
    const notOurs = planRestore({ dataDir: s.dir, from: foreign, yes: true }, s.keys);
    expect(notOurs).toMatchObject({ exit: 1 });
    expect((notOurs as { message: string }).message).toContain("it is not a backup of this terminal's database");

    // The genuine backup passes.
    expect(existsSync(restorePlan(s, backup).dbPath)).toBe(true);
  });
});
