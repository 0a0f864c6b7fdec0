/**
 * The integer engine (shared/engine/*.ts on shared/engine/exact.ts) against the
 * decimal.js engine it replaced, kept as the oracle in test/oracle/ (issue 18).
 *
 * On random requests of the five bundled regions and both schemes, the two must
 * answer the same: the same result deep-equal (every amount text, the parts, the
 * accumulators after, the trace byte for byte), or the same refusal (code, field,
 * messages). Amounts are drawn towards the places where an integer rewrite goes
 * wrong: exactly at (and one fen either side of) deductibles, band thresholds and
 * ends, the basic cap's R = room / r, layer caps; accumulators leaving room 0 or
 * less; half-fen ties (x.xx5) of R × r and of the bands; the largest amount the
 * request allows (MAX_AMOUNT_INTEGER_DIGITS); stays over two or three calendar years.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { settle, settleRequest } from '../shared/engine/settle.js';
import { settle as oracleSettle, settleRequest as oracleSettleRequest } from './oracle/settle.js';
import { parseRequestShape } from '../shared/engine/request.js';
import { Decimal } from '../shared/money.js';
import { MAX_AMOUNT } from '../shared/limits.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { BASIC_LAYER_ID, type RulePackage, type SchemeId } from '../shared/rules/schema.js';
import { DeskError } from '../shared/errors.js';
import { mixedRequests } from '../bench/mixed-requests.js';
import {
  decimalText,
  divHalfUp,
  fixed2,
  mul,
  parseScaled,
  percent,
  pow10,
  roundToFen,
} from '../shared/engine/exact.js';

const rules = bundledRuleSet();

const PROFILES: readonly { region: string; scheme: SchemeId }[] = [
  { region: 'dazhou', scheme: 'employee' },
  { region: 'kaifeng', scheme: 'employee' },
  { region: 'qingyang', scheme: 'employee' },
  { region: 'deyang', scheme: 'resident' },
  { region: 'jiangyin', scheme: 'resident' },
  { region: 'jiangyin', scheme: 'employee' },
];

const MAX_FEN = Number(MAX_AMOUNT.replace('.', ''));
const yuan = (fen: number): string => {
  const s = String(fen).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
};
const fenOf = (s: string): number => Number(new Decimal(s).times(100).toFixed(0));

// ---------------------------------------------------------------------------
// Dates.

const DAY_MS = 86_400_000;
const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------
// Boundary amounts, read from the packages (not restated): for every amount a package states
// (deductibles, caps, thresholds and their modified values, band ends) and every rate q it
// applies (1, r, 1 − r for each ratio with and without the retired increment), the in-policy
// amounts P = d + (V − d′) / q that put R, R × r or the personal share exactly on it.

function interestingFen(pkgs: readonly RulePackage[], scheme: SchemeId): number[] {
  const values = new Set<string>();
  const rates = new Set<string>(['1']);
  const deductibles = new Set<string>(['0']);
  for (const pkg of pkgs) {
    const b = pkg.schemes[scheme];
    if (!b) continue;
    for (const lvl of ['1', '2', '3'] as const) {
      deductibles.add(b.deductible[lvl]);
      deductibles.add(new Decimal(b.deductible[lvl]).times(b.subsequent_admission_factor).toFixed(2));
      const r = new Decimal(b.ratio[lvl]);
      for (const rr of [r, r.plus(b.retired_increment)]) {
        rates.add(rr.toString());
        rates.add(new Decimal(1).minus(rr).toString());
      }
    }
    values.add(b.annual_cap);
    for (const l of pkg.layers) {
      if (!l.schemes.includes(scheme)) continue;
      if (l.annual_cap) values.add(l.annual_cap.amount);
      if (l.combined_cap) values.add(l.combined_cap.amount);
      for (const p of l.parts) {
        const thresholds = [p.threshold, ...Object.values(p.threshold_by_year ?? {}).map((t) => t.amount)];
        for (const t of thresholds) {
          values.add(t);
          for (const m of l.modifiers) values.add(new Decimal(t).times(m.threshold_factor).toString());
        }
        for (const band of p.bands) if (band.to !== null) values.add(band.to);
      }
    }
  }
  const out = new Set<number>();
  for (const v of values)
    for (const q of rates)
      for (const dd of deductibles) {
        if (new Decimal(q).isZero()) continue;
        const R = new Decimal(v).minus(dd).div(q);
        if (R.isNegative()) continue;
        for (const extra of ['0', ...deductibles]) {
          const p = fenOf(R.plus(extra).toFixed(2, Decimal.ROUND_DOWN));
          for (const j of [-2, -1, 0, 1, 2]) if (p + j >= 0) out.add(p + j);
        }
      }
  return [...out].sort((a, b) => a - b);
}

const BOUNDARIES = new Map<string, number[]>(
  PROFILES.map((p) => [`${p.region}/${p.scheme}`, interestingFen(rules.versions(p.region), p.scheme)]),
);

// ---------------------------------------------------------------------------
// Generators.

/** An in-policy amount (fen): a boundary, a half-fen tie candidate, or plain random of every size. */
const inPolicyArb = (key: string): fc.Arbitrary<number> => {
  const boundaries = BOUNDARIES.get(key)!;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...boundaries) },
    // R × 0.85 (and other two-decimal rates) is a half-fen tie when R ≡ 10 (mod 20): near ties.
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2_000_000 }).map((n) => n * 20 + 10) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 50_000_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 100_000_000_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, MAX_FEN, MAX_FEN - 1, Math.floor(MAX_FEN / 3)) },
  );
};

interface LineSpec {
  dayPick: number;
  p: number;
  self: [number, number, number];
}

const lineArb = (key: string): fc.Arbitrary<LineSpec> =>
  fc.record({
    dayPick: fc.nat(100_000),
    p: inPolicyArb(key),
    self: fc.tuple(
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000_000 })),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500_000 })),
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
    ),
  });

/** Where a stay starts: around a layer's period start or end, a year end, or anywhere 2016–2031. */
const stayArb = fc.record({
  kind: fc.constantFrom('plain', 'year_end', 'multi_year', 'anchor'),
  year: fc.integer({ min: 2016, max: 2031 }),
  offset: fc.integer({ min: 0, max: 364 }),
  len: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 120 })),
  before: fc.integer({ min: 1, max: 20 }),
  years: fc.integer({ min: 1, max: 2 }),
  anchor: fc.constantFrom('2021-01-01', '2023-04-01', '2024-01-01', '2026-01-01', '2028-03-31', '2020-07-01'),
});

/** An accumulator amount relative to a cap (fen): none, some, exactly the cap (room 0), just under, beyond. */
const accArb = fc.oneof(
  fc.constant({ kind: 'none' as const, n: 0 }),
  fc.record({ kind: fc.constantFrom('frac', 'cap', 'under', 'over'), n: fc.nat(1_000_000) }),
);
type StaySpec = typeof stayArb extends fc.Arbitrary<infer T> ? T : never;
type AccSpec = { kind: 'none' | 'frac' | 'cap' | 'under' | 'over'; n: number };
const accAmount = (capFen: number, a: AccSpec): number | null => {
  switch (a.kind) {
    case 'none':
      return null;
    case 'frac':
      return Math.floor((capFen * (a.n % 1001)) / 1000);
    case 'cap':
      return capFen;
    case 'under':
      return Math.max(0, capFen - (a.n % 5000));
    case 'over':
      return capFen + (a.n % 5_000_000);
  }
};

const requestArb = fc
  .record({
    profile: fc.nat(PROFILES.length - 1),
    level: fc.constantFrom(1, 2, 3),
    retired: fc.boolean(),
    assistance: fc.boolean(),
    enrolled: fc.array(fc.oneof(fc.boolean(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })), {
      minLength: 3,
      maxLength: 3,
    }),
    stay: stayArb,
    lineSeed: fc.nat(),
    basicAcc: fc.array(fc.record({ paid: accArb, admissions: fc.integer({ min: 0, max: 3 }) }), {
      minLength: 3,
      maxLength: 3,
    }),
    layerAcc: fc.array(fc.record({ paid: accArb, base: accArb }), { minLength: 9, maxLength: 9 }),
    prior: fc.array(fc.oneof(fc.constant(null), fc.nat(5_000_000)), { minLength: 3, maxLength: 3 }),
    filedAfterMonths: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 40 })),
    trace: fc.boolean(),
  })
  .chain((r) => {
    const { region, scheme } = PROFILES[r.profile]!;
    return fc
      .array(lineArb(`${region}/${scheme}`), { minLength: 1, maxLength: 5 })
      .map((lines) => buildRequest(r, region, scheme, lines));
  });

function buildRequest(
  r: {
    level: number;
    retired: boolean;
    assistance: boolean;
    enrolled: (boolean | boolean[])[];
    stay: StaySpec;
    basicAcc: { paid: AccSpec; admissions: number }[];
    layerAcc: { paid: AccSpec; base: AccSpec }[];
    prior: (number | null)[];
    filedAfterMonths: number | null;
    trace: boolean;
  },
  region: string,
  scheme: SchemeId,
  lines: LineSpec[],
): { req: Record<string, unknown>; trace: boolean } {
  const s = r.stay;
  let admission: number;
  let discharge: number;
  if (s.kind === 'plain') {
    admission = dayOf(`${s.year}-01-01`) + s.offset;
    discharge = admission + s.len;
  } else if (s.kind === 'year_end') {
    admission = dayOf(`${s.year + 1}-01-01`) - s.before;
    discharge = dayOf(`${s.year + 1}-01-01`) + (s.len % 20);
  } else if (s.kind === 'multi_year') {
    admission = dayOf(`${s.year + 1}-01-01`) - s.before;
    discharge = dayOf(`${s.year + 1 + s.years}-01-01`) + (s.len % 20);
  } else {
    admission = dayOf(s.anchor) - s.before;
    discharge = dayOf(s.anchor) + (s.len % 30);
  }
  const years: number[] = [];
  for (let y = Number(isoOf(admission).slice(0, 4)); y <= Number(isoOf(discharge).slice(0, 4)); y++) years.push(y);
  // Lines: the first on admission, the last on discharge (a stay over years bills each), the rest anywhere.
  // Their total stays within the 12-digit limit: a huge line is scaled down by the line count.
  const len = discharge - admission;
  const costs = lines.map((l, i) => {
    const day = i === 0 ? admission : i === lines.length - 1 ? discharge : admission + (l.dayPick % (len + 1));
    const p = lines.length > 1 && l.p > MAX_FEN / 8 ? Math.floor(l.p / (lines.length + 1)) : l.p;
    let room = MAX_FEN - p;
    const self = l.self.map((x) => {
      const v = Math.min(x, room);
      room -= v;
      return v;
    });
    const [fulamt, overlmt, preself] = self as [number, number, number];
    return {
      date: isoOf(day),
      medfee_sumamt: yuan(p + fulamt + overlmt + preself),
      fulamt_ownpay_amt: yuan(fulamt),
      overlmt_selfpay: yuan(overlmt),
      preselfpay_amt: yuan(preself),
    };
  });
  // Accumulators per year of the stay, against the caps of the package in force mid-year.
  const ytd: Record<string, Record<string, Record<string, unknown>>> = {};
  const enrolled: Record<string, unknown> = {};
  const prior: Record<string, string> = {};
  const layerIds = [...rules.layerIds(region)];
  years.forEach((y, yi) => {
    const pkg = rules.versionFor(region, `${y}-06-30`) ?? rules.versions(region)[0]!;
    const b = pkg.schemes[scheme];
    const year: Record<string, Record<string, unknown>> = {};
    const ba = r.basicAcc[yi % 3]!;
    const paid = b ? accAmount(fenOf(b.annual_cap), ba.paid) : null;
    if (paid !== null || ba.admissions > 0) year[BASIC_LAYER_ID] = { paid: yuan(paid ?? 0), admissions: ba.admissions };
    pkg.layers.forEach((l, li) => {
      if (!l.schemes.includes(scheme)) return;
      const la = r.layerAcc[(yi * 3 + li) % 9]!;
      const cap = fenOf(l.annual_cap?.amount ?? l.combined_cap?.amount ?? '500000');
      const threshold = fenOf(l.parts[0]!.threshold);
      const lp = accAmount(cap, la.paid);
      const lb = accAmount(threshold, la.base);
      if (lp !== null || lb !== null) year[l.id] = { paid: yuan(lp ?? 0), base: yuan(lb ?? 0) };
    });
    if (Object.keys(year).length > 0) ytd[String(y)] = year;
    const pc = r.prior[yi % 3];
    if (region === 'jiangyin' && pc !== null && pc !== undefined) prior[String(y)] = yuan(pc);
  });
  layerIds.forEach((id, i) => {
    const e = r.enrolled[i % 3]!;
    enrolled[id] = typeof e === 'boolean' ? e : Object.fromEntries(years.map((y, yi) => [String(y), e[yi % 4]]));
  });
  const req: Record<string, unknown> = {
    region,
    insured: { scheme, retired: r.retired, medical_assistance: r.assistance, enrolled },
    hospital_level: r.level,
    admission_date: isoOf(admission),
    discharge_date: isoOf(discharge),
    costs,
    ytd,
  };
  if (Object.keys(prior).length > 0) req['prior_compensation'] = prior;
  if (r.filedAfterMonths !== null) {
    const d = new Date(discharge * DAY_MS);
    d.setUTCMonth(d.getUTCMonth() + r.filedAfterMonths);
    req['claim_filed_on'] = d.toISOString().slice(0, 10);
  }
  return { req, trace: r.trace };
}

// ---------------------------------------------------------------------------
// The comparison.

type Outcome = { ok: unknown } | { error: unknown };

function run(engine: typeof settle, req: unknown, trace: boolean): Outcome {
  try {
    return { ok: engine(req, rules, { trace }) };
  } catch (e) {
    if (e instanceof DeskError) return { error: e.body };
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

const seen = { settled: 0, refused: 0, multiPart: 0, basicCapped: 0, ceiling: 0, bands: 0, ties: 0, huge: 0 };

function observe(out: Outcome): void {
  if (!('ok' in out)) {
    seen.refused++;
    return;
  }
  seen.settled++;
  const r = out.ok as { parts: unknown[]; trace: { step: string; text: string }[]; medfee_sumamt: string };
  if (r.parts.length > 1) seen.multiPart++;
  if (r.medfee_sumamt.length >= 15) seen.huge++;
  for (const t of r.trace) {
    if (t.step === 'basic' && t.text.includes('超过年度剩余限额')) seen.basicCapped++;
    if (t.step === 'in_policy_ceiling') seen.ceiling++;
    if (t.step === 'banded' && t.text.includes('×')) seen.bands++;
    if (t.step === 'sum' && /\d\.\d\d5，/.test(t.text)) seen.ties++;
  }
}

describe('the integer engine equals the decimal.js oracle (test/oracle)', () => {
  it('on random requests of the five regions and both schemes, with boundary amounts: results, trace and refusals identical', () => {
    fc.assert(
      fc.property(requestArb, ({ req, trace }) => {
        const mine = run(settle, req, trace);
        const oracle = run(oracleSettle, req, trace);
        expect(mine).toStrictEqual(oracle);
        observe(mine);
      }),
      { numRuns: 2500 },
    );
    // The generator reaches the cases that matter (not a vacuous pass).
    expect(seen.settled).toBeGreaterThan(1500);
    expect(seen.multiPart).toBeGreaterThan(200);
    expect(seen.basicCapped).toBeGreaterThan(100);
    expect(seen.bands).toBeGreaterThan(300);
    expect(seen.ceiling).toBeGreaterThan(0);
    expect(seen.huge).toBeGreaterThan(10);
  });

  it('on a person’s claims in sequence, each settled with the accumulators the previous one left', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 2, maxLength: 5 }), (claims) => {
        // One person (the first claim's), one region; each next claim starts from the ytd_after of the last.
        let ytd: unknown = claims[0]!.req['ytd'];
        for (const { req, trace } of claims) {
          const next: Record<string, unknown> = {
            ...claims[0]!.req,
            costs: req['costs'],
            admission_date: req['admission_date'],
          };
          next['discharge_date'] = req['discharge_date'];
          next['ytd'] = ytd;
          delete next['prior_compensation'];
          delete next['claim_filed_on'];
          const mine = run(settle, next, trace);
          const oracle = run(oracleSettle, next, trace);
          expect(mine).toStrictEqual(oracle);
          if ('ok' in mine) ytd = (mine.ok as { ytd_after: unknown }).ytd_after;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on negative year-to-date totals from the store (a reversal after a snapshot that never counted the original), as the terminal passes them', () => {
    // The terminal's running totals can go below zero (store/ytd-totals.ts); it settles its own typed request with
    // settleRequest, without the shape check that refuses a negative amount from outside. The old engine settled it.
    const negative = fc.constantFrom('-0.01', '-100.00', '-12345.67', '-150000.00');
    let settled = 0;
    fc.assert(
      fc.property(requestArb, negative, negative, ({ req, trace }, basicPaid, layerAmount) => {
        let typed;
        try {
          typed = parseRequestShape(req);
        } catch {
          return; // a refused shape is compared in the first test
        }
        const year = String(Number(typed.discharge_date.slice(0, 4)));
        // The region's own layers as the generator gave them (another region's layer is refused), all negative.
        const layers: Record<string, { paid: string; base?: string; admissions?: number }> = Object.fromEntries(
          Object.keys(typed.ytd[year] ?? {}).map((id) => [id, { paid: layerAmount, base: layerAmount }]),
        );
        layers[BASIC_LAYER_ID] = { paid: basicPaid, admissions: 1 };
        const req2 = { ...typed, ytd: { ...typed.ytd, [year]: layers } };
        const run2 = (f: typeof settleRequest) => {
          try {
            return { ok: f(req2, rules, { trace }) as unknown };
          } catch (e) {
            if (e instanceof DeskError) return { error: e.body as unknown };
            return { error: `${(e as Error).name}: ${(e as Error).message}` };
          }
        };
        const mine = run2(settleRequest);
        expect(mine).toStrictEqual(run2(oracleSettleRequest as unknown as typeof settleRequest));
        if ('ok' in mine) settled++;
      }),
      { numRuns: 600 },
    );
    expect(settled).toBeGreaterThan(300);
  });

  it('on the bench’s mixed batch (bench/mixed-requests.ts), with and without the trace', () => {
    const batch = mixedRequests(1500, 7);
    batch.forEach((req, i) => {
      const trace = i % 2 === 0;
      expect(run(settle, req, trace)).toStrictEqual(run(oracleSettle, req, trace));
    });
  });

  it('at fixed edges: the largest amount, room 0, a half-fen tie, the deductible exactly', () => {
    const base = {
      region: 'dazhou',
      insured: { scheme: 'employee', retired: false, medical_assistance: false },
      hospital_level: 3,
      admission_date: '2026-06-01',
      discharge_date: '2026-06-20',
    };
    const line = (medfee: string) => ({
      date: '2026-06-10',
      medfee_sumamt: medfee,
      fulamt_ownpay_amt: '0.00',
      overlmt_selfpay: '0.00',
      preselfpay_amt: '0.00',
    });
    const cases = [
      { ...base, costs: [line(MAX_AMOUNT)] },
      { ...base, costs: [line(MAX_AMOUNT)], ytd: { 2026: { basic: { paid: '150000.00', admissions: 1 } } } },
      { ...base, costs: [line('900.10')] }, // R = 0.10: 0.10 × 85% = 0.085 → 0.09
      { ...base, costs: [line('900.00')] },
      { ...base, costs: [line('1000.30')] },
      { ...base, costs: [line('5000.00')], ytd: { 2026: { basic: { paid: '150000.00' } } } },
      { ...base, costs: [line('180000.00')], ytd: { 2026: { large_amount: { paid: '300000.00', base: '0.00' } } } },
      // 97% × 999,999,999,999.99 passes 2^53 fen × 10^-2: the BigInt path.
      {
        ...base,
        region: 'jiangyin',
        hospital_level: 1,
        insured: { scheme: 'employee', retired: true, medical_assistance: true },
        costs: [line(MAX_AMOUNT)],
      },
      {
        ...base,
        region: 'jiangyin',
        insured: { scheme: 'resident', retired: false, medical_assistance: true },
        costs: [line(MAX_AMOUNT)],
        prior_compensation: { 2026: '12345.67' },
      },
    ];
    for (const req of cases) {
      for (const trace of [true, false]) {
        const mine = run(settle, req, trace);
        expect(mine).toStrictEqual(run(oracleSettle, req, trace));
        expect('ok' in mine).toBe(true);
      }
    }
    const tie = run(settle, cases[2], true) as { ok: { hifp_pay: string } };
    expect(tie.ok.hifp_pay).toBe('0.09');
  });

  it('exact.ts: products, half-up rounding, division and texts equal decimal.js, on both sides of 2^53', () => {
    const D = Decimal;
    const amountArb = fc.oneof(fc.integer({ min: 0, max: MAX_FEN }), fc.integer({ min: 0, max: 100_000 }));
    const rateArb = fc
      .tuple(fc.integer({ min: 0, max: 12 }), fc.bigInt({ min: 0n, max: 10n ** 12n }))
      .map(([scale, n]) => {
        const num = scale === 0 ? n % 2n : n % 10n ** BigInt(scale);
        return new D(num.toString()).div(new D(10).pow(scale)).toFixed(scale);
      });
    fc.assert(
      fc.property(amountArb, rateArb, (a, rateText) => {
        const r = parseScaled(rateText);
        const p = mul(a, r.num);
        const exact = new D(a).times(rateText);
        expect(String(p)).toBe(exact.times(pow10(r.scale).toString()).toFixed(0));
        expect(String(roundToFen(p, r.scale))).toBe(exact.toDecimalPlaces(0, D.ROUND_HALF_UP).toFixed(0));
        expect(decimalText(p, r.scale + 2)).toBe(exact.div(100).toString());
        expect(fixed2(p, r.scale)).toBe(exact.div(100).toFixed(2));
        expect(percent(r)).toBe(`${new D(rateText).times(100).toString()}%`);
        if (r.num !== 0 && r.num !== 0n) {
          const q = divHalfUp(mul(a, pow10(r.scale)), r.num);
          expect(String(q)).toBe(new D(a).div(rateText).toDecimalPlaces(0, D.ROUND_HALF_UP).toFixed(0));
          // Negative: the tie away from zero as well, as decimal.js.
          const negQ = divHalfUp(mul(-a, pow10(r.scale)), r.num);
          expect(String(negQ)).toBe(new D(a).neg().div(rateText).toDecimalPlaces(0, D.ROUND_HALF_UP).toFixed(0));
        }
        // A number exactly when safe, else a BigInt (one representation per value).
        expect(typeof p === 'number').toBe(BigInt(p) <= BigInt(Number.MAX_SAFE_INTEGER));
      }),
      { numRuns: 2000 },
    );
  });
});
