/**
 * Running year-to-date accumulators per (person, year, layer): what ytd() used to add up from the person's latest
 * snapshot and every ledger movement recorded after its as_of, kept up to date in the same transaction as the
 * movement (settle, reverse) or the snapshot (person.record), so settling costs the same however long the history.
 *
 * A row holds the snapshot's stated values for that year and layer plus the ledger's movements recorded after the
 * snapshot's as_of, in integer fen (amounts in the store have at most two decimals: shared/money.ts AMOUNT_PATTERN).
 * The ledger stays the source of truth: `totalsDifference` rebuilds every row from person_snapshots and ledger and
 * compares (run by the chain's full check, store/chain.ts: a difference fails the check and money writes are
 * refused like any other integrity failure). The table is chained like every other, so an edit outside the app is
 * caught by the start check too.
 */
import { parseSignedFen } from '../../../shared/engine/exact.js';
import { TotalSums, firstDifference, ytdValue, type TotalRow } from '../../../shared/engine/running-totals.js';
import { cached } from '../../node/statement-cache.js';
import type { Db } from './db.js';

const UPSERT = `INSERT INTO ytd_totals (person_id, year, layer, paid, base, admissions) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (person_id, year, layer) DO UPDATE SET paid = paid + excluded.paid, base = base + excluded.base,
  admissions = admissions + excluded.admissions`;

/**
 * A ledger movement just written (same transaction): counted in the running totals when ytd() counts it, i.e.
 * recorded after the as_of of the person's latest snapshot.
 */
export function addMovement(
  db: Db,
  snapshotAsOf: string,
  m: {
    person_id: number;
    year: number;
    layer: string;
    paid: string;
    base: string;
    admissions: number;
    recorded_at: string;
  },
): void {
  if (!(m.recorded_at > snapshotAsOf)) return;
  cached(db, UPSERT).run(m.person_id, m.year, m.layer, parseSignedFen(m.paid), parseSignedFen(m.base), m.admissions);
}

/** The as_of of the person's latest snapshot (null without one). */
export function latestAsOf(db: Db, personId: number): string | null {
  return (
    (
      cached(db, 'SELECT as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1').get(personId) as
        { as_of: string } | undefined
    )?.as_of ?? null
  );
}

type Stated = Record<string, Record<string, { paid?: string; base?: string; admissions?: number }>>;

/** The totals of one person as the ledger and the latest snapshot make them (the source of truth). */
export function expectedTotals(db: Db, personId: number): TotalRow[] {
  const snap = cached(
    db,
    'SELECT accumulators, as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1',
  ).get(personId) as { accumulators: string; as_of: string } | undefined;
  if (!snap) return [];
  const sums = new TotalSums();
  for (const [year, layers] of Object.entries(JSON.parse(snap.accumulators) as Stated)) {
    // A year key that is not a year cannot be asked for by ytd(); kept out as ytd() never reads it.
    if (!/^\d{4}$/.test(year)) continue;
    for (const [layer, v] of Object.entries(layers)) sums.add(personId, Number(year), layer, v);
  }
  for (const m of cached(
    db,
    'SELECT year, layer, paid, base, admissions FROM ledger WHERE person_id = ? AND recorded_at > ? ORDER BY id',
  ).iterate(personId, snap.as_of) as IterableIterator<{
    year: number;
    layer: string;
    paid: string;
    base: string;
    admissions: number;
  }>)
    sums.add(personId, m.year, m.layer, m);
  return [...sums.values()];
}

/** Rebuilds one person's rows from the ledger (a new snapshot replaces the stated values and moves as_of). */
export function rebuildPerson(db: Db, personId: number): void {
  const rows = expectedTotals(db, personId);
  const stored = new Map(
    (
      cached(db, 'SELECT person_id, year, layer, paid, base, admissions FROM ytd_totals WHERE person_id = ?').all(
        personId,
      ) as TotalRow[]
    ).map((r) => [`${r.year}\0${r.layer}`, r]),
  );
  // Only what changed is written (each write is a chain entry).
  for (const r of rows) {
    const k = `${r.year}\0${r.layer}`;
    const s = stored.get(k);
    stored.delete(k);
    if (s && s.paid === r.paid && s.base === r.base && s.admissions === r.admissions) continue;
    cached(
      db,
      `INSERT INTO ytd_totals (person_id, year, layer, paid, base, admissions) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (person_id, year, layer) DO UPDATE SET paid = excluded.paid, base = excluded.base, admissions = excluded.admissions`,
    ).run(r.person_id, r.year, r.layer, r.paid, r.base, r.admissions);
  }
  for (const s of stored.values())
    cached(db, 'DELETE FROM ytd_totals WHERE person_id = ? AND year = ? AND layer = ?').run(
      s.person_id,
      s.year,
      s.layer,
    );
}

/** Every person's rows from the ledger (the migration that adds the table). */
export function rebuildAll(db: Db): void {
  for (const id of db.prepare('SELECT DISTINCT person_id FROM person_snapshots ORDER BY person_id').pluck().all())
    rebuildPerson(db, id as number);
}

/**
 * The first row whose stored totals differ from what the ledger and the latest snapshot make them (missing, extra
 * or a different value), or null. O(ledger + snapshots): run by the full check.
 */
export function totalsDifference(db: Db): { rowId: number | null; detail: string } | null {
  const stored = db
    .prepare('SELECT rowid, person_id, year, layer, paid, base, admissions FROM ytd_totals')
    .all() as (TotalRow & { rowid: number })[];
  const persons = db.prepare('SELECT DISTINCT person_id FROM person_snapshots ORDER BY person_id').pluck().all();
  const d = firstDifference(
    stored,
    persons.flatMap((id) => expectedTotals(db, id as number)),
    'the ledger',
  );
  return d && { rowId: d.stored?.rowid ?? null, detail: d.detail };
}

export type Ytd = Record<string, Record<string, { paid: string; base?: string; admissions?: number }>>;

/** ytd() from the running totals: the same values (and layers) as the snapshot plus the ledger's movements since. */
export function readYtd(db: Db, personId: number, years: readonly number[]): Ytd {
  const out: Ytd = {};
  const q = cached(
    db,
    'SELECT layer, paid, base, admissions FROM ytd_totals WHERE person_id = ? AND year = ? ORDER BY layer',
  );
  for (const year of years) {
    const layers: Ytd[string] = {};
    for (const r of q.iterate(personId, year) as IterableIterator<Omit<TotalRow, 'person_id' | 'year'>>)
      layers[r.layer] = ytdValue(r);
    out[String(year)] = layers;
  }
  return out;
}
