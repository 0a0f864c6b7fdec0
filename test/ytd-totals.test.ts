/**
 * Running year-to-date totals (store/ytd-totals.ts, issue 18 item 4): the same Ytd as the snapshot plus the
 * ledger's movements since (Persons.ytdFromLedger, the old computation kept as the oracle) after settlements,
 * reversals and new snapshots; a store migrated from schema 14 with history gets identical totals; an edited total
 * fails the full check and money writes are refused.
 */
import { describe, expect, it } from 'vitest';
import { closeDatabase } from '../electron/worker/store/db.js';
import { assertIntact, requireFullVerification, verifyChain } from '../electron/worker/store/chain.js';
import { totalsDifference } from '../electron/worker/store/ytd-totals.js';
import { fen, parseSignedFen } from '../shared/engine/exact.js';
import { asReversal, dazhouPerson, example1Bill, makeStore, openStoreFile, type TestStore } from './store-support.js';

const YEARS = [2025, 2026, 2027];

function sameAsLedger(s: TestStore, persons: number[]): void {
  for (const p of persons) expect(s.service.persons.ytd(p, YEARS)).toEqual(s.service.persons.ytdFromLedger(p, YEARS));
}

/** Three persons with settlements, a reversal and a later insurer snapshot (as_of between movements). */
function history(s: TestStore): number[] {
  const a = s.service.persons.record(s.cashier, dazhouPerson(1)).person_id;
  const b = s.service.persons.record(s.cashier, dazhouPerson(2)).person_id;
  const c = s.service.persons.record(s.cashier, dazhouPerson(3)).person_id;
  const bill = (person: number, total: string, date: string) =>
    example1Bill(person, {
      admission_date: date,
      discharge_date: date,
      costs: [
        { date, medfee_sumamt: total, fulamt_ownpay_amt: '0.00', overlmt_selfpay: '0.00', preselfpay_amt: '0.00' },
      ],
    });
  s.service.settlements.settle(s.cashier, bill(a, '20900.00', '2026-03-10'));
  s.clock.set('2026-03-20T03:00:00Z');
  const second = s.service.settlements.settle(s.cashier, bill(a, '14450.00', '2026-03-18'));
  s.service.settlements.settle(s.cashier, bill(b, '180000.00', '2026-03-12'));
  s.clock.set('2026-03-20T04:00:00Z');
  s.service.settlements.reverse(s.supervisor, asReversal({ number: second.number, reason: '录入错误' }));
  s.service.settlements.settle(s.cashier, bill(a, '9000.00', '2026-03-19'));
  // b's insurer snapshot as of 03:30: the movement at 02:00 is replaced by the stated values, later ones still add.
  s.clock.set('2026-03-20T05:00:00Z');
  s.service.persons.record(
    s.cashier,
    dazhouPerson(2, {
      source: 'insurer',
      as_of: '2026-03-20T03:30:00Z',
      accumulators: {
        2026: { basic: { paid: '150000.00', admissions: 2 }, large_amount: { paid: '10.00', base: '20.00' } },
      },
    }),
  );
  s.service.settlements.settle(s.cashier, bill(b, '5000.00', '2026-03-19'));
  s.service.settlements.settle(s.cashier, bill(c, '3000.00', '2026-03-19'));
  // c's snapshot dated after the settlement that follows it (a clock behind the insurer's): not counted, as before.
  s.service.persons.record(s.cashier, dazhouPerson(3, { source: 'insurer', as_of: '2026-03-20T09:00:00Z' }));
  s.service.settlements.settle(s.cashier, bill(c, '3000.00', '2026-03-19'));
  return [a, b, c];
}

describe('running ytd totals', () => {
  it("fen and amount text round-trip as formatAmount writes them (the engine's own: shared/engine/exact.ts)", () => {
    for (const t of ['0.00', '-0.00', '12.30', '-12.30', '0.05', '100000000000.99', '7'])
      expect(fen(parseSignedFen(t))).toBe(t === '-0.00' ? '0.00' : t === '7' ? '7.00' : t);
    expect(() => parseSignedFen('1.005')).toThrow();
    expect(() => parseSignedFen('1e3')).toThrow();
  });

  it('give the same ytd as the snapshot plus the ledger after settling, reversing and new snapshots', () => {
    const s = makeStore();
    const persons = history(s);
    sameAsLedger(s, persons);
    expect(s.service.persons.ytd(persons[0]!, [2026])['2026']!['basic']!.admissions).toBe(2);
    expect(totalsDifference(s.service.db)).toBeNull();
    expect(requireFullVerification(s.service.db).ok).toBe(true);
  });

  it('a store at schema 14 with history is migrated to identical totals', () => {
    const s = makeStore();
    const persons = history(s);
    const before = persons.map((p) => s.service.persons.ytdFromLedger(p, YEARS));
    closeDatabase(s.service.db);
    // Back to schema 14 as an older app left it: no totals table (its triggers go with it).
    const raw = openStoreFile(s.dbPath, { chain: true });
    raw.exec('DROP TABLE ytd_totals');
    raw.pragma('user_version = 14');
    raw.close();
    const service = s.reopen();
    expect(service.db.pragma('user_version', { simple: true })).toBe(15);
    expect(persons.map((p) => service.persons.ytd(p, YEARS))).toEqual(before);
    expect(requireFullVerification(service.db).ok).toBe(true);
    closeDatabase(service.db);
  });

  it('an edited total fails the check and money writes are refused', () => {
    const s = makeStore();
    const persons = history(s);
    const db = s.service.db;
    // With the chain functions (as the app could): the chain sees the update, only the ledger check catches it.
    db.prepare("UPDATE ytd_totals SET paid = paid + 100 WHERE person_id = ? AND layer = 'basic'").run(persons[0]);
    expect(totalsDifference(db)?.detail).toMatch(/from the ledger/);
    const v = verifyChain(db, 'full');
    expect(v.ok).toBe(false);
    expect(v.finding?.table).toBe('ytd_totals');
    expect(() => assertIntact(db)).toThrow(/ytd_totals/);
    expect(() => s.service.settlements.settle(s.cashier, example1Bill(persons[0]!))).toThrow(/ytd_totals/);
  });

  it('an edit around the app (no chain functions) is caught by the chain', () => {
    const s = makeStore();
    history(s);
    closeDatabase(s.service.db);
    const raw = openStoreFile(s.dbPath);
    expect(() => raw.prepare('UPDATE ytd_totals SET paid = paid + 100').run()).toThrow(/no such function/);
    raw.close();
  });
});
