/**
 * The reference insurer's own SQLite database (not the terminal's): WAL with
 * synchronous=FULL, because an answer the insurer has sent must survive its
 * own crash (a claim answered "accepted" and then forgotten would be paid
 * twice on the retry). One schema version; a newer file is refused untouched.
 */
import { ANCHORS_SCHEMA } from './anchors.js';
import Database from 'better-sqlite3-multiple-ciphers';
import { NHSA_RECONCILE_SCHEMA, NHSA_SCHEMA } from './nhsa/schema.js';
import { accumulatorTotalsDifference, rebuildAccumulatorTotals } from './persons.js';

export type Db = Database.Database;

/**
 * The running sum of accumulator_moves per (person, year, layer) in integer fen (persons.ts accumulators() reads
 * it; every move updates it in the same transaction). The moves stay the source of truth: checked at each open.
 */
const ACCUMULATOR_TOTALS_SCHEMA = `
CREATE TABLE accumulator_totals (
  person_id INTEGER NOT NULL REFERENCES persons (id),
  year INTEGER NOT NULL,
  layer TEXT NOT NULL,
  paid INTEGER NOT NULL,
  base INTEGER NOT NULL,
  admissions INTEGER NOT NULL,
  PRIMARY KEY (person_id, year, layer)
);`;

const SCHEMA = `
CREATE TABLE terminals (
  id INTEGER PRIMARY KEY,
  hospital_code TEXT NOT NULL,
  terminal_code TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- The regions whose persons it may look up (JSON array, or "*" for all); NULL: derived from hospital_code (regions.ts).
  regions TEXT,
  UNIQUE (hospital_code, terminal_code)
);
-- Only the SHA-256 of a session token is kept: a copy of the database signs nobody in.
CREATE TABLE sessions (
  token_sha256 TEXT PRIMARY KEY,
  terminal_id INTEGER NOT NULL REFERENCES terminals (id),
  issued_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE rule_packages (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  region_name TEXT NOT NULL,
  version TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  package_json TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  published_at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  signature TEXT NOT NULL,
  UNIQUE (region, version)
);
CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  id_number TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  gender TEXT CHECK (gender IN ('M', 'F')),
  region TEXT NOT NULL,
  scheme TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
  retired INTEGER NOT NULL,
  medical_assistance INTEGER NOT NULL,
  enrolled TEXT NOT NULL,
  suspended_years TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL
);
CREATE TABLE claims (
  id INTEGER PRIMARY KEY,
  terminal_id INTEGER NOT NULL REFERENCES terminals (id),
  idempotency_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'manual_claim', 'reversal')),
  business_date TEXT NOT NULL,
  item_sha256 TEXT NOT NULL,
  item TEXT NOT NULL,
  person_id INTEGER REFERENCES persons (id),
  status TEXT NOT NULL CHECK (status IN ('accepted', 'adjusted', 'rejected')),
  terminal_amounts TEXT,
  insurer_amounts TEXT,
  reverses_id INTEGER REFERENCES claims (id),
  reversed_by_id INTEGER REFERENCES claims (id),
  answer TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (terminal_id, idempotency_key)
);
CREATE INDEX claims_day ON claims (terminal_id, business_date, idempotency_key);
-- The person's accumulators are the sum of these rows: stays at other
-- hospitals (what the terminal cannot know), each claim's movement, each reversal's
-- negation. Amounts are TEXT and only ever added up with decimal.js.
CREATE TABLE accumulator_moves (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  year INTEGER NOT NULL,
  layer TEXT NOT NULL,
  paid TEXT NOT NULL,
  base TEXT NOT NULL,
  admissions INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('other_hospital', 'claim', 'reversal')),
  claim_id INTEGER REFERENCES claims (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX accumulator_moves_person ON accumulator_moves (person_id, year);
${ACCUMULATOR_TOTALS_SCHEMA}
${NHSA_SCHEMA}
${NHSA_RECONCILE_SCHEMA}
${ANCHORS_SCHEMA}`;
/**
 * Version 2 adds persons.suspended_years (domain.md §3, benefit status per year); 3 the NHSA gateway's tables
 * (nhsa/schema.ts); 4 its reconciliation files (NHSA_RECONCILE_SCHEMA); 5 terminals.regions (a terminal's
 * regions, regions.ts); 6 the terminals' anchors (anchors.ts); 7 the running accumulator totals (filled from
 * accumulator_moves).
 */
const SCHEMA_VERSION = 7;
const UPGRADES: Record<number, string> = {
  1: "ALTER TABLE persons ADD COLUMN suspended_years TEXT NOT NULL DEFAULT '[]';",
  2: NHSA_SCHEMA,
  3: NHSA_RECONCILE_SCHEMA,
  4: 'ALTER TABLE terminals ADD COLUMN regions TEXT;',
  5: ANCHORS_SCHEMA,
  6: ACCUMULATOR_TOTALS_SCHEMA,
};

export function openInsurerDb(path: string): Db {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 10000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw new Error(
        `insurer database ${path} has schema ${version}; this service knows up to ${SCHEMA_VERSION}. Left untouched.`,
      );
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        if (version === 0) db.exec(SCHEMA);
        else for (let v = version; v < SCHEMA_VERSION; v++) db.exec(UPGRADES[v]!);
        if (version > 0 && version < 7) rebuildAccumulatorTotals(db);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    // The moves are the source of truth: running totals that differ (a write around this service) are rebuilt
    // from them, said on stderr (the reference insurer has no audit log; its answers then follow the moves).
    const difference = accumulatorTotalsDifference(db);
    if (difference) {
      console.error(
        `insurer ${path}: accumulator totals differ from the moves (${difference}); rebuilt from the moves`,
      );
      writeTransaction(db, () => rebuildAccumulatorTotals(db));
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * IMMEDIATE: the write lock is taken up front, so that two requests with the
 * same idempotency key (two connections, or the publish CLI beside the
 * server) are serialised and the second one sees the first one's row.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}
