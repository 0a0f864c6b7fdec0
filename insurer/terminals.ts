/**
 * Terminal credentials and sessions (the national interface's 9001 sign-in):
 * each terminal has a secret, kept as a scrypt hash; signing in returns a
 * random bearer token, kept as its SHA-256, valid for a fixed time. Every
 * other protocol call names its terminal through the token only, so a
 * terminal cannot upload under another's identity.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';
import { ALL_REGIONS, scopeOf, type RegionScope } from './regions.js';

export interface Terminal {
  id: number;
  hospital_code: string;
  terminal_code: string;
  /** The regions whose persons it may look up and claim for (regions.ts); null: every region. */
  regions: readonly string[] | null;
}

/** A terminals row's regions column: a JSON array, "*", or NULL (derived from the hospital code). */
function registeredScope(raw: string | null): RegionScope | null {
  if (raw === null) return null;
  if (raw === ALL_REGIONS) return ALL_REGIONS;
  return JSON.parse(raw) as string[];
}

function terminalOf(row: {
  id: number;
  hospital_code: string;
  terminal_code: string;
  regions: string | null;
}): Terminal {
  return {
    id: row.id,
    hospital_code: row.hospital_code,
    terminal_code: row.terminal_code,
    regions: scopeOf(row.hospital_code, registeredScope(row.regions)),
  };
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

/**
 * Creates the terminal or replaces its secret and regions (null or absent:
 * derived from the hospital code, regions.ts; "*": every region).
 */
export function upsertTerminal(
  db: Db,
  hospitalCode: string,
  terminalCode: string,
  secret: string,
  at: string,
  regions: RegionScope | null = null,
): void {
  const stored = regions === null ? null : regions === ALL_REGIONS ? ALL_REGIONS : JSON.stringify([...regions]);
  db.prepare(
    `INSERT INTO terminals (hospital_code, terminal_code, secret_hash, created_at, regions) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (hospital_code, terminal_code) DO UPDATE SET secret_hash = excluded.secret_hash, regions = excluded.regions`,
  ).run(hospitalCode, terminalCode, hashSecret(secret), at, stored);
}

/** Every terminal with its scope (for the start-up listing). */
export function listTerminals(db: Db): Terminal[] {
  return (
    db.prepare('SELECT id, hospital_code, terminal_code, regions FROM terminals ORDER BY id').all() as {
      id: number;
      hospital_code: string;
      terminal_code: string;
      regions: string | null;
    }[]
  ).map(terminalOf);
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
      'SELECT id, hospital_code, terminal_code, regions, secret_hash FROM terminals WHERE hospital_code = ? AND terminal_code = ?',
    )
    .get(hospitalCode, terminalCode) as
    | { id: number; hospital_code: string; terminal_code: string; regions: string | null; secret_hash: string }
    | undefined;
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
  return { token, expiresAt, terminal: terminalOf(row) };
}

/** The terminal a bearer token belongs to, or null when it is unknown or expired. */
export function authenticate(db: Db, token: string, now: Date): Terminal | null {
  const row = db
    .prepare(
      'SELECT t.id, t.hospital_code, t.terminal_code, t.regions, s.expires_at FROM sessions s JOIN terminals t ON t.id = s.terminal_id WHERE s.token_sha256 = ?',
    )
    .get(sha256(token)) as
    | { id: number; hospital_code: string; terminal_code: string; regions: string | null; expires_at: string }
    | undefined;
  if (!row || row.expires_at <= now.toISOString()) return null;
  return terminalOf(row);
}
