/**
 * The queries of the settling path, the running totals and the upload queue use an index (issue 18 item 4):
 * EXPLAIN QUERY PLAN for each, and every index of settlements, ledger, outbox and ytd_totals named by a query here
 * or, for the history search's, by bench/store.ts section 2 (which prints their plans over a million rows).
 */
import { describe, expect, it } from 'vitest';
import { dazhouPerson, example1Bill, makeStore } from './store-support.js';

/** Each query of the path and the index its plan must use. */
const QUERIES: { sql: string; args: unknown[]; index: string }[] = [
  // settle(): the snapshot read once, the running totals read and moved
  {
    sql: 'SELECT region, scheme, retired, medical_assistance, enrolled, suspended_years, accumulators, source, as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1',
    args: [1],
    index: 'person_snapshots_person',
  },
  {
    sql: 'SELECT layer, paid, base, admissions FROM ytd_totals WHERE person_id = ? AND year = ? ORDER BY layer',
    args: [1, 2026],
    index: 'sqlite_autoindex_ytd_totals_1',
  },
  // reverse(): the original by number, whether it was reversed, its ledger movements
  {
    sql: "SELECT * FROM settlements WHERE number = ? AND kind = 'settlement'",
    args: ['x'],
    index: 'sqlite_autoindex_settlements_1',
  },
  { sql: 'SELECT number FROM settlements WHERE reverses_id = ?', args: [1], index: 'sqlite_autoindex_settlements_2' },
  {
    sql: 'SELECT year, layer, paid, base, admissions FROM ledger WHERE settlement_id = ?',
    args: [1],
    index: 'ledger_settlement',
  },
  // the running totals rebuilt for a person (a new snapshot, the full check)
  {
    sql: 'SELECT year, layer, paid, base, admissions FROM ledger WHERE person_id = ? AND recorded_at > ? ORDER BY id',
    args: [1, ''],
    index: 'ledger_person_year',
  },
  // the upload queue
  {
    sql: "SELECT id, kind, ref_id, idempotency_key, payload FROM outbox WHERE status IN ('queued', 'sending') AND held_reason IS NULL ORDER BY id LIMIT ?",
    args: [100],
    index: 'outbox_status',
  },
  {
    sql: 'SELECT id, kind, ref_id, idempotency_key, payload, status FROM outbox WHERE idempotency_key = ?',
    args: ['x'],
    index: 'sqlite_autoindex_outbox_1',
  },
];

/** Indexes whose queries are the history search's (services/records.ts), planned in bench/store.ts section 2. */
const HISTORY_INDEXES = [
  'settlements_person',
  'settlements_date',
  'settlements_settled_at',
  'settlements_kind_settled_at_cover',
];

describe('query plans', () => {
  it('each query of the settling path and the queue uses its index', () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    s.service.settlements.settle(s.cashier, example1Bill(person_id));
    const db = s.service.db;
    const used = new Set<string>();
    for (const q of QUERIES) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
      expect(plan, q.sql).toMatch(new RegExp(`USING (COVERING )?INDEX ${q.index}\\b`));
      for (const m of plan.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)) used.add(m[1]!);
    }
    const indexes = db
      .prepare(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('settlements', 'ledger', 'outbox', 'ytd_totals') ORDER BY name",
      )
      .all() as { name: string; tbl_name: string }[];
    const unused = indexes.map((i) => i.name).filter((n) => !used.has(n) && !HISTORY_INDEXES.includes(n));
    expect(unused).toEqual([]);
  });
});
