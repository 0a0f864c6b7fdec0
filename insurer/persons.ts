/**
 * Insured persons as the insurer knows them: enrolment and status, and the
 * year-to-date accumulators built from every movement it has recorded,
 * including stays at other hospitals that no single terminal has seen
 * (domain.md §1, offline: why an uploaded claim can come back adjusted).
 */
import { cached } from '../electron/node/statement-cache.js';
import { parseSignedFen } from '../shared/engine/exact.js';
import { TotalSums, firstDifference, ytdValue, type TotalRow } from '../shared/engine/running-totals.js';
import { formatAmount, negatedAmount } from '../shared/money.js';
import { BASIC_LAYER_ID } from '../shared/rules/schema.js';
import { movements, type YtdJson } from '../shared/engine/accumulators.js';
import type { PersonSnapshot } from '../shared/sync/protocol.js';
import type { Db } from './db.js';
import type { Enrolment, InsuredPerson } from '../shared/engine/insured.js';

/** An InsuredPerson as the insurer holds them: its row id and the identity number. */
export interface Person extends InsuredPerson {
  id: number;
  id_number: string;
}

export type PersonInput = Omit<Person, 'id' | 'suspended_years'> & { suspended_years?: string[] };

type MoveSource = 'other_hospital' | 'claim' | 'reversal';

/** A persons row: the flags as 0/1, enrolment and suspended years as JSON text. */
type PersonRow = Omit<Person, 'retired' | 'medical_assistance' | 'enrolled' | 'suspended_years'> & {
  retired: number;
  medical_assistance: number;
  enrolled: string;
  suspended_years: string;
};

function fromRow(r: PersonRow): Person {
  return {
    ...r,
    retired: r.retired === 1,
    medical_assistance: r.medical_assistance === 1,
    enrolled: JSON.parse(r.enrolled) as Record<string, Enrolment>,
    suspended_years: JSON.parse(r.suspended_years) as string[],
  };
}

export function findPerson(db: Db, idNumber: string): Person | null {
  const r = cached(db, 'SELECT * FROM persons WHERE id_number = ?').get(idNumber) as PersonRow | undefined;
  return r ? fromRow(r) : null;
}

export function listPersons(db: Db): Person[] {
  return (db.prepare('SELECT * FROM persons ORDER BY id').all() as PersonRow[]).map(fromRow);
}

/** Creates the person or updates what is known of them; their movements are kept. Call inside a write transaction. */
export function upsertPerson(db: Db, p: PersonInput, at: string): number {
  const row = db
    .prepare(
      `INSERT INTO persons (id_number, name, gender, region, scheme, retired, medical_assistance, enrolled, suspended_years, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id_number) DO UPDATE SET name = excluded.name, gender = excluded.gender, region = excluded.region, scheme = excluded.scheme,
         retired = excluded.retired, medical_assistance = excluded.medical_assistance, enrolled = excluded.enrolled, suspended_years = excluded.suspended_years, updated_at = excluded.updated_at
       RETURNING id`,
    )
    .get(
      p.id_number,
      p.name,
      p.gender,
      p.region,
      p.scheme,
      p.retired ? 1 : 0,
      p.medical_assistance ? 1 : 0,
      JSON.stringify(p.enrolled),
      JSON.stringify(p.suspended_years ?? []),
      at,
    ) as { id: number };
  return row.id;
}

/** Records the movements between two ytd states (after − before), per year and layer. */
export function recordMoves(
  db: Db,
  personId: number,
  before: YtdJson,
  after: YtdJson,
  source: MoveSource,
  claimId: number | null,
  at: string,
): void {
  const insert = cached(db, INSERT_MOVE);
  for (const m of movements(before, after)) {
    const paid = formatAmount(m.paid);
    const base = formatAmount(m.base);
    insert.run(personId, m.year, m.layer, paid, base, m.admissions, source, claimId, at);
    addToTotals(db, personId, m.year, m.layer, paid, base, m.admissions);
  }
}

const INSERT_MOVE =
  'INSERT INTO accumulator_moves (person_id, year, layer, paid, base, admissions, source, claim_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The running totals per (person, year, layer) (accumulator_totals), moved in the same transaction as each
 * accumulator_moves row: accumulators() reads them instead of re-adding every move (O(1) per claim).
 */
function addToTotals(
  db: Db,
  personId: number,
  year: number,
  layer: string,
  paid: string,
  base: string,
  admissions: number,
): void {
  cached(
    db,
    `INSERT INTO accumulator_totals (person_id, year, layer, paid, base, admissions) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (person_id, year, layer) DO UPDATE SET paid = paid + excluded.paid, base = base + excluded.base,
       admissions = admissions + excluded.admissions`,
  ).run(personId, year, layer, parseSignedFen(paid), parseSignedFen(base), admissions);
}

/** The totals as accumulator_moves (the source of truth) makes them. */
function totalsFromMoves(db: Db): IterableIterator<TotalRow> {
  const sums = new TotalSums();
  for (const m of db
    .prepare('SELECT person_id, year, layer, paid, base, admissions FROM accumulator_moves ORDER BY id')
    .iterate() as IterableIterator<{
    person_id: number;
    year: number;
    layer: string;
    paid: string;
    base: string;
    admissions: number;
  }>)
    sums.add(m.person_id, m.year, m.layer, m);
  return sums.values();
}

/** Fills accumulator_totals from accumulator_moves (the upgrade that adds it, or a rebuild after a mismatch). */
export function rebuildAccumulatorTotals(db: Db): void {
  db.prepare('DELETE FROM accumulator_totals').run();
  const insert = db.prepare(
    'INSERT INTO accumulator_totals (person_id, year, layer, paid, base, admissions) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const r of totalsFromMoves(db)) insert.run(r.person_id, r.year, r.layer, r.paid, r.base, r.admissions);
}

/** The first (person, year, layer) whose running total differs from the sum of its moves, or null. */
export function accumulatorTotalsDifference(db: Db): string | null {
  const stored = db
    .prepare('SELECT person_id, year, layer, paid, base, admissions FROM accumulator_totals')
    .iterate() as IterableIterator<TotalRow>;
  return firstDifference(stored, totalsFromMoves(db), 'the moves')?.detail ?? null;
}

/** Undoes a claim's movements (a reversal): the same rows, negated, linked to the reversal. */
export function negateMoves(db: Db, claimId: number, reversalId: number, at: string): void {
  const moves = db
    .prepare(
      'SELECT person_id, year, layer, paid, base, admissions FROM accumulator_moves WHERE claim_id = ? AND source = ?',
    )
    .all(claimId, 'claim') as {
    person_id: number;
    year: number;
    layer: string;
    paid: string;
    base: string;
    admissions: number;
  }[];
  const insert = cached(db, INSERT_MOVE);
  for (const m of moves) {
    const paid = negatedAmount(m.paid);
    const base = negatedAmount(m.base);
    insert.run(m.person_id, m.year, m.layer, paid, base, -m.admissions, 'reversal', reversalId, at);
    addToTotals(db, m.person_id, m.year, m.layer, paid, base, -m.admissions);
  }
}

/**
 * The person's accumulators for the given years in the engine's ytd shape:
 * every year present with its basic {paid, admissions}; layers with movements
 * as {paid, base}. Read from the running totals (accumulator_totals), kept with every move.
 */
export function accumulators(db: Db, personId: number, years: readonly number[]): YtdJson {
  const rows = cached(
    db,
    'SELECT layer, paid, base, admissions FROM accumulator_totals WHERE person_id = ? AND year = ?',
  );
  const out: YtdJson = {};
  for (const year of [...new Set(years)].sort((a, b) => a - b)) {
    const sums = new Map<string, { paid: number; base: number; admissions: number }>([
      [BASIC_LAYER_ID, { paid: 0, base: 0, admissions: 0 }],
    ]);
    for (const r of rows.iterate(personId, year) as IterableIterator<{
      layer: string;
      paid: number;
      base: number;
      admissions: number;
    }>)
      sums.set(r.layer, r);
    const layers: YtdJson[string] = {};
    for (const [layer, s] of [...sums.entries()].sort(([a], [b]) =>
      a === BASIC_LAYER_ID ? -1 : b === BASIC_LAYER_ID ? 1 : a < b ? -1 : 1,
    )) {
      layers[layer] = ytdValue({ ...s, layer });
    }
    out[String(year)] = layers;
  }
  return out;
}

/** Every year the person has movements in, with its accumulators (for the start-up listing). */
export function allAccumulators(db: Db, personId: number): YtdJson {
  const years = (
    db.prepare('SELECT DISTINCT year FROM accumulator_moves WHERE person_id = ? ORDER BY year').all(personId) as {
      year: number;
    }[]
  ).map((r) => r.year);
  return accumulators(db, personId, years);
}

export function snapshot(db: Db, person: Person, years: readonly number[], asOf: string): PersonSnapshot {
  return {
    id_number: person.id_number,
    name: person.name,
    gender: person.gender,
    region: person.region,
    scheme: person.scheme,
    retired: person.retired,
    medical_assistance: person.medical_assistance,
    enrolled: person.enrolled,
    suspended_years: person.suspended_years,
    // accumulators() always writes paid (and base or admissions): the protocol's stricter shape.
    accumulators: accumulators(db, person.id, years) as PersonSnapshot['accumulators'],
    as_of: asOf,
  };
}
