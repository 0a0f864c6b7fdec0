/** A deterministic mixed batch of settlement requests over the five bundled regions, for benchmarks. */
import { Decimal, type Money } from '../shared/money.js';

const profiles = [
  { region: 'dazhou', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'kaifeng', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'qingyang', scheme: 'employee', enrolled: { supplementary: true } },
  { region: 'deyang', scheme: 'resident', enrolled: { supplementary: true } },
  { region: 'jiangyin', scheme: 'resident', enrolled: {} },
  { region: 'jiangyin', scheme: 'employee', enrolled: {} },
] as const;

/** Bills from 1,000 to 600,000 yuan, one in ten a cross-year stay, random accumulators. */
export function mixedRequests(count: number, seed = 42): unknown[] {
  // 32-bit LCG with integer multiply (a double would lose bits and fall into a short cycle).
  let state = seed >>> 0;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const p = profiles[i % profiles.length]!;
    const total = new Decimal(rand(60_000_000) + 100_000).div(100);
    const fulamt = total.times(rand(20)).div(100).toDecimalPlaces(2);
    const crossYear = rand(10) === 0;
    const half = total.div(2).toDecimalPlaces(2);
    const line = (date: string, medfee: Money, full: Money) => ({
      date,
      medfee_sumamt: medfee.toFixed(2),
      fulamt_ownpay_amt: full.toFixed(2),
      overlmt_selfpay: '0.00',
      preselfpay_amt: '0.00',
    });
    const costs = crossYear
      ? [line('2026-12-30', half, new Decimal(0)), line('2027-01-05', total.minus(half), fulamt)]
      : [line('2026-06-20', total, fulamt)];
    out.push({
      region: p.region,
      insured: { scheme: p.scheme, retired: rand(4) === 0, medical_assistance: rand(8) === 0, enrolled: p.enrolled },
      hospital_level: 1 + rand(3),
      admission_date: crossYear ? '2026-12-20' : '2026-06-01',
      discharge_date: crossYear ? '2027-01-05' : '2026-06-20',
      costs,
      ytd: { 2026: { basic: { paid: new Decimal(rand(100_000)).toFixed(2), admissions: rand(3) } } },
    });
  }
  return out;
}
