/**
 * Restore for IT (issue 16, item 4), on real files: a store whose schema page (page 1) is damaged does not start,
 * and the failure says so, names the newest backup that verifies and the command that restores it; a damaged page
 * 1 and a wrong key (the same SQLITE_NOTADB) are told apart by the key check value kept beside the database; `desk
 * restore` verifies the backup, keeps the current database aside, restores and records it, and refuses a damaged
 * backup, a missing key and a database the app has open; `desk backups` lists what verifies.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEV_WORKER_ENTRY } from '../electron/host/dev-worker-entry.js';
import { checkKey, keyCheckPath, recordKeyCheck } from '../electron/node/key-check.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { restoreInWorker } from '../electron/node/restore-args.js';
import { startServices } from '../electron/node/services-client.js';
import { backupDatabase, listBackups, newestGoodBackup, verifyDatabaseFile } from '../electron/worker/store/backup.js';
import { openDatabase, openKeyed, storeKey, type Db } from '../electron/worker/store/db.js';
import { applyRestore, planRestore, type RestorePlan } from '../electron/worker/store/restore.js';
import {
  diagnoseUnopenable,
  restoreCommand,
  unreadableDatabaseMessage,
} from '../electron/worker/store/startup-diagnosis.js';
import { DeskError } from '../shared/errors.js';
import { dazhouPerson, example1Bill, makeStore, openStoreFile, type TestStore } from './store-support.js';
import { testPlatform } from './test-platform.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGE = 4096;

/** XORs `count` bytes of page `page` (1-based) from `offset` in the page (as test/store-damage.test.ts). */
function flip(path: string, page: number, offset: number, count = 64): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < count; i++) bytes[(page - 1) * PAGE + offset + i]! ^= 0xa5;
  writeFileSync(path, bytes);
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const failure = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
};

interface Terminal {
  s: TestStore;
  /** Oldest first: 2, 5 and 9 settlements. */
  backups: string[];
}

/**
 * A store with three backups a day apart (2, 5, then 9 settlements), its key check value recorded (as the
 * services worker does once the store is open), closed.
 */
async function terminalWithBackups(): Promise<Terminal> {
  const s = makeStore();
  const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
  const folder = join(s.dir, 'backups');
  const backups: string[] = [];
  for (const [day, upTo] of [
    ['2026-03-20', 2],
    ['2026-03-21', 5],
    ['2026-03-22', 9],
  ] as const) {
    while ((s.service.db.prepare('SELECT count(*) FROM settlements').pluck().get() as number) < upTo)
      s.service.settlements.settle(s.cashier, example1Bill(person_id));
    s.clock.set(`${day}T09:00:00Z`);
    backups.push((await backupDatabase(s.service.db, folder, s.clock)).path);
  }
  s.service.settlements.settle(s.cashier, example1Bill(person_id)); // 10 in the store itself
  s.service.db.close();
  recordKeyCheck(s.dbPath, s.key);
  return { s, backups };
}

const desk = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/desk.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });

describe('a store that cannot be read at start', () => {
  it('a damaged schema page: the failure names the newest backup that verifies and the command to restore it', async () => {
    const { s, backups } = await terminalWithBackups();
    flip(s.dbPath, 1, 200); // page 1 past the 16-byte salt: the schema b-tree
    flip(backups[2]!, 3, 500); // and the newest backup is damaged too: the one before it is named
    expect(listBackups(join(s.dir, 'backups'))).toEqual([...backups].reverse());

    // As the services worker does with openDeskApp's error.
    const error = failure(() => openDatabase(s.dbPath, s.keys));
    const message = unreadableDatabaseMessage(s.dir, s.keys, error);
    expect(message).toContain('无法读取：文件已损坏（密钥无误）');
    expect(message).toContain('the file is damaged (the key is right');
    expect(message).toContain(`最新一份通过校验的备份：${backups[1]}（5 笔结算）（更新的 1 份备份未通过校验）`);
    expect(message).toContain(`npm run -s desk -- restore --data ${s.dir} --from ${backups[1]}`);
    expect(restoreCommand('/data/desk 1', backups[1]!)).toBe(
      `npm run -s desk -- restore --data "/data/desk 1" --from ${backups[1]}`,
    );
    // The Electron app's key is under the OS keychain (key.bin), which the CLI cannot read: the app restores.
    expect(unreadableDatabaseMessage(s.dir, s.keys, error, { source: 'keychain' })).toContain(
      `DischargeDesk --restore --data ${s.dir} --from ${backups[1]} --yes`,
    );
    // Another failure (config.json, a newer schema) is not this one.
    expect(unreadableDatabaseMessage(s.dir, s.keys, new Error('config.json: not valid JSON'))).toBeNull();

    // The real services worker, as the browser host and the Electron app start it: its 'failed' message is this.
    const started = startServices({
      entry: DEV_WORKER_ENTRY,
      dataDir: s.dir,
      platform: testPlatform(s.dir, { keys: s.keys }),
      backups: false,
      log: () => undefined,
    });
    await expect(started).rejects.toThrow(/无法读取：文件已损坏/);
    const shown = await started.catch((e: unknown) => (e as Error).message);
    expect(shown).toContain(`--from ${backups[1]}`);
    expect(shown).toContain('The newest backup that verifies');
  });

  it('a damaged first page and a wrong key (the same SQLITE_NOTADB) are told apart by the key check value', async () => {
    const { s, backups } = await terminalWithBackups();
    const otherKeys = new FileKeyProvider(join(s.dir, 'other-key'));
    const wrong = storeKey(otherKeys);
    expect(readFileSync(keyCheckPath(s.dbPath), 'utf8')).not.toContain(s.key.toString('hex'));
    expect(checkKey(s.dbPath, s.key)).toBe('match');
    expect(checkKey(s.dbPath, wrong)).toBe('mismatch');

    // The intact store with another key.
    const wrongKeyError = failure(() => openDatabase(s.dbPath, otherKeys));
    expect(diagnoseUnopenable(s.dbPath, wrong)).toEqual({ cause: 'wrong_key' });
    const wrongKeyMessage = unreadableDatabaseMessage(s.dir, otherKeys, wrongKeyError)!;
    expect(wrongKeyMessage).toContain('本机密钥不是这个数据库的密钥');
    expect(wrongKeyMessage).toContain('Restoring a backup would not help');
    expect(wrongKeyMessage).not.toContain('restore --data');
    expect(diagnoseUnopenable(s.dbPath, s.key)).toEqual({ cause: 'opens' });

    // The damaged store with its own key: the same error, another diagnosis.
    flip(s.dbPath, 1, 200);
    const damagedError = failure(() => openDatabase(s.dbPath, s.keys));
    expect((damagedError as DeskError).body.code).toBe('database_key_mismatch');
    expect((wrongKeyError as DeskError).body.code).toBe('database_key_mismatch');
    expect(diagnoseUnopenable(s.dbPath, s.key)).toMatchObject({ cause: 'damaged' });
    expect(diagnoseUnopenable(s.dbPath, wrong)).toEqual({ cause: 'wrong_key' });

    // Without a check value both are possible, and the message says so, unless a backup verifies under the key.
    rmSync(keyCheckPath(s.dbPath));
    expect(diagnoseUnopenable(s.dbPath, s.key)).toEqual({ cause: 'damaged_or_wrong_key' });
    expect(unreadableDatabaseMessage(s.dir, otherKeys, damagedError)).toContain('无法区分');
    // A backup that opens with the key proves the key: the store file is what is damaged.
    expect(unreadableDatabaseMessage(s.dir, s.keys, damagedError)).toContain(`--from ${backups[2]}`);
    expect(unreadableDatabaseMessage(s.dir, s.keys, damagedError)).toContain('文件已损坏（密钥无误）');
  });
});

describe('desk restore and desk backups (IT)', () => {
  it('restores a verified backup: its data, the old database kept aside, the restore in the audit log', async () => {
    const { s, backups } = await terminalWithBackups();
    flip(s.dbPath, 1, 200);
    const damagedSha = sha(s.dbPath);
    const env = { DESK_KEY_FILE: join(s.dir, 'key') };

    const listed = desk(['backups', '--data', s.dir], env);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`verified yes  ${backups[2]}  (schema`);
    expect(listed.stdout).toContain(`newest that verifies: ${backups[2]}`);

    // Without a terminal to confirm in, --yes is required: nothing changes.
    const unconfirmed = desk(['restore', '--data', s.dir, '--from', backups[1]!], env);
    expect(unconfirmed.status).toBe(2);
    expect(sha(s.dbPath)).toBe(damagedSha);

    const done = desk(['restore', '--data', s.dir, '--from', backups[1]!, '--yes'], env);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain('当前数据库');
    expect(done.stdout).toContain('store.restore');

    // The data is the backup's; the damaged database is kept, byte for byte, under its new name.
    const aside = readdirSync(s.dir).filter((f) => /^desk\.sqlite\.replaced-\d{8}-\d{6}$/.test(f));
    expect(aside).toHaveLength(1);
    expect(sha(join(s.dir, aside[0]!))).toBe(damagedSha);
    expect(readdirSync(s.dir).filter((f) => f.endsWith('.restoring'))).toEqual([]);
    const db = openStoreFile(s.dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(5);
      const entry = db
        .prepare("SELECT operator_id, entity_id, detail FROM audit_log WHERE action = 'store.restore'")
        .get() as { operator_id: number | null; entity_id: string; detail: string };
      expect(entry.operator_id).toBeNull();
      expect(entry.entity_id).toBe(backups[1]!.split('/').pop());
      expect(JSON.parse(entry.detail)).toMatchObject({
        from: backups[1],
        sha256: sha(backups[1]!),
        replaced: 'damaged',
        set_aside: [join(s.dir, aside[0]!)],
        who: expect.stringContaining('@'),
      });
    } finally {
      db.close();
    }
    // The app opens it (the key check still matches), and the restore is in the audit log it shows.
    expect(checkKey(s.dbPath, s.key)).toBe('match');
    const reopened = s.reopen();
    expect(reopened.db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(5);
    reopened.db.close();
  });

  it('DischargeDesk --restore: the same restore in the services worker, with the key the app read', async () => {
    const { s, backups } = await terminalWithBackups();
    flip(s.dbPath, 1, 200);
    const damagedSha = sha(s.dbPath);
    const masterKey = new Uint8Array(s.keys.masterKey());
    const args = { dataDir: s.dir, from: backups[0]!, yes: false };

    // No terminal to confirm in: without --yes it says what it would do and changes nothing.
    const asked = await restoreInWorker(DEV_WORKER_ENTRY, args, { masterKey });
    expect(asked.exit).toBe(2);
    expect(asked.message).toContain('add --yes');
    expect(sha(s.dbPath)).toBe(damagedSha);

    const done = await restoreInWorker(DEV_WORKER_ENTRY, { ...args, yes: true }, { masterKey });
    expect(done, done.message).toMatchObject({ exit: 0 });
    const db = openStoreFile(s.dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(2);
      expect(db.prepare("SELECT count(*) FROM audit_log WHERE action = 'store.restore'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    const wrong = await restoreInWorker(
      DEV_WORKER_ENTRY,
      { ...args, yes: true },
      { masterKey: new Uint8Array(32).fill(9) },
    );
    expect(wrong.exit).toBe(1);
  });

  it('refuses a backup that fails verification (exit 1), a missing key (exit 2), a database the app has open', async () => {
    const { s, backups } = await terminalWithBackups();
    const env = { DESK_KEY_FILE: join(s.dir, 'key') };
    const damaged = join(s.dir, 'backups', 'desk-20260323-090000.sqlite');
    copyFileSync(backups[2]!, damaged);
    flip(damaged, 3, 500);
    // While the app has the database open (a connection in WAL mode holds a shared lock): refused, nothing moved.
    const app = openDatabase(s.dbPath, s.keys);
    try {
      const busy = desk(['restore', '--data', s.dir, '--from', backups[2]!, '--yes'], env);
      expect(busy.status).toBe(1);
      expect(busy.stderr).toContain('is open in the app or another program');
      expect(readdirSync(s.dir).filter((f) => /replaced|restoring/.test(f))).toEqual([]);
    } finally {
      app.close(); // (the app's own open wrote to the file: the bytes compared below are from after it)
    }
    const before = sha(s.dbPath);
    const leftovers = () =>
      readdirSync(s.dir).filter((f) => /replaced|restoring/.test(f) || /-(wal|shm|journal)$/.test(f));

    const refused = desk(['restore', '--data', s.dir, '--from', damaged, '--yes'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/拒绝恢复：备份文件不可用：(有页面校验失败|完整性检查未通过)/);
    expect(refused.stderr).toContain('The current database was not touched');
    expect(sha(s.dbPath)).toBe(before);
    expect(leftovers()).toEqual([]);

    const listed = desk(['backups', '--data', s.dir], env);
    expect(listed.stdout).toContain(`verified no   ${damaged}  (backup is not usable:`);
    expect(listed.stdout).toContain(`newest that verifies: ${backups[2]}`);
    expect(newestGoodBackup(join(s.dir, 'backups'), s.key).good?.path).toBe(backups[2]);

    const noKey = desk(['restore', '--data', s.dir, '--from', backups[2]!, '--yes'], {
      DESK_KEY_FILE: join(s.dir, 'nowhere', 'key'),
    });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain('no key file');
    expect(existsSync(join(s.dir, 'nowhere'))).toBe(false);

    // Another terminal's key: the backup does not verify, and the key check says why.
    const otherKey = join(s.dir, 'other-key');
    writeFileSync(otherKey, randomBytes(32).toString('base64'), { mode: 0o600 });
    const wrongKey = desk(['restore', '--data', s.dir, '--from', backups[2]!, '--yes'], { DESK_KEY_FILE: otherKey });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toContain('is DESK_KEY_FILE the right key file?');

    expect(sha(s.dbPath)).toBe(before);
    expect(leftovers()).toEqual([]);

    const usage = desk(['restore', '--data', s.dir], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--from');
  });

  it('checks again when it applies: the app opened meanwhile (after the plan, before yes) is refused, nothing moved', async () => {
    const { s, backups } = await terminalWithBackups();
    const plan = planRestore({ dataDir: s.dir, from: backups[1]!, yes: false }, s.keys.masterKey()) as RestorePlan;
    expect(plan.setAside).toMatch(/\.replaced-/);
    const app = openDatabase(s.dbPath, s.keys); // IT has not typed yes yet; the app starts
    try {
      const outcome = applyRestore(plan, s.keys.masterKey());
      expect(outcome.exit).toBe(1);
      expect(outcome.message).toContain('is open in the app or another program');
      expect(readdirSync(s.dir).filter((f) => /replaced|restoring/.test(f))).toEqual([]);
      expect(app.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(10);
    } finally {
      app.close();
    }
    const db = openKeyed(s.dbPath, s.key, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(10);
    db.close();
  });

  it('sets aside all or nothing: a set-aside -wal name already taken is refused before anything moves', async () => {
    const { s, backups } = await terminalWithBackups();
    const now = new Date('2026-03-23T08:00:00Z');
    const plan = planRestore({ dataDir: s.dir, from: backups[1]!, yes: true }, s.keys.masterKey(), {
      now,
    }) as RestorePlan;
    writeFileSync(`${plan.setAside}-wal`, 'not ours');
    const before = sha(s.dbPath);
    const outcome = applyRestore(plan, s.keys.masterKey());
    expect(outcome.exit).toBe(1);
    expect(outcome.message).toContain(`${plan.setAside}-wal already exist`);
    expect(outcome.message).toContain('no file of it was moved');
    expect(sha(s.dbPath)).toBe(before);
    expect(readFileSync(`${plan.setAside}-wal`, 'utf8')).toBe('not ours');
    expect(readdirSync(s.dir).filter((f) => /replaced|restoring/.test(f))).toEqual([
      `${plan.setAside.split('/').pop()}-wal`,
    ]);
    const reopened = s.reopen();
    expect(reopened.db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(10);
    reopened.db.close();

    // A new plan picks a name whose -wal, -shm and -journal are free too, and the restore goes through.
    const again = planRestore({ dataDir: s.dir, from: backups[1]!, yes: true }, s.keys.masterKey(), {
      now,
    }) as RestorePlan;
    expect(again.setAside).toBe(`${plan.setAside}-2`);
    expect(applyRestore(again, s.keys.masterKey()).exit).toBe(0);
    const aside = openKeyed(again.setAside, s.key, { readonly: true });
    expect(aside.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(10);
    aside.close();
  });

  it('checking the live store never removes a WAL the app made while the check ran', async () => {
    const { s } = await terminalWithBackups();
    let app: Db | null = null;
    // The app opens the store and commits a write during the (seconds-long) scan of every page.
    verifyDatabaseFile(s.dbPath, s.key, [
      () => {
        app = openDatabase(s.dbPath, s.keys);
        app.exec('CREATE TABLE probe (x); INSERT INTO probe VALUES (1)');
      },
    ]);
    expect(existsSync(`${s.dbPath}-wal`)).toBe(true);
    (app as Db | null)?.close();
    const db = openKeyed(s.dbPath, s.key, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM probe').pluck().get()).toBe(1);
    db.close();
  });
});
