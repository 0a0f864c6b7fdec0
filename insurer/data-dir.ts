/**
 * The insurer's data folder: its database (insurer.sqlite), its signing key,
 * and the demo terminal's credential. First start publishes the bundled rule
 * packages (signed) and seeds the persons; later starts find them there.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledPackages } from '../shared/rules/bundled.js';
import { openInsurerDb, writeTransaction, type Db } from './db.js';
import { PackageStore, type SigningPolicy } from './packages.js';
import { listPersons } from './persons.js';
import { seedPersons } from './seed.js';
import { loadOrCreateSigner, type Signer } from './signing.js';
import { hasTerminals, upsertTerminal } from './terminals.js';
import type { RegionScope } from './regions.js';

export const DB_FILE = 'insurer.sqlite';
const DEMO_TERMINAL_FILE = 'demo-terminal.json';

export interface TerminalCredential {
  hospital_code: string;
  terminal_code: string;
  secret: string;
  /** The regions whose persons it may look up ("*": all); absent: derived from the hospital code (regions.ts). */
  regions?: RegionScope;
}

export interface DataDirOptions {
  dataDir: string;
  /** Terminals to create or whose secret to replace at start. */
  terminals?: readonly TerminalCredential[];
  /** Seed the persons on first start (default true). */
  seed?: boolean;
  signing?: Partial<SigningPolicy>;
  now?: () => Date;
}

export interface InsurerData {
  db: Db;
  signer: Signer;
  packages: PackageStore;
  now: () => Date;
  /** The demo terminal's credential when no terminal was configured (printed at start). */
  demoTerminal: TerminalCredential | null;
  close(): void;
}

export function openDataDir(options: DataDirOptions): InsurerData {
  const now = options.now ?? (() => new Date());
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const db = openInsurerDb(join(options.dataDir, DB_FILE));
  try {
    const signer = loadOrCreateSigner(options.dataDir);
    const packages = new PackageStore(
      db,
      signer,
      { validityDays: options.signing?.validityDays ?? 365, renewBeforeDays: options.signing?.renewBeforeDays ?? 30 },
      now,
    );
    // All or none: a start interrupted half-way publishes them all next time.
    writeTransaction(db, () => {
      if (packages.isEmpty()) for (const raw of bundledPackages) packages.publish(raw);
    });
    const at = now().toISOString();
    writeTransaction(db, () => {
      if ((options.seed ?? true) && listPersons(db).length === 0) seedPersons(db, at);
      for (const t of options.terminals ?? [])
        upsertTerminal(db, t.hospital_code, t.terminal_code, t.secret, at, t.regions ?? null);
    });
    const demoTerminal = options.terminals?.length ? null : demoCredential(db, options.dataDir, at);
    return { db, signer, packages, now, demoTerminal, close: () => db.close() };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * With no terminal configured, one demo terminal (H510100001/T01, the test
 * store's) with a random secret kept in the data folder (mode 0600), so that
 * one command gives a working setup and the secret is printed at every start.
 */
function demoCredential(db: Db, dataDir: string, at: string): TerminalCredential | null {
  const path = join(dataDir, DEMO_TERMINAL_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as TerminalCredential;
  if (hasTerminals(db)) return null;
  const demo: TerminalCredential = {
    hospital_code: 'H510100001',
    terminal_code: 'T01',
    secret: randomBytes(18).toString('base64url'),
  };
  writeTransaction(db, () => upsertTerminal(db, demo.hospital_code, demo.terminal_code, demo.secret, at));
  writeFileSync(path, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return demo;
}
