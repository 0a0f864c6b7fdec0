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
import { fen, parseSignedFen } from '../../../shared/engine/exact.js';
import { cached } from '../../node/statement-cache.js';
import type { Db } from './db.js';

/** The basic layer's id (shared/rules/schema.ts BASIC_LAYER_ID): its accumulator is paid + admissions, not base. */
const BASIC = 'basic';

export interface TotalRow {
  person_id: number;
  year: number;
  layer: string;
  paid: number;
  base: number;
  admissions: number;
}

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
  const sums = new Map<string, TotalRow>();
  const at = (year: number, layer: string): TotalRow => {
    const k = `${year}\0${layer}`;
    let r = sums.get(k);
    if (!r) sums.set(k, (r = { person_id: personId, year, layer, paid: 0, base: 0, admissions: 0 }));
    return r;
  };
  for (const [year, layers] of Object.entries(JSON.parse(snap.accumulators) as Stated)) {
    // A year key that is not a year cannot be asked for by ytd(); kept out as ytd() never reads it.
    if (!/^\d{4}$/.test(year)) continue;
    for (const [layer, v] of Object.entries(layers)) {
      const r = at(Number(year), layer);
      r.paid += parseSignedFen(v.paid ?? '0');
      r.base += parseSignedFen(v.base ?? '0');
      r.admissions += v.admissions ?? 0;
    }
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
  }>) {
    const r = at(m.year, m.layer);
    r.paid += parseSignedFen(m.paid);
    r.base += parseSignedFen(m.base);
    r.admissions += m.admissions;
  }
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
  const stored = new Map<string, TotalRow & { rowid: number }>();
  for (const r of db
    .prepare('SELECT rowid, person_id, year, layer, paid, base, admissions FROM ytd_totals')
    .iterate() as IterableIterator<TotalRow & { rowid: number }>)
    stored.set(`${r.person_id}\0${r.year}\0${r.layer}`, r);
  const persons = db.prepare('SELECT DISTINCT person_id FROM person_snapshots ORDER BY person_id').pluck().all();
  for (const id of persons) {
    for (const r of expectedTotals(db, id as number)) {
      const k = `${r.person_id}\0${r.year}\0${r.layer}`;
      const s = stored.get(k);
      stored.delete(k);
      if (!s) return { rowId: null, detail: `person ${r.person_id} ${r.year} ${r.layer}: no running total` };
      if (s.paid !== r.paid || s.base !== r.base || s.admissions !== r.admissions)
        return {
          rowId: s.rowid,
          detail: `person ${r.person_id} ${r.year} ${r.layer}: ${fen(s.paid)}/${fen(s.base)}/${s.admissions} stored, ${fen(r.paid)}/${fen(r.base)}/${r.admissions} from the ledger`,
        };
    }
  }
  for (const s of stored.values())
    return { rowId: s.rowid, detail: `person ${s.person_id} ${s.year} ${s.layer}: a total the ledger does not make` };
  return null;
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
      layers[r.layer] =
        r.layer === BASIC ? { paid: fen(r.paid), admissions: r.admissions } : { paid: fen(r.paid), base: fen(r.base) };
    out[String(year)] = layers;
  }
  return out;
}
