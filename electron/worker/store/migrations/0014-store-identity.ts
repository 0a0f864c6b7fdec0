/**
 * Schema 14: the store's identity, a random id made once when the store is created (or reaches this version).
 * Chained like every row, it makes each store's chain its own from its first entries on: two stores under the same
 * key (a test terminal, a reinstall) would otherwise start with the same genesis entries, and a backup of one
 * would agree with the other's anchor marks (store/anchors.ts). Also named in the anchor file for IT.
 */
import { randomBytes } from 'node:crypto';
import { resealTables } from '../chain.js';
import type { Db } from '../db.js';

export const sql = `
CREATE TABLE store_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  store_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

export function run(db: Db): void {
  db.prepare('INSERT INTO store_identity (id, store_id, created_at) VALUES (1, ?, ?)').run(
    randomBytes(16).toString('hex'),
    new Date().toISOString(),
  );
  resealTables(db, ['store_identity']);
}
