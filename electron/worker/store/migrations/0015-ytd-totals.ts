/**
 * Schema 15: running year-to-date accumulators per (person, year, layer) (store/ytd-totals.ts), so settling does
 * not re-add the person's whole ledger. Filled from the ledger and each person's latest snapshot as they are (the
 * same values ytd() computed from them), and chained like every table.
 */
import { resealTables } from '../chain.js';
import type { Db } from '../db.js';
import { rebuildAll } from '../ytd-totals.js';

export const sql = `
CREATE TABLE ytd_totals (
  person_id INTEGER NOT NULL REFERENCES persons (id),
  year INTEGER NOT NULL,
  layer TEXT NOT NULL,
  paid INTEGER NOT NULL,
  base INTEGER NOT NULL,
  admissions INTEGER NOT NULL,
  UNIQUE (person_id, year, layer)
);
`;

export function run(db: Db): void {
  rebuildAll(db);
  resealTables(db, ['ytd_totals']);
}
