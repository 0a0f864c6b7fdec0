/**
 * Terminal credentials and sessions (the national interface's 9001 sign-in):
 * each terminal has a secret, kept as a scrypt hash; signing in returns a
 * random bearer token, kept as its SHA-256, valid for a fixed time. Every
 * other protocol call names its terminal through the token only, so a
 * terminal cannot upload under another's identity.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';

export interface Terminal {
  id: number;
  hospital_code: string;
  terminal_code: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
// Verified even when the terminal is unknown, so the time taken does not tell which terminals exist.
const DUMMY_HASH = `scrypt$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(secret, salt, 32, SCRYPT).toString('base64')}`;
}

function verifySecret(secret: string, stored: string): boolean {
  const [, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash ?? '', 'base64');
  const actual = scryptSync(secret, Buffer.from(salt ?? '', 'base64'), 32, SCRYPT);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Creates the terminal or replaces its secret. */
export function upsertTerminal(db: Db, hospitalCode: string, terminalCode: string, secret: string, at: string): void {
  db.prepare(
    `INSERT INTO terminals (hospital_code, terminal_code, secret_hash, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (hospital_code, terminal_code) DO UPDATE SET secret_hash = excluded.secret_hash`,
  ).run(hospitalCode, terminalCode, hashSecret(secret), at);
}

export function hasTerminals(db: Db): boolean {
  return !!db.prepare('SELECT 1 FROM terminals LIMIT 1').get();
}

/** A new session token for the terminal, or null when the credential is wrong. */
export function signIn(
  db: Db,
  hospitalCode: string,
  terminalCode: string,
  secret: string,
  now: Date,
  ttlMs: number,
): { token: string; expiresAt: string; terminal: Terminal } | null {
  const row = db
    .prepare(
      'SELECT id, hospital_code, terminal_code, secret_hash FROM terminals WHERE hospital_code = ? AND terminal_code = ?',
    )
    .get(hospitalCode, terminalCode) as (Terminal & { secret_hash: string }) | undefined;
  const ok = verifySecret(secret, row?.secret_hash ?? DUMMY_HASH);
  if (!row || !ok) return null;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  db.transaction(() => {
    db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.toISOString());
    db.prepare('INSERT INTO sessions (token_sha256, terminal_id, issued_at, expires_at) VALUES (?, ?, ?, ?)').run(
      sha256(token),
      row.id,
      now.toISOString(),
      expiresAt,
    );
  }).immediate();
  return {
    token,
    expiresAt,
    terminal: { id: row.id, hospital_code: row.hospital_code, terminal_code: row.terminal_code },
  };
}

/** The terminal a bearer token belongs to, or null when it is unknown or expired. */
export function authenticate(db: Db, token: string, now: Date): Terminal | null {
  const row = db
    .prepare(
      'SELECT t.id, t.hospital_code, t.terminal_code, s.expires_at FROM sessions s JOIN terminals t ON t.id = s.terminal_id WHERE s.token_sha256 = ?',
    )
    .get(sha256(token)) as (Terminal & { expires_at: string }) | undefined;
  if (!row || row.expires_at <= now.toISOString()) return null;
  return { id: row.id, hospital_code: row.hospital_code, terminal_code: row.terminal_code };
}
