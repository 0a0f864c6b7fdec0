/**
 * Schema 13: the keyed chain (store/chain.ts, issue 16). chain_entries holds one
 * entry per change of a covered row, appended by triggers generated from each
 * table's columns; chain_checks records each verification (a passed one is the
 * checkpoint the next start check begins from). The run step creates the
 * triggers of every covered table and chains the rows already there (the
 * genesis snapshot), so verification holds from the first start on.
 */
import { resealAll } from '../chain.js';
import type { Db } from '../db.js';

export const sql = `
CREATE TABLE chain_entries (
  seq INTEGER PRIMARY KEY,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),
  row_id INTEGER NOT NULL,
  -- the row's digest (zeros for a removal) and the MAC, as chain_seal() returns them: one call per row written
  seal BLOB NOT NULL CHECK (length(seal) = 64),
  digest BLOB GENERATED ALWAYS AS (substr(seal, 1, 32)) VIRTUAL,
  mac BLOB GENERATED ALWAYS AS (substr(seal, 33, 32)) VIRTUAL
);
CREATE INDEX chain_entries_row ON chain_entries (tbl, row_id, seq);
CREATE TRIGGER chain_entries_immutable BEFORE UPDATE ON chain_entries BEGIN SELECT RAISE(ABORT, 'chain entries are immutable'); END;
CREATE TRIGGER chain_entries_kept BEFORE DELETE ON chain_entries BEGIN SELECT RAISE(ABORT, 'chain entries are never deleted'); END;
CREATE TABLE chain_checks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('start', 'full')),
  ok INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  mac BLOB,
  at TEXT NOT NULL,
  finding TEXT,
  tag BLOB NOT NULL
);
`;

export const run = (db: Db): void => resealAll(db);
