/**
 * Property tests of the settlement engine (domain.md §3) over random, valid
 * requests for the five bundled regions.
 *
 * Requests are built from integer cents; every amount computation in this file
 * goes through decimal.js (the engine's own Decimal clone), never JS numbers.
 * Caps are read from the rule packages, not restated here.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, type Money } from '../shared/money.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { settle } from '../shared/engine/settle.js';
import type { LayerAccumulator } from '../shared/engine/request.js';
import type { SettlementResult } from '../shared/engine/result.js';
import {
  BASIC_LAYER_ID,
  FUND_FIELDS,
  SEGMENTS,
  layerPeriod,
  type RulePackage,
  type SchemeId,
} from '../shared/rules/schema.js';

const rules = bundledRuleSet();

// ---------------------------------------------------------------------------
// Regions: what the brief says they cover; the sanity tests check the packages agree.

interface RegionInfo {
  id: string;
  schemes: SchemeId[];
  /** The policy's own layer, whose period (from, to) the stays generated here fall in. */
  layer: string;
  from: string;
  /** Last day a stay may reach; open-ended packages get a horizon. */
  to: string;
}

const HORIZON = '2032-12-31';
const REGIONS: readonly RegionInfo[] = [
  { id: 'dazhou', schemes: ['employee'], layer: 'large_amount', from: '2023-04-01', to: '2028-03-31' },
  { id: 'kaifeng', schemes: ['employee'], layer: 'large_amount', from: '2024-01-01', to: HORIZON },
  { id: 'qingyang', schemes: ['employee'], layer: 'supplementary', from: '2021-01-01', to: HORIZON },
  { id: 'deyang', schemes: ['resident'], layer: 'supplementary', from: '2026-01-01', to: '2030-12-31' },
  { id: 'jiangyin', schemes: ['employee', 'resident'], layer: 'major_illness', from: '2020-07-01', to: HORIZON },
];

// ---------------------------------------------------------------------------
// Dates (calendar arithmetic on day numbers; no money here).

const DAY_MS = 86_400_000;
const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const yearOfIso = (iso: string): number => Number(iso.slice(0, 4));

// ---------------------------------------------------------------------------
// Money helpers (decimal.js only).

const d = (s: string | Money): Money => new Decimal(s);
const centsToAmount = (cents: Money): string => cents.div(100).toFixed(2);
const sum = (xs: Iterable<string | Money>): Money => {
  let t = new Decimal(0);
  for (const x of xs) t = t.plus(x);
  return t;
};
/** floor(total × permille / 1000), to the cent. */
const share = (total: Money, permille: number): Money =>
  total.times(permille).div(1000).toDecimalPlaces(2, Decimal.ROUND_DOWN);
const AMOUNT_2DP = /^-?\d+(\.\d{1,2})?$/;

// ---------------------------------------------------------------------------
// Request types (what `settle` receives as JSON).

interface CostLineJson {
  date: string;
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
}
type YtdJson = Record<string, Record<string, LayerAccumulator>>;
interface RequestJson {
  region: string;
  insured: { scheme: SchemeId; retired: boolean; medical_assistance: boolean; enrolled: Record<string, boolean> };
  hospital_level: 1 | 2 | 3;
  admission_date: string;
  discharge_date: string;
  costs: CostLineJson[];
  ytd: YtdJson;
}

function packageFor(region: string, date: string): RulePackage {
  const pkg = rules.versionFor(region, date);
  if (!pkg) throw new Error(`test setup: no ${region} package on ${date}`);
  return pkg;
}

function packageByVersion(region: string, version: string): RulePackage {
  const pkg = rules.versions(region).find((p) => p.version === version);
  if (!pkg) throw new Error(`test setup: no ${region} package ${version}`);
  return pkg;
}

// ---------------------------------------------------------------------------
// Raw generators (shrink well), mapped to requests deterministically.

const medfeeCentsArb = fc.oneof(
  fc.integer({ min: 0, max: 500_000 }), // ≤ 5,000.00
  fc.integer({ min: 0, max: 20_000_000 }), // ≤ 200,000.00
  fc.integer({ min: 0, max: 80_000_000 }), // ≤ 800,000.00
);
/** Share (‰) of what is left that goes to one self-pay field; often none. */
const selfPayPermilleArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 1000 }),
);

const lineRawArb: fc.Arbitrary<LineRaw> = fc.record({
  dayPick: fc.nat(10_000),
  medfeeCents: medfeeCentsArb,
  fulamt: selfPayPermilleArb,
  overlmt: selfPayPermilleArb,
  preself: selfPayPermilleArb,
});
interface LineRaw {
  dayPick: number;
  medfeeCents: number;
  fulamt: number;
  overlmt: number;
  preself: number;
}

const stayRawArb: fc.Arbitrary<StayRaw> = fc.oneof(
  fc.record({
    kind: fc.constant('normal' as const),
    startPick: fc.nat(1_000_000),
    len: fc.oneof(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 90 })),
  }),
  // Crossing a year end: admitted `before` days before 1 January, discharged `after` days after it (e.g. Dec 20 → Jan 10).
  fc.record({
    kind: fc.constant('year_end' as const),
    yearPick: fc.nat(1000),
    before: fc.integer({ min: 1, max: 25 }),
    after: fc.integer({ min: 0, max: 25 }),
  }),
);
type StayRaw =
  | { kind: 'normal'; startPick: number; len: number }
  | { kind: 'year_end'; yearPick: number; before: number; after: number };

const basicPermilleArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 900, max: 1000 }), // close to the cap
  fc.integer({ min: 1000, max: 1300 }), // beyond the cap
);
const yearAccRawArb: fc.Arbitrary<YearAccRaw> = fc.record({
  present: fc.boolean(),
  basicPermille: basicPermilleArb,
  extraCents: fc.nat(99),
  admissions: fc.integer({ min: 0, max: 3 }),
  layers: fc.array(
    fc.record({
      present: fc.boolean(),
      paidPermille: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 900, max: 1200 })),
      baseCents: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 40_000_000 }),
      ),
    }),
    { minLength: 3, maxLength: 3 },
  ),
});
type YearAccRaw = {
  present: boolean;
  basicPermille: number;
  extraCents: number;
  admissions: number;
  layers: { present: boolean; paidPermille: number; baseCents: number }[];
};

const personRawArb: fc.Arbitrary<PersonRaw> = fc.record({
  regionIndex: fc.nat(REGIONS.length - 1),
  schemePick: fc.nat(1),
  retired: fc.boolean(),
  medical_assistance: fc.boolean(),
  enrolledBits: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  level: fc.constantFrom(1 as const, 2 as const, 3 as const),
});
type PersonRaw = {
  regionIndex: number;
  schemePick: number;
  retired: boolean;
  medical_assistance: boolean;
  enrolledBits: boolean[];
  level: 1 | 2 | 3;
};

interface StayWindow {
  from: number;
  to: number;
}

/** Admission and discharge days inside `w` (the region's period, possibly narrowed to one year). */
function buildStay(raw: StayRaw, w: StayWindow): { admission: number; discharge: number } {
  if (raw.kind === 'year_end') {
    const firstYear = yearOfIso(isoOf(w.from));
    const lastYear = yearOfIso(isoOf(w.to));
    const candidates: number[] = [];
    for (let y = firstYear; y < lastYear; y++) {
      const jan1 = dayOf(`${y + 1}-01-01`);
      if (jan1 - raw.before >= w.from && jan1 + raw.after <= w.to) candidates.push(jan1);
    }
    const jan1 = candidates[raw.yearPick % Math.max(candidates.length, 1)];
    if (jan1 !== undefined) return { admission: jan1 - raw.before, discharge: jan1 + raw.after };
    // No year end fits the window: fall back to a stay inside it.
    return buildStay({ kind: 'normal', startPick: raw.yearPick, len: raw.before + raw.after }, w);
  }
  const len = Math.min(raw.len, w.to - w.from);
  const admission = w.from + (raw.startPick % (w.to - w.from - len + 1));
  return { admission, discharge: admission + len };
}

function buildLine(raw: LineRaw, date: string): CostLineJson {
  const medfee = new Decimal(raw.medfeeCents);
  const fulamt = share(medfee, raw.fulamt).toDecimalPlaces(0, Decimal.ROUND_DOWN);
  const overlmt = share(medfee.minus(fulamt), raw.overlmt).toDecimalPlaces(0, Decimal.ROUND_DOWN);
  const preself = share(medfee.minus(fulamt).minus(overlmt), raw.preself).toDecimalPlaces(0, Decimal.ROUND_DOWN);
  return {
    date,
    medfee_sumamt: centsToAmount(medfee),
    fulamt_ownpay_amt: centsToAmount(fulamt),
    overlmt_selfpay: centsToAmount(overlmt),
    preselfpay_amt: centsToAmount(preself),
  };
}

function buildCosts(lines: LineRaw[], admission: number, discharge: number, crossing: boolean): CostLineJson[] {
  const len = discharge - admission;
  return lines.map((l, i) => {
    let day = admission + (l.dayPick % (len + 1));
    // A year-end stay bills both years: first line on admission, second on discharge.
    if (crossing && i === 0) day = admission;
    if (crossing && i === 1) day = discharge;
    return buildLine(l, isoOf(day));
  });
}

/** A reference amount for a layer's "paid" accumulator: its annual cap, else its combined cap, else 500,000. */
function layerPaidReference(pkg: RulePackage, layerIndex: number): Money {
  const l = pkg.layers[layerIndex]!;
  if (l.annual_cap) return d(l.annual_cap.amount);
  if (l.combined_cap) return d(l.combined_cap.amount);
  return d('500000.00');
}

/**
 * Accumulators for the years in `years`. With `withinCaps`, every cap the
 * package states holds for them already (a consistent history); otherwise
 * amounts may go beyond the caps.
 */
function buildYtd(raws: YearAccRaw[], years: number[], region: string, scheme: SchemeId, withinCaps: boolean): YtdJson {
  const ytd: YtdJson = {};
  years.forEach((year, i) => {
    const raw = raws[i];
    if (!raw?.present) return;
    const pkg =
      rules.versionFor(region, `${year}-06-30`) ??
      rules.versionFor(region, `${year}-01-01`) ??
      rules.versions(region)[0]!;
    const basicRules = pkg.schemes[scheme]!;
    const basicCap = d(basicRules.annual_cap);
    let basicPaid = share(basicCap, raw.basicPermille).plus(new Decimal(raw.extraCents).div(100));
    if (withinCaps) basicPaid = Decimal.min(basicPaid, basicCap);
    const accs: Record<string, LayerAccumulator> = {
      [BASIC_LAYER_ID]: { paid: basicPaid.toFixed(2), admissions: raw.admissions },
    };
    const paid = new Map<string, Money>([[BASIC_LAYER_ID, basicPaid]]);
    pkg.layers.forEach((layer, li) => {
      const lr = raw.layers[li];
      if (!lr?.present || !layer.schemes.includes(scheme)) return;
      let layerPaid = share(layerPaidReference(pkg, li), lr.paidPermille);
      if (withinCaps) {
        if (layer.annual_cap) layerPaid = Decimal.min(layerPaid, d(layer.annual_cap.amount));
        if (layer.combined_cap) {
          // A consistent history: room is left for the other funds of the combined cap up to their own
          // caps (开封: the large amount pays only once the basic fund has reached its cap).
          const others = sum(
            layer.combined_cap.with
              .filter((id) => id !== layer.id)
              .map((id) => {
                if (id === BASIC_LAYER_ID) return basicCap;
                const other = pkg.layers.find((o) => o.id === id);
                return other?.annual_cap ? d(other.annual_cap.amount) : (paid.get(id) ?? new Decimal(0));
              }),
          );
          layerPaid = Decimal.max(0, Decimal.min(layerPaid, d(layer.combined_cap.amount).minus(others)));
        }
      }
      paid.set(layer.id, layerPaid);
      accs[layer.id] = { paid: layerPaid.toFixed(2), base: centsToAmount(new Decimal(lr.baseCents)) };
    });
    ytd[String(year)] = accs;
  });
  return ytd;
}

function buildInsured(p: PersonRaw): { info: RegionInfo; insured: RequestJson['insured'] } {
  const info = REGIONS[p.regionIndex]!;
  const scheme = info.schemes[p.schemePick % info.schemes.length]!;
  const pkg = packageFor(info.id, info.from);
  const enrolled: Record<string, boolean> = {};
  pkg.layers.forEach((l, i) => {
    enrolled[l.id] = p.enrolledBits[i] ?? false;
  });
  return { info, insured: { scheme, retired: p.retired, medical_assistance: p.medical_assistance, enrolled } };
}

function buildRequest(
  insured: RequestJson['insured'],
  region: string,
  level: 1 | 2 | 3,
  stayRaw: StayRaw,
  lines: LineRaw[],
  w: StayWindow,
  ytd: (years: number[]) => YtdJson,
): RequestJson {
  const { admission, discharge } = buildStay(stayRaw, w);
  const crossing = yearOfIso(isoOf(admission)) !== yearOfIso(isoOf(discharge));
  const costs = buildCosts(lines, admission, discharge, crossing);
  const firstYear = yearOfIso(isoOf(admission));
  return {
    region,
    insured,
    hospital_level: level,
    admission_date: isoOf(admission),
    discharge_date: isoOf(discharge),
    costs,
    ytd: ytd([firstYear, firstYear + 1]),
  };
}

const requestArb = (withinCaps: boolean): fc.Arbitrary<RequestJson> =>
  fc
    .record({
      person: personRawArb,
      stay: stayRawArb,
      lines: fc.array(lineRawArb, { minLength: 1, maxLength: 4 }),
      ytd: fc.array(yearAccRawArb, { minLength: 2, maxLength: 2 }),
    })
    .map(({ person, stay, lines, ytd }) => {
      const { info, insured } = buildInsured(person);
      const w = { from: dayOf(info.from), to: dayOf(info.to) };
      return buildRequest(insured, info.id, person.level, stay, lines, w, (years) =>
        buildYtd(ytd, years, info.id, insured.scheme, withinCaps),
      );
    });

/** 2–6 claims of one person, stays starting in one calendar year, settled in sequence. */
const claimSequenceArb = fc
  .record({
    person: personRawArb,
    yearPick: fc.nat(1000),
    ytd: fc.array(yearAccRawArb, { minLength: 2, maxLength: 2 }),
    claims: fc.array(
      fc.record({
        stay: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              kind: fc.constant('normal' as const),
              startPick: fc.nat(1_000_000),
              len: fc.integer({ min: 0, max: 30 }),
            }),
          },
          { weight: 1, arbitrary: stayRawArb },
        ),
        lines: fc.array(
          fc.record({
            dayPick: fc.nat(10_000),
            // Big bills, so that the caps are reached within a few claims.
            medfeeCents: fc.oneof(
              fc.integer({ min: 0, max: 80_000_000 }),
              fc.integer({ min: 20_000_000, max: 80_000_000 }),
            ),
            fulamt: selfPayPermilleArb,
            overlmt: selfPayPermilleArb,
            preself: selfPayPermilleArb,
          }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      { minLength: 2, maxLength: 6 },
    ),
  })
  .map(({ person, yearPick, ytd, claims }) => {
    const { info, insured } = buildInsured(person);
    const first = yearOfIso(info.from);
    const last = yearOfIso(info.to);
    const year = first + (yearPick % (last - first + 1));
    const w = {
      from: Math.max(dayOf(info.from), dayOf(`${year}-01-01`)),
      to: Math.min(dayOf(info.to), dayOf(`${year}-12-31`)),
    };
    const yearEndWindow = { from: w.from, to: Math.min(dayOf(info.to), dayOf(`${year + 1}-01-31`)) };
    const initialYtd = buildYtd(ytd, [year, year + 1], info.id, insured.scheme, true);
    const requests = claims.map((c) =>
      buildRequest(
        insured,
        info.id,
        person.level,
        c.stay,
        c.lines,
        c.stay.kind === 'year_end' ? yearEndWindow : w,
        () => ({}),
      ),
    );
    return { region: info.id, scheme: insured.scheme, initialYtd, requests };
  });

/** A request, one of its lines, and a positive number of cents to add to that line's total. */
const increaseArb = fc.record({
  req: requestArb(false),
  linePick: fc.nat(3),
  addCents: fc.oneof(
    fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 1, max: 1_000_000 }),
    fc.integer({ min: 1, max: 30_000_000 }),
  ),
});

// ---------------------------------------------------------------------------
// Checks shared by the properties.

/** Every amount string of a result. */
function amountsOf(r: SettlementResult): [string, string][] {
  const out: [string, string][] = [];
  const national = [
    'medfee_sumamt',
    'fulamt_ownpay_amt',
    'overlmt_selfpay',
    'preselfpay_amt',
    'inscp_scp_amt',
    'act_pay_dedc',
    ...FUND_FIELDS,
    'fund_pay_sumamt',
    'psn_part_amt',
    'acct_pay',
    'psn_cash_pay',
  ] as const;
  for (const k of national) out.push([k, r[k]]);
  for (const [id, v] of Object.entries(r.funds)) out.push([`funds.${id}`, v]);
  for (const f of r.fund_details) out.push([`fund_details.${f.layer}`, f.amount]);
  r.parts.forEach((p, i) => {
    for (const k of [
      'medfee_sumamt',
      'fulamt_ownpay_amt',
      'overlmt_selfpay',
      'preselfpay_amt',
      'inscp_scp_amt',
      'act_pay_dedc',
    ] as const)
      out.push([`parts[${i}].${k}`, p[k]]);
    for (const s of SEGMENTS) out.push([`parts[${i}].segments.${s}`, p.segments[s]]);
    for (const [id, v] of Object.entries(p.funds)) out.push([`parts[${i}].funds.${id}`, v]);
  });
  for (const [year, layers] of Object.entries(r.ytd_after)) {
    for (const [id, acc] of Object.entries(layers)) {
      if (acc.paid !== undefined) out.push([`ytd_after.${year}.${id}.paid`, acc.paid]);
      if (acc.base !== undefined) out.push([`ytd_after.${year}.${id}.base`, acc.base]);
    }
  }
  return out;
}

const paidOf = (ytd: YtdJson, year: string | number, id: string): Money => d(ytd[String(year)]?.[id]?.paid ?? '0');

/** Checks every cap of the packages on the accumulators of `years`. Returns a description of each violation. */
function capViolations(
  region: string,
  scheme: SchemeId,
  ytd: YtdJson,
  before: YtdJson,
  yearPkg: Map<number, RulePackage>,
): string[] {
  const problems: string[] = [];
  for (const [yearKey] of Object.entries(ytd)) {
    const pkg = yearPkg.get(Number(yearKey));
    if (!pkg) continue; // a year no claim touched: unchanged from the (within-caps) history
    const basicCap = d(pkg.schemes[scheme]!.annual_cap);
    const basicPaid = paidOf(ytd, yearKey, BASIC_LAYER_ID);
    if (basicPaid.greaterThan(basicCap))
      problems.push(`${yearKey} basic paid ${basicPaid.toFixed(2)} > annual cap ${basicCap.toFixed(2)}`);
    for (const layer of pkg.layers.filter((l) => l.schemes.includes(scheme))) {
      const paid = paidOf(ytd, yearKey, layer.id);
      if (layer.annual_cap && paid.greaterThan(layer.annual_cap.amount)) {
        problems.push(`${yearKey} ${layer.id} paid ${paid.toFixed(2)} > annual cap ${layer.annual_cap.amount}`);
      }
      if (layer.combined_cap) {
        const together = sum(layer.combined_cap.with.map((id) => paidOf(ytd, yearKey, id)));
        if (together.greaterThan(layer.combined_cap.amount)) {
          problems.push(
            `${yearKey} ${layer.combined_cap.with.join('+')} paid ${together.toFixed(2)} > combined cap ${layer.combined_cap.amount}`,
          );
        }
      }
    }
    // Nobody pays back: accumulators never decrease.
    for (const [id, acc] of Object.entries(ytd[yearKey] ?? {})) {
      if (d(acc.paid ?? '0').lessThan(paidOf(before, yearKey, id))) problems.push(`${yearKey} ${id} paid went down`);
    }
  }
  return problems;
}

// Coverage counters, checked by the last test (the tests of a file run in order) so that the properties cannot pass vacuously.
const seen = {
  runs: 0,
  multiPart: 0,
  regions: new Set<string>(),
  schemes: new Set<string>(),
  ceilingCut: 0,
  basicCapped: 0,
  layerPaid: new Set<string>(),
};
const capSeen = { sequences: 0, basicAtCap: 0, layerAtCap: 0, combinedAtCap: 0 };

function observe(req: RequestJson, r: SettlementResult): void {
  seen.runs++;
  if (r.parts.length > 1) seen.multiPart++;
  seen.regions.add(req.region);
  seen.schemes.add(`${req.region}/${req.insured.scheme}`);
  if (r.trace.some((t) => t.step === 'in_policy_ceiling')) seen.ceilingCut++;
  // The trace cites the policy, the rule package or docs/settlement-model.md: never the unshipped domain.md.
  for (const t of r.trace) if (t.article?.includes('domain.md')) throw new Error(`trace cites domain.md: ${t.article}`);
  if (r.parts.some((p) => d(p.segments.over_cap).greaterThan(0))) seen.basicCapped++;
  for (const [id, v] of Object.entries(r.funds))
    if (id !== BASIC_LAYER_ID && d(v).greaterThan(0)) seen.layerPaid.add(`${req.region}/${id}`);
}

const NUM_RUNS = 1000;

// ---------------------------------------------------------------------------

describe('engine properties over random valid requests (all five bundled regions)', () => {
  it('sanity: the bundled packages match the regions, schemes and periods generated here', () => {
    expect(rules.regions()).toEqual(REGIONS.map((r) => r.id).sort());
    for (const r of REGIONS) {
      const versions = rules.versions(r.id);
      expect(versions.length).toBeGreaterThan(0);
      const newest = versions[0]!;
      // The policy's layer has the policy's period; the (sample) basic parameters are in force from 2015, open-ended.
      const period = layerPeriod(
        newest,
        newest.layers.find((l) => l.id === r.layer)!,
      );
      expect(period.from).toBe(r.from);
      expect(period.to ?? HORIZON).toBe(r.to);
      const covered = Object.keys(newest.schemes).sort();
      expect(covered).toEqual([...r.schemes].sort());
      expect(rules.versionFor(r.id, '2014-12-31')).toBeUndefined();
      expect(rules.versionFor(r.id, '2015-01-01')).toBeDefined();
      expect(rules.versionFor(r.id, r.to)).toBeDefined();
    }
    // 开封 第十四条: the combined cap of basic + large amount is in the package (property 4 reads it from there).
    const kaifeng = packageFor('kaifeng', '2025-06-30').layers.find((l) => l.id === 'large_amount')!;
    expect(kaifeng.combined_cap?.with.slice().sort()).toEqual(['basic', 'large_amount']);
    expect(d(kaifeng.combined_cap!.amount).equals('420000')).toBe(true);
  });

  it('1. funds + cash = total to the cent; fund_pay_sumamt and the national fields are the sums of the funds', () => {
    fc.assert(
      fc.property(requestArb(false), (req) => {
        const r = settle(req, rules);
        observe(req, r);
        const funds = sum(Object.values(r.funds));
        // The bill is what was sent.
        expect(r.medfee_sumamt).toBe(sum(req.costs.map((c) => c.medfee_sumamt)).toFixed(2));
        expect(funds.plus(r.psn_cash_pay).equals(r.medfee_sumamt)).toBe(true);
        expect(d(r.fund_pay_sumamt).equals(funds)).toBe(true);
        expect(d(r.psn_part_amt).plus(r.acct_pay).equals(r.psn_cash_pay)).toBe(true);
        // fund_details lists the same funds as `funds`.
        expect(r.fund_details.map((f) => f.layer).sort()).toEqual(Object.keys(r.funds).sort());
        for (const f of r.fund_details) expect(d(f.amount).equals(r.funds[f.layer]!)).toBe(true);
        // Each national field is the sum of the funds reported in it.
        for (const field of FUND_FIELDS) {
          const expected = sum(r.fund_details.filter((f) => f.field === field).map((f) => f.amount));
          expect(d(r[field]).equals(expected), `${field} = ${r[field]}, fund_details give ${expected.toFixed(2)}`).toBe(
            true,
          );
        }
        expect(sum(FUND_FIELDS.map((f) => r[f])).equals(r.fund_pay_sumamt)).toBe(true);
        // The whole is the sum of its parts.
        const ids = new Set([...Object.keys(r.funds), ...r.parts.flatMap((p) => Object.keys(p.funds))]);
        for (const id of ids) {
          expect(
            d(r.funds[id] ?? '0').equals(sum(r.parts.map((p) => p.funds[id] ?? '0'))),
            `funds.${id} vs parts`,
          ).toBe(true);
        }
        expect(sum(r.parts.map((p) => p.medfee_sumamt)).equals(r.medfee_sumamt)).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('2. funds never exceed the in-policy amount, per part and overall', () => {
    fc.assert(
      fc.property(requestArb(false), (req) => {
        const r = settle(req, rules);
        observe(req, r);
        const inPolicy = sum(
          req.costs.map((c) =>
            d(c.medfee_sumamt).minus(c.fulamt_ownpay_amt).minus(c.overlmt_selfpay).minus(c.preselfpay_amt),
          ),
        );
        expect(d(r.inscp_scp_amt).equals(inPolicy)).toBe(true);
        for (const [i, p] of r.parts.entries()) {
          const expectedP = d(p.medfee_sumamt)
            .minus(p.fulamt_ownpay_amt)
            .minus(p.overlmt_selfpay)
            .minus(p.preselfpay_amt);
          expect(d(p.inscp_scp_amt).equals(expectedP)).toBe(true);
          const partFunds = sum(Object.values(p.funds));
          expect(
            partFunds.lessThanOrEqualTo(p.inscp_scp_amt),
            `part ${i}: funds ${partFunds.toFixed(2)} > in-policy ${p.inscp_scp_amt}`,
          ).toBe(true);
        }
        expect(
          d(r.fund_pay_sumamt).lessThanOrEqualTo(r.inscp_scp_amt),
          `fund_pay_sumamt ${r.fund_pay_sumamt} > inscp_scp_amt ${r.inscp_scp_amt}`,
        ).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('3. no fund, segment or cash amount is negative; every amount has at most two decimals', () => {
    fc.assert(
      fc.property(requestArb(false), (req) => {
        const r = settle(req, rules);
        observe(req, r);
        for (const [where, v] of amountsOf(r)) {
          expect(AMOUNT_2DP.test(v), `${where} = "${v}" is not an amount with at most two decimals`).toBe(true);
        }
        const nonNegative: [string, string][] = [
          ...Object.entries(r.funds).map(([id, v]): [string, string] => [`funds.${id}`, v]),
          ...r.fund_details.map((f): [string, string] => [`fund_details.${f.layer}`, f.amount]),
          ...FUND_FIELDS.map((f): [string, string] => [f, r[f]]),
          ['fund_pay_sumamt', r.fund_pay_sumamt],
          ['act_pay_dedc', r.act_pay_dedc],
          ['psn_cash_pay', r.psn_cash_pay],
          ...r.parts.flatMap((p, i) => [
            ...Object.entries(p.funds).map(([id, v]): [string, string] => [`parts[${i}].funds.${id}`, v]),
            ...SEGMENTS.map((s): [string, string] => [`parts[${i}].segments.${s}`, p.segments[s]]),
            [`parts[${i}].act_pay_dedc`, p.act_pay_dedc] as [string, string],
          ]),
        ];
        for (const [where, v] of nonNegative)
          expect(d(v).isNegative() && !d(v).isZero(), `${where} = ${v} is negative`).toBe(false);
        // The segments partition the in-policy amount left after the basic fund.
        for (const p of r.parts) {
          expect(
            sum(SEGMENTS.map((s) => p.segments[s]))
              .plus(p.funds[BASIC_LAYER_ID]!)
              .equals(p.inscp_scp_amt),
          ).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('4. annual caps (basic, each layer, combined) are never exceeded across a sequence of claims', () => {
    fc.assert(
      fc.property(claimSequenceArb, ({ region, scheme, initialYtd, requests }) => {
        capSeen.sequences++;
        let ytd: YtdJson = initialYtd;
        const yearPkg = new Map<number, RulePackage>();
        for (const [n, base] of requests.entries()) {
          const req: RequestJson = { ...base, ytd };
          const r = settle(req, rules);
          observe(req, r);
          for (const p of r.parts) yearPkg.set(p.year, packageByVersion(region, p.rule_version));
          const problems = capViolations(region, scheme, r.ytd_after, ytd, yearPkg);
          expect(problems, `after claim ${n + 1} of ${requests.length}`).toEqual([]);
          ytd = r.ytd_after;
        }
        // Coverage: note which caps were reached exactly.
        for (const [year, pkg] of yearPkg) {
          if (paidOf(ytd, year, BASIC_LAYER_ID).equals(pkg.schemes[scheme]!.annual_cap)) capSeen.basicAtCap++;
          for (const l of pkg.layers.filter((x) => x.schemes.includes(scheme))) {
            if (l.annual_cap && paidOf(ytd, year, l.id).equals(l.annual_cap.amount)) capSeen.layerAtCap++;
            if (
              l.combined_cap &&
              sum(l.combined_cap.with.map((id) => paidOf(ytd, year, id))).equals(l.combined_cap.amount)
            )
              capSeen.combinedAtCap++;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('5. a larger bill never lowers any fund’s payment', () => {
    fc.assert(
      fc.property(increaseArb, ({ req, linePick, addCents }) => {
        const i = linePick % req.costs.length;
        const line = req.costs[i]!;
        const bigger: RequestJson = {
          ...req,
          costs: req.costs.map((c, j) =>
            j === i ? { ...c, medfee_sumamt: d(c.medfee_sumamt).plus(new Decimal(addCents).div(100)).toFixed(2) } : c,
          ),
        };
        const before = settle(req, rules);
        const after = settle(bigger, rules);
        observe(req, before);
        expect(Object.keys(after.funds).sort()).toEqual(Object.keys(before.funds).sort());
        for (const [id, was] of Object.entries(before.funds)) {
          const now = after.funds[id]!;
          expect(
            d(now).greaterThanOrEqualTo(was),
            `${id} fell from ${was} to ${now} when costs[${i}] (${line.date}) medfee_sumamt rose from ${line.medfee_sumamt} to ${bigger.costs[i]!.medfee_sumamt}`,
          ).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('6. ytd_after = ytd + this claim: basic paid, layer paid, and one more admission in the first part’s year', () => {
    fc.assert(
      fc.property(requestArb(false), (req) => {
        const r = settle(req, rules);
        observe(req, r);
        const basicIds = new Set(r.fund_details.filter((f) => f.field === 'hifp_pay').map((f) => f.layer));
        const firstCostYear = yearOfIso(req.costs.map((c) => c.date).sort()[0]!);
        expect(r.parts[0]!.year).toBe(firstCostYear);
        const years = new Set([...Object.keys(req.ytd), ...r.parts.map((p) => String(p.year))]);
        expect(Object.keys(r.ytd_after).sort()).toEqual([...years].sort());
        for (const year of years) {
          const inYear = r.parts.filter((p) => String(p.year) === year);
          const hifp = sum(
            inYear.flatMap((p) =>
              Object.entries(p.funds)
                .filter(([id]) => basicIds.has(id))
                .map(([, v]) => v),
            ),
          );
          const after = r.ytd_after[year]![BASIC_LAYER_ID]!;
          const expected = paidOf(req.ytd, year, BASIC_LAYER_ID).plus(hifp);
          expect(
            d(after.paid ?? '0').equals(expected),
            `${year}: basic paid ${after.paid}, expected ${expected.toFixed(2)}`,
          ).toBe(true);
          const admissionsBefore = req.ytd[year]?.[BASIC_LAYER_ID]?.admissions ?? 0;
          expect(after.admissions, `${year} admissions`).toBe(
            admissionsBefore + (Number(year) === firstCostYear ? 1 : 0),
          );
          // Layers: paid moves by exactly what the layer paid in that year's parts.
          const layerIds = new Set([
            ...Object.keys(req.ytd[year] ?? {}),
            ...inYear.flatMap((p) => Object.keys(p.funds)),
          ]);
          layerIds.delete(BASIC_LAYER_ID);
          for (const id of layerIds) {
            const expectedLayer = paidOf(req.ytd, year, id).plus(sum(inYear.map((p) => p.funds[id] ?? '0')));
            expect(paidOf(r.ytd_after, year, id).equals(expectedLayer), `${year} ${id} paid`).toBe(true);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('coverage: the generated requests reach every region and scheme, cross year ends, hit caps and the ceiling', () => {
    expect(seen.regions.size).toBe(REGIONS.length);
    expect(seen.schemes.size).toBe(REGIONS.reduce((n, r) => n + r.schemes.length, 0));
    expect(seen.multiPart / seen.runs).toBeGreaterThan(0.1);
    expect(seen.basicCapped / seen.runs).toBeGreaterThan(0.1);
    expect(seen.ceilingCut).toBeGreaterThan(0);
    // Every layer of every package paid something in some run.
    const layers = REGIONS.flatMap((r) =>
      rules
        .versions(r.id)
        .flatMap((pkg) =>
          pkg.layers.filter((l) => l.schemes.some((s) => r.schemes.includes(s))).map((l) => `${r.id}/${l.id}`),
        ),
    );
    expect([...seen.layerPaid].sort()).toEqual([...new Set(layers)].sort());
    expect(capSeen.basicAtCap / capSeen.sequences).toBeGreaterThan(0.2);
    expect(capSeen.layerAtCap).toBeGreaterThan(0);
    expect(capSeen.combinedAtCap).toBeGreaterThan(0);
  });
});
