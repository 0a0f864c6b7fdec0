/**
 * The reference insurer's running accumulator totals (insurer/persons.ts, issue 18 item 4): accumulators() reads
 * them and gives what the sum of the moves gives; an insurer database of version 6 with history is upgraded to the
 * same accumulators; totals that differ from the moves are rebuilt from them at open.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInsurerDb, writeTransaction, type Db } from '../insurer/db.js';
import { accumulatorTotalsDifference, accumulators, recordMoves, upsertPerson } from '../insurer/persons.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { Decimal } from '../shared/money.js';

const AT = '2026-03-01T00:00:00.000Z';

function withHistory(path: string): { db: Db; person: number } {
  const db = openInsurerDb(path);
  const seed = SEED_PERSONS[0]!;
  const person = writeTransaction(db, () => {
    const id = upsertPerson(db, { ...seed, suspended_years: [] }, AT);
    let before = accumulators(db, id, [2026]);
    for (let i = 1; i <= 40; i++) {
      const paid = new Decimal(before['2026']!['basic']!.paid!).plus(`${i}.05`).toFixed(2);
      const after = {
        2026: {
          basic: { paid, admissions: (before['2026']!['basic']!.admissions ?? 0) + 1 },
          large_amount: { paid: `${i}.00`, base: `${i * 2}.10` },
        },
      };
      recordMoves(db, id, before, after, 'other_hospital', null, AT);
      before = accumulators(db, id, [2026]);
    }
    return id;
  });
  return { db, person };
}

/** The accumulators as the moves sum them (the computation before the running totals). */
function fromMoves(db: Db, person: number, year: number) {
  const rows = db
    .prepare('SELECT layer, paid, base, admissions FROM accumulator_moves WHERE person_id = ? AND year = ?')
    .all(person, year) as { layer: string; paid: string; base: string; admissions: number }[];
  const sum = (layer: string, k: 'paid' | 'base') =>
    rows
      .filter((r) => r.layer === layer)
      .reduce((a, r) => a.plus(r[k]), new Decimal(0))
      .toFixed(2);
  return {
    basic: {
      paid: sum('basic', 'paid'),
      admissions: rows.filter((r) => r.layer === 'basic').reduce((a, r) => a + r.admissions, 0),
    },
    large_amount: { paid: sum('large_amount', 'paid'), base: sum('large_amount', 'base') },
  };
}

describe('insurer running accumulator totals', () => {
  it('give what the moves sum to', () => {
    const { db, person } = withHistory(join(mkdtempSync(join(tmpdir(), 'insurer-acc-')), 'insurer.sqlite'));
    expect(accumulators(db, person, [2026])['2026']).toEqual(fromMoves(db, person, 2026));
    expect(accumulators(db, person, [2026])['2026']!['basic']!.admissions).toBe(40);
    expect(accumulators(db, person, [2025])).toEqual({ 2025: { basic: { paid: '0.00', admissions: 0 } } });
    expect(accumulatorTotalsDifference(db)).toBeNull();
    db.close();
  });

  it('a version 6 database with history is upgraded to the same accumulators', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'insurer-acc-')), 'insurer.sqlite');
    const { db, person } = withHistory(path);
    const before = accumulators(db, person, [2026]);
    db.exec('DROP TABLE accumulator_totals');
    db.pragma('user_version = 6');
    db.close();
    const again = openInsurerDb(path);
    expect(again.pragma('user_version', { simple: true })).toBe(7);
    expect(accumulators(again, person, [2026])).toEqual(before);
    again.close();
  });

  it('totals that differ from the moves are rebuilt from them at open', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'insurer-acc-')), 'insurer.sqlite');
    const { db, person } = withHistory(path);
    const before = accumulators(db, person, [2026]);
    db.prepare('UPDATE accumulator_totals SET paid = paid + 1').run();
    expect(accumulatorTotalsDifference(db)).toMatch(/from the moves/);
    db.close();
    const again = openInsurerDb(path);
    expect(accumulators(again, person, [2026])).toEqual(before);
    again.close();
  });
});
