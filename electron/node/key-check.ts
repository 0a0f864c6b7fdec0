/**
 * The store's key check value: HMAC-SHA256(store key, a fixed label), kept in a
 * small file beside the database (`desk.sqlite.keycheck`), never the key.
 *
 * Why: SQLCipher answers SQLITE_NOTADB both when the key is wrong and when page
 * 1 of the file is damaged (the page fails its HMAC and SQLite takes the file
 * for "not a database"). From the database alone the two cannot be told apart;
 * with a value that only the right key reproduces, kept outside the file, they
 * can: the value matches → the key is right and the file is damaged (restore a
 * backup); it does not → the key is not this database's (find the right key:
 * restoring a backup would not help). The value reveals nothing usable about a
 * random 256-bit key; it is written only after the key has opened the database.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.js';

const LABEL = 'discharge-desk key check v1';

/** Where the check value of the database at `dbPath` is kept. */
export const keyCheckPath = (dbPath: string): string => `${dbPath}.keycheck`;

/** The check value of a store key (hex): derived from it, never it. */
export function keyCheckValue(storeKey: Buffer): string {
  return createHmac('sha256', storeKey).update(LABEL).digest('hex');
}

interface KeyCheckFile {
  v: 1;
  /** HMAC-SHA256(store key, LABEL), hex. */
  check: string;
}

function readCheck(dbPath: string): string | null {
  const path = keyCheckPath(dbPath);
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyCheckFile>;
    return parsed.v === 1 && typeof parsed.check === 'string' && /^[0-9a-f]{64}$/.test(parsed.check)
      ? parsed.check
      : null;
  } catch {
    return null; // an unreadable check file says nothing either way
  }
}

/**
 * Records the check value of `storeKey` for the database at `dbPath`, once `storeKey` has opened it (the
 * store's open, a restore). Rewritten only when it differs (a restored data folder, a new key after a rekey):
 * the key that just opened the file is the truth. An in-memory database has none.
 */
export function recordKeyCheck(dbPath: string, storeKey: Buffer): void {
  if (dbPath === '' || dbPath === ':memory:') return;
  const value = keyCheckValue(storeKey);
  if (readCheck(dbPath) === value) return;
  const body: KeyCheckFile = { v: 1, check: value };
  writeFileDurably(keyCheckPath(dbPath), `${JSON.stringify(body)}\n`, 0o600);
}

/** Whether `storeKey` is the key the database at `dbPath` was last opened with: 'absent' when no value was kept. */
export function checkKey(dbPath: string, storeKey: Buffer): 'match' | 'mismatch' | 'absent' {
  const kept = readCheck(dbPath);
  if (kept === null) return 'absent';
  const same = timingSafeEqual(Buffer.from(kept, 'hex'), Buffer.from(keyCheckValue(storeKey), 'hex'));
  return same ? 'match' : 'mismatch';
}
