/**
 * When the store does not open at start (issue 16, item 4): why (a damaged file or a key that is not this
 * database's, told apart by the key check value kept beside it), which backup to restore (the newest one in the
 * configured backup folder that verifies), and the exact command IT runs to restore it. The services worker puts
 * this in its 'failed' message, which the browser host prints and the Electron app shows in its dialog; `desk
 * restore` uses the same diagnosis. Nothing here writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeskError } from '../../../shared/errors.js';
import { checkKey } from '../../node/key-check.js';
import type { KeyProvider } from '../../node/keys.js';
import { keyedBackupChecks, newestGoodBackup, verifyDatabaseFile } from './backup.js';
import { openKeyed, storeKey } from './db.js';

/** The store file of a data folder. */
export const storeFileOf = (dataDir: string): string => join(dataDir, 'desk.sqlite');

export type Unopenable =
  /** It opens and reads whole with this key: the failure was not the file's. */
  | { cause: 'opens' }
  | { cause: 'missing' }
  /** The key is right (the key check matches, or pages decrypt) and the file fails: restore a backup. */
  | { cause: 'damaged'; detail: string }
  /** The key check value kept beside the database does not match this key: find the right key, a backup will not help. */
  | { cause: 'wrong_key' }
  /** SQLITE_NOTADB and no key check value: a damaged first page and a wrong key look the same. */
  | { cause: 'damaged_or_wrong_key' };

const withoutPrefix = (m: string) => m.replace(/^备份文件不可用：|^backup is not usable: /, '');

/** Why the database at `dbPath` does not open with the store key `key` (the page key, storeKey()). */
export function diagnoseUnopenable(dbPath: string, key: Buffer): Unopenable {
  if (!existsSync(dbPath)) return { cause: 'missing' };
  try {
    openKeyed(dbPath, key, { readonly: true, fileMustExist: true }).close();
  } catch (e) {
    const code = e instanceof DeskError ? e.body.code : (e as { code?: unknown }).code;
    // SQLITE_NOTADB: page 1 did not decrypt. Damaged and wrong key give the same error; the key check tells.
    if (code === 'database_key_mismatch' || code === 'SQLITE_NOTADB') {
      const check = checkKey(dbPath, key);
      if (check === 'match') return { cause: 'damaged', detail: 'page 1 (the schema page) fails its check' };
      return check === 'mismatch' ? { cause: 'wrong_key' } : { cause: 'damaged_or_wrong_key' };
    }
    // Page 1 decrypted (so the key is right) and something after it did not.
    return { cause: 'damaged', detail: e instanceof Error ? e.message : String(e) };
  }
  // Page 1 opens: read the rest of it the way a backup is checked (every page, the schema). The live store: read-only,
  // and no side file is removed (not ownsFile), as the app may open it while the scan runs.
  try {
    verifyDatabaseFile(dbPath, key, []);
    return { cause: 'opens' };
  } catch (e) {
    return {
      cause: 'damaged',
      detail: withoutPrefix(e instanceof DeskError ? (e.body.message_en ?? e.body.message) : String(e)),
    };
  }
}

/** Whether an error from opening the app is the store file not being readable (as opposed to config.json, a newer schema…). */
export function isUnreadableDatabase(e: unknown): boolean {
  const code = e instanceof DeskError ? e.body.code : (e as { code?: unknown } | null)?.code;
  if (code === 'database_key_mismatch' || code === 'database_damaged' || code === 'SQLITE_NOTADB') return true;
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) return true;
  const message = e instanceof Error ? e.message : String(e);
  return /malformed database schema|file is not a database|database disk image is malformed/.test(message);
}

/**
 * The backup folder config.json names (settings.backup.folder), else `<data>/backups`: read from the file as it
 * is, without the key (only the secrets in config.json are sealed), so it works when the key is the problem.
 */
export function backupFolderOf(dataDir: string): string {
  try {
    const raw = JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')) as { backup?: { folder?: unknown } };
    const folder = raw.backup?.folder;
    if (typeof folder === 'string' && folder !== '') return folder;
  } catch {
    // no config.json yet, or one that does not parse: the default folder
  }
  return join(dataDir, 'backups');
}

/** Where the store's key comes from, which decides the restore command: the key file (CLI, browser host) or key.bin under the OS keychain (the Electron app). */
export type KeySource = 'key-file' | 'keychain';

/** The key source of a data folder as the app keeps it: key.bin in it is the Electron app's. */
export const keySourceOf = (dataDir: string): KeySource =>
  existsSync(join(dataDir, 'key.bin')) ? 'keychain' : 'key-file';

const quoted = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);

/**
 * The exact command IT runs to restore `backup` into `dataDir`, for the key source the app uses there: `desk
 * restore` with the key file; the Electron app itself with its keychain's key (no terminal to confirm in: --yes).
 */
export function restoreCommand(dataDir: string, backup: string, source: KeySource = keySourceOf(dataDir)): string {
  const args = `restore --data ${quoted(dataDir)} --from ${quoted(backup)}`;
  return source === 'keychain' ? `DischargeDesk --${args} --yes` : `npm run -s desk -- ${args}`;
}

/**
 * The startup failure message when the store does not open (null when `error` is another failure): the database
 * cannot be read and why (damaged, or a wrong key, per the key check), the newest backup that verifies and the
 * command that restores it; Chinese first, then English, then the original error for IT.
 */
export function unreadableDatabaseMessage(
  dataDir: string,
  keys: KeyProvider | Buffer,
  error: unknown,
  options: { source?: KeySource } = {},
): string | null {
  if (!isUnreadableDatabase(error)) return null;
  const key = storeKey(keys);
  const dbPath = storeFileOf(dataDir);
  let why = diagnoseUnopenable(dbPath, key);
  if (why.cause === 'opens' || why.cause === 'missing') return null;
  const original = error instanceof Error ? error.message : String(error);
  const folder = backupFolderOf(dataDir);
  const zh: string[] = [];
  const en: string[] = [];
  if (why.cause === 'wrong_key') {
    zh.push(
      `数据库 ${dbPath} 无法读取：本机密钥不是这个数据库的密钥（与数据库旁保存的密钥校验值不符），数据库文件本身可能完好。` +
        `恢复备份无济于事（备份用同一密钥加密）：请信息科找回本机原来的密钥（密钥文件或操作系统密钥库中的 key.bin）。`,
    );
    en.push(
      `The database ${dbPath} cannot be read: this terminal's key is not the key of this database (it does not match ` +
        `the key check value kept beside it); the file itself may be intact. Restoring a backup would not help (backups ` +
        `are under the same key): IT must bring back the terminal's original key (the key file, or key.bin under the OS keychain).`,
    );
  } else {
    const { good, refused } = newestGoodBackup(folder, key, keyedBackupChecks(keys, dbPath));
    // A backup that verifies under this key proves the key is this store's: the failure is the file's.
    if (why.cause === 'damaged_or_wrong_key' && good) why = { cause: 'damaged', detail: 'page 1 fails its check' };
    if (why.cause === 'damaged') {
      zh.push(`数据库 ${dbPath} 无法读取：文件已损坏（密钥无误）。`);
      en.push(`The database ${dbPath} cannot be read: the file is damaged (the key is right: ${why.detail}).`);
    } else {
      zh.push(`数据库 ${dbPath} 无法读取：文件已损坏，或本机密钥不是它的密钥（没有密钥校验值，无法区分）。`);
      en.push(
        `The database ${dbPath} cannot be read: the file is damaged, or this terminal's key is not its key ` +
          `(no key check value was kept, so the two cannot be told apart).`,
      );
    }
    const skipped = refused.length
      ? {
          zh: `（更新的 ${refused.length} 份备份未通过校验）`,
          en: ` (${refused.length} newer backup(s) failed the check)`,
        }
      : { zh: '', en: '' };
    if (good) {
      const command = restoreCommand(dataDir, good.path, options.source);
      zh.push(
        `最新一份通过校验的备份：${good.path}（${good.settlements} 笔结算）${skipped.zh}。` +
          `请信息科关闭本程序后运行以下命令恢复（当前数据库会被改名保留，不会删除）：\n  ${command}`,
      );
      en.push(
        `The newest backup that verifies: ${good.path} (${good.settlements} settlements)${skipped.en}. ` +
          `IT: close the app, then restore it with (the current database is renamed and kept, never deleted):\n  ${command}`,
      );
    } else {
      zh.push(`备份目录 ${folder} 中没有能用本机密钥通过校验的备份${skipped.zh}。`);
      en.push(`No backup in ${folder} verifies with this terminal's key${skipped.en}.`);
    }
  }
  return `${zh.join('')}\n${en.join(' ')}\n(${original})`;
}
