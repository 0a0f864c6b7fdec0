/**
 * A full disk under the data folder (issue 15), on a real file system: a 3 MB tmpfs holding the data folder,
 * filled until the next settlement cannot be written. The settlement is refused with the disk named (not
 * "内部错误"), nothing of it is written and no temporary file is left; sign-in is refused the same way and the
 * wrong-PIN lockout still counts; a backup that cannot be written is shown in app.status (and leaves no
 * .partial) until one succeeds; the window is warned while free space is low. After space is freed, all works.
 *
 * Needs `mount -t tmpfs` (root, as in the project's container); skipped with the reason where it is not allowed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDeskApp, type DeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { storageError } from '../electron/node/storage-errors.js';
import type { AppStatus } from '../shared/ipc/contract.js';
import { testPlatform } from './test-platform.js';
import { TestClock, dazhouPerson, example1WindowBill, openStoreFile, previewed } from './store-support.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'desk-tmpfs-'));
const mountRefusal = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `mount -t tmpfs is not permitted here (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
})();
if (mountRefusal) console.warn(`disk-full tests skipped: ${mountRefusal}`);

const dataDir = join(mountPoint, 'data');
const filler = join(mountPoint, 'filler.bin');
const clock = new TestClock(new Date('2026-03-20T02:00:00Z'));
const apps: DeskApp[] = [];
const open = (lowSpaceBytes?: number): DeskApp => {
  const app = openDeskApp({
    dataDir,
    platform: testPlatform(dataDir),
    clock,
    ...(lowSpaceBytes === undefined ? {} : { lowSpaceBytes }),
  });
  apps.push(app);
  return app;
};

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  if (!mountRefusal) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes the filler until the file system refuses (ENOSPC): no byte left for anyone. */
function fillDisk(): void {
  const fd = openSync(filler, 'a');
  try {
    for (const size of [256 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const sup = { clientId: 'sup' };
const cash = { clientId: 'cash' };
/** Row counts of what a settlement writes, read from the file by a connection of its own. */
function counts(): Record<string, number> {
  const db = openStoreFile(join(dataDir, 'desk.sqlite'), { readonly: true, keyFile: join(dataDir, 'key') });
  try {
    const out: Record<string, number> = {};
    for (const t of ['settlements', 'settlement_funds', 'ledger', 'outbox', 'audit_log', 'sequences'])
      out[t] = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
    return out;
  } finally {
    db.close();
  }
}

/** Temporary or unfinished files anywhere in the data folder (the store's own -wal and -shm are not). */
function leftovers(): string[] {
  return (readdirSync(dataDir, { recursive: true }) as string[]).filter((f) =>
    /\.tmp$|\.partial|\.restoring$|-journal$/.test(f),
  );
}

describe.skipIf(mountRefusal !== null)('a full disk under the data folder', () => {
  let app: DeskApp;
  let personId = 0;
  const call = (name: string, payload: unknown, ctx = cash) =>
    dispatch(app.handlers, name, payload, ctx, () => undefined);
  const status = async () => ((await call('app.status', {})) as { ok: true; value: AppStatus }).value;

  it('sets up a terminal on the small disk', async () => {
    mkdirSync(dataDir, { recursive: true });
    app = open(64 * 1024); // warn below 64 KiB: not yet
    expect(await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, sup)).toMatchObject({ ok: true });
    for (const [code, pin] of [
      ['cash1', '135790'],
      ['cash2', '975310'],
    ] as const)
      expect(await call('operators.create', { code, name: '李收费', role: 'cashier', pin }, sup)).toMatchObject({
        ok: true,
      });
    expect(await call('auth.login', { code: 'cash1', pin: '135790' })).toMatchObject({ ok: true });
    const person = await call('person.record', dazhouPerson(7));
    personId = (person as { value: { person_id: number } }).value.person_id;
    expect(await call('settlement.settle', await previewed(call, example1WindowBill(personId)))).toMatchObject({
      ok: true,
    });
    expect((await status()).storage).toMatchObject({ low_space: false, low_space_bytes: 64 * 1024 });
    expect((await status()).storage.free_bytes).toBeGreaterThan(64 * 1024);
  });

  it('refuses a settlement the disk cannot hold: the disk named, nothing written, no temporary file', async () => {
    // The WAL emptied first, so that the next write must grow a file (SQLite reuses a WAL's space otherwise).
    const seen = await previewed(call, example1WindowBill(personId)); // F5 before the disk fills
    app.service.db.pragma('wal_checkpoint(TRUNCATE)');
    fillDisk();
    const before = counts();
    const r = await call('settlement.settle', seen);
    expect(r).toMatchObject({ ok: false, error: { code: 'disk_full', field: '' } });
    const error = (r as { error: { message: string; message_en: string } }).error;
    expect(error.message).toMatch(/^磁盘空间不足，结算未保存/);
    expect(error.message_en).toMatch(/^disk full: the settlement was not saved/);
    expect(counts()).toEqual(before);
    expect(leftovers()).toEqual([]);
    // Measured around the settlement: the window warns at once, without waiting for the next minute's look.
    expect((await status()).storage).toMatchObject({ low_space: true, free_bytes: 0 });
  });

  it('refuses sign-in on a full disk with the same reason; wrong PINs still lock the operator', async () => {
    const right = await call('auth.login', { code: 'cash2', pin: '975310' }, { clientId: 'w2' });
    expect(right).toMatchObject({ ok: false, error: { code: 'disk_full' } });
    expect((right as { error: { message: string } }).error.message).toMatch(
      /^磁盘空间不足，无法登录（登录记录无法写入）/,
    );
    expect((await dispatch(app.handlers, 'app.status', {}, { clientId: 'w2' })) as unknown).toMatchObject({
      value: { operator: null },
    });
    // Five wrong PINs that cannot be recorded: each refused like the right one (they tell nothing) and counted.
    for (let i = 0; i < 5; i++)
      expect(await call('auth.login', { code: 'cash2', pin: '000000' }, { clientId: 'w2' })).toMatchObject({
        ok: false,
        error: { code: 'disk_full' },
      });
    expect(await call('auth.login', { code: 'cash2', pin: '975310' }, { clientId: 'w2' })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
  });

  it('shows a backup that cannot be written until one succeeds, and leaves no .partial', async () => {
    await expect(app.dailyBackup()).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    const { backup } = (await status()).storage;
    expect(backup).toMatchObject({ last_ok_at: null, failed_at: '2026-03-20T02:00:00.000Z' });
    expect(backup.failure).toMatch(/^磁盘空间不足，备份未完成/);
    expect(backup.failure_en).toMatch(/^disk full: the backup was not made/);
    expect(leftovers()).toEqual([]);
    // On demand too (a supervisor's button): the same reason, and still shown.
    expect(await call('backup.now', {}, sup)).toMatchObject({ ok: false, error: { code: 'disk_full' } });
    expect((await status()).storage.backup.failure).toMatch(/^磁盘空间不足/);
    expect(leftovers()).toEqual([]);
  });

  it('after space is freed: the settlement is saved, the lockout holds, a backup succeeds and clears the failure', async () => {
    rmSync(filler);
    expect(await call('settlement.settle', await previewed(call, example1WindowBill(personId)))).toMatchObject({
      ok: true,
    });
    expect((await status()).storage.low_space).toBe(false);
    expect(await call('auth.login', { code: 'cash2', pin: '975310' }, { clientId: 'w2' })).toMatchObject({
      ok: false,
      error: { code: 'operator_locked' },
    });
    clock.set('2026-03-20T03:00:00Z');
    const path = await app.dailyBackup();
    expect(path).toMatch(/desk-20260320-030000\.sqlite$/);
    expect((await status()).storage.backup).toEqual({
      last_ok_at: '2026-03-20T03:00:00.000Z',
      last_ok_file: 'desk-20260320-030000.sqlite',
      failed_at: null,
      failure: null,
      failure_en: null,
    });
    expect(leftovers()).toEqual([]);
    expect(counts().settlements).toBe(2);
  });

  it('warns with the default threshold (200 MB) on this 3 MB disk, from the start', async () => {
    await app.close();
    app = open();
    const storage = (await status()).storage;
    expect(storage).toMatchObject({ low_space: true, low_space_bytes: 200 * 1024 * 1024 });
    // The backup outcome survives the restart (read back from the audit log).
    expect(storage.backup).toMatchObject({ last_ok_file: 'desk-20260320-030000.sqlite', failure: null });
  });

  it('a failed backup recorded while the disk can be written is still shown after a restart', async () => {
    // The backup folder cannot be made (a file has its name): the failure is written to the audit log.
    rmSync(join(dataDir, 'backups'), { recursive: true, force: true });
    writeFileSync(join(dataDir, 'backups'), 'not a folder');
    clock.set('2026-03-21T02:00:00Z');
    await expect(app.dailyBackup()).rejects.toThrow();
    await app.close();
    app = open();
    const { backup } = (await status()).storage;
    expect(backup).toMatchObject({
      failed_at: '2026-03-21T02:00:00.000Z',
      last_ok_file: 'desk-20260320-030000.sqlite',
    });
    expect(backup.failure).toMatch(/^备份失败：备份目录 .*backups 不是文件夹$/);
    expect(backup.failure_en).toMatch(/^the backup failed: the backup folder .*backups is not a folder$/);
    rmSync(join(dataDir, 'backups'));
  });
});

describe('storage errors in the words of the window (one mapping, in dispatch)', () => {
  const body = (code: string, channel: string) =>
    storageError(Object.assign(new Error(code), { code }), channel)?.body ?? null;

  it('names the disk and what was not done, per channel', () => {
    expect(body('SQLITE_FULL', 'settlement.settle')).toMatchObject({
      code: 'disk_full',
      field: '',
      message: expect.stringMatching(/^磁盘空间不足，结算未保存/),
    });
    expect(body('ENOSPC', 'slip.print')?.message).toMatch(
      /^磁盘空间不足，票据未归档、未记录（打印机若已出纸，请作废该张/,
    );
    expect(body('EDQUOT', 'auth.login')?.message).toMatch(/^磁盘空间不足，无法登录（登录记录无法写入）/);
    expect(body('SQLITE_IOERR_WRITE', 'settlement.settle')).toMatchObject({
      code: 'io_error',
      message: expect.stringMatching(/^磁盘读写错误，结算未保存/),
    });
    expect(body('EIO', 'day.close')?.code).toBe('io_error');
    expect(body('SQLITE_CORRUPT', 'history.search')).toMatchObject({
      code: 'database_damaged',
      message: expect.stringMatching(/^数据库文件已损坏.*操作未完成/),
    });
    expect(body('SQLITE_CONSTRAINT_UNIQUE', 'settlement.settle')).toBeNull();
    expect(storageError(new Error('no code'), 'settlement.settle')).toBeNull();
  });
});
