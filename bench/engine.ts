/**
 * Engine throughput over a mixed batch of the five regions (request validation
 * included, as the CLI and the store call it). Prints settlements per second
 * and what re-settling a city's year of claims (1,000,000) would take.
 *
 *   npm run bench            (BENCH_N=200000 to change the count)
 */
import { Decimal } from '../shared/money.js';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';

const N = Number(process.env['BENCH_N'] ?? 200_000);
const rules = bundledRuleSet();

const profiles = [
  { region: 'dazhou', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'kaifeng', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'qingyang', scheme: 'employee', enrolled: { supplementary: true } },
  { region: 'deyang', scheme: 'resident', enrolled: { supplementary: true } },
  { region: 'jiangyin', scheme: 'resident', enrolled: {} },
  { region: 'jiangyin', scheme: 'employee', enrolled: {} },
] as const;

/** A deterministic pseudo-random mix: bills from a few thousand yuan to 600,000, some cross-year stays, some accumulators. */
function makeRequests(count: number): unknown[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const p = profiles[i % profiles.length]!;
    const total = new Decimal(rand(60_000_000) + 100_000).div(100);
    const fulamt = total.times(rand(20)).div(100).toDecimalPlaces(2);
    const crossYear = rand(10) === 0;
    const costs = crossYear
      ? [
          { date: '2026-12-30', medfee_sumamt: total.div(2).toDecimalPlaces(2).toFixed(2), fulamt_ownpay_amt: '0.00', overlmt_selfpay: '0.00', preselfpay_amt: '0.00' },
          { date: '2027-01-05', medfee_sumamt: total.minus(total.div(2).toDecimalPlaces(2)).toFixed(2), fulamt_ownpay_amt: fulamt.toFixed(2), overlmt_selfpay: '0.00', preselfpay_amt: '0.00' },
        ]
      : [{ date: '2026-06-20', medfee_sumamt: total.toFixed(2), fulamt_ownpay_amt: fulamt.toFixed(2), overlmt_selfpay: '0.00', preselfpay_amt: '0.00' }];
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

const requests = makeRequests(Math.min(N, 50_000));
// Warm up the JIT, then measure.
for (let i = 0; i < 5_000; i++) settle(requests[i % requests.length], rules);
const start = process.hrtime.bigint();
let cash = new Decimal(0);
for (let i = 0; i < N; i++) cash = cash.plus(settle(requests[i % requests.length], rules).psn_cash_pay);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const perSecond = N / seconds;
console.log(`engine: ${N} settlements (5 regions, mixed) in ${seconds.toFixed(2)} s`);
console.log(`engine: ${Math.round(perSecond)} settlements/s; 1,000,000 would take ${(1_000_000 / perSecond).toFixed(1)} s (goal < 60 s)`);
console.log(`engine: checksum of cash parts ${cash.toFixed(2)}`);
