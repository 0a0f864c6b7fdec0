/**
 * Policy fidelity (docs/settlement-model.md): one test per article, built from
 * the article's own situation, and a property per change; and what the trace
 * cites (the region's policy, the rule package, the model's sections).
 *  - 德阳 第十四条/第三十条: a stay over New Year settles; the 2025 costs without 居民补医.
 *  - 开封 第八条: enrolment per year (the contribution window of Y−1 gives year Y).
 *  - 江阴 二(三): the major-illness base is net of 公务员医疗补助 and the like.
 *  - 德阳 第十四条: past two years only 居民补医 is forfeited, not the claim.
 *  - 达州 第十一条: a cost in a year whose basic benefits are suspended is refused, naming the year.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { DeskError } from '../shared/errors.js';
import { Decimal } from '../shared/money.js';
import { importBill } from '../shared/bill-import.js';
import { readFileSync } from 'node:fs';
import { DECISION, citation } from '../shared/engine/trace.js';

const rules = bundledRuleSet();
const line = (date: string, medfee: string, fulamt = '0.00') => ({
  date,
  medfee_sumamt: medfee,
  fulamt_ownpay_amt: fulamt,
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
});
const refusal = (f: () => unknown): DeskError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('one test per article', () => {
  it('德阳 第十四条: a stay 2025-12-18 → 2026-01-09 settles; 居民补医 pays only the 2026 costs, the deductible is charged once', () => {
    const r = settle(
      {
        region: 'deyang',
        insured: { scheme: 'resident', retired: false, medical_assistance: false, enrolled: { supplementary: true } },
        hospital_level: 3,
        admission_date: '2025-12-18',
        discharge_date: '2026-01-09',
        costs: [line('2025-12-31', '30000.00'), line('2026-01-09', '20000.00')],
      },
      rules,
    );
    expect(r.parts.map((p) => p.year)).toEqual([2025, 2026]);
    expect(r.parts[0]!.not_paying).toEqual({ supplementary: 'not_in_force' });
    expect(r.parts[0]!.funds).toMatchObject({ basic: '20545.00', supplementary: '0.00' });
    expect(r.parts[1]!.not_paying).toEqual({});
    expect(r.parts[1]!.funds).toMatchObject({ basic: '14000.00', supplementary: '900.00' });
    expect(r.parts.map((p) => p.act_pay_dedc)).toEqual(['650.00', '0.00']);
    const why = r.trace.find((t) => t.step === 'not_in_force')!;
    expect(why.text).toContain('2025-12-31 不在本层有效期（2026-01-01 至 2030-12-31）内');
    expect(why.article).toContain('德阳 第三十条');
    expect(new Decimal(r.fund_pay_sumamt).plus(r.psn_cash_pay).toFixed(2)).toBe('50000.00');
  });

  it('开封 第八条: a stay 2024-12-10 → 2025-01-15 with 2024 paid and 2025 not: the 2024 part keeps its 49,574.12, the 2025 part gets nothing', () => {
    const bill = (enrolled: unknown) =>
      settle(
        {
          region: 'kaifeng',
          insured: {
            scheme: 'employee',
            retired: false,
            medical_assistance: false,
            enrolled: { large_amount: enrolled },
          },
          hospital_level: 3,
          admission_date: '2024-12-10',
          discharge_date: '2025-01-15',
          costs: [line('2024-12-31', '150000.00'), line('2025-01-15', '100000.00')],
        },
        rules,
      );
    const perYear = bill({ '2024': true, '2025': false });
    expect(perYear.parts.map((p) => p.funds['large_amount'])).toEqual(['49574.12', '0.00']);
    expect(perYear.parts[1]!.not_paying).toEqual({ large_amount: 'not_enrolled' });
    expect(perYear.trace.find((t) => t.step === 'eligibility')!.text).toContain('2025 年不符合享受条件');
    // The one flag either way is wrong for one of the two years.
    expect(bill(true).parts.map((p) => p.funds['large_amount'])).toEqual(['49574.12', '5294.12']);
    expect(bill(false).parts.map((p) => p.funds['large_amount'])).toEqual(['0.00', '0.00']);
  });

  it('江阴 二(三): 公务员医疗补助 paid 20,000: the major-illness base is net of it (12,000 less than without)', () => {
    const bill = (prior?: Record<string, string>) =>
      settle(
        {
          region: 'jiangyin',
          insured: { scheme: 'resident', retired: false, medical_assistance: false },
          hospital_level: 3,
          admission_date: '2026-03-01',
          discharge_date: '2026-03-20',
          costs: [
            {
              date: '2026-03-20',
              medfee_sumamt: '150000.00',
              fulamt_ownpay_amt: '5000.00',
              overlmt_selfpay: '1000.00',
              preselfpay_amt: '4000.00',
            },
          ],
          ...(prior ? { prior_compensation: prior } : {}),
        },
        rules,
      );
    expect(bill().funds['major_illness']).toBe('18990.00');
    const net = bill({ '2026': '20000.00' });
    expect(net.funds['major_illness']).toBe('6990.00');
    const netting = net.trace.find((t) => t.step === 'net_of_prior')!;
    expect(netting.text).toContain('49650.00 − 20000.00 = 29650.00');
    expect(netting.article).toContain('江阴 二(三)');
    // More than the base: the base is zero, never negative.
    expect(bill({ '2026': '60000.00' }).funds['major_illness']).toBe('0.00');
    // Thresholds after 2020 are samples until the insurer says otherwise; 2020's is published.
    expect(net.parts[0]!.uses_sample_values).toBe(true);
  });

  it('江阴: the 2020 threshold is the published one and says so', () => {
    const r = settle(
      {
        region: 'jiangyin',
        insured: { scheme: 'employee', retired: false, medical_assistance: false },
        hospital_level: 3,
        admission_date: '2020-08-01',
        discharge_date: '2020-08-20',
        costs: [line('2020-08-20', '500000.00')],
      },
      rules,
    );
    const band = r.trace.find((t) => t.layer === 'major_illness' && t.step === 'banded')!;
    expect(band.text).toContain('2020 年起付标准 18000.00（公布值）');
    expect(band.article).toContain('2020年起付标准为1.8万元');
  });

  it('德阳 第十四条: an 80,000 claim filed after 25 months forfeits 3,570.75 of 居民补医, not the 66,588.75 of the whole claim', () => {
    const bill = (filed: string) =>
      settle(
        {
          region: 'deyang',
          insured: { scheme: 'resident', retired: false, medical_assistance: false, enrolled: { supplementary: true } },
          hospital_level: 3,
          admission_date: '2026-03-01',
          discharge_date: '2026-03-20',
          costs: [line('2026-03-20', '80000.00')],
          claim_filed_on: filed,
        },
        rules,
      );
    const onTime = bill('2028-03-20');
    expect(onTime.fund_pay_sumamt).toBe('66588.75');
    expect(onTime.funds['supplementary']).toBe('3570.75');
    const late = bill('2028-04-20');
    expect(late.funds).toEqual({ ...onTime.funds, supplementary: '0.00' });
    expect(late.fund_pay_sumamt).toBe('63018.00');
    expect(late.parts[0]!.not_paying).toEqual({ supplementary: 'filing_expired' });
    expect(late.trace.find((t) => t.step === 'filing_expired')!.text).toContain(
      '已超过 24 个月的申请期限（截至 2028-03-20）',
    );
  });

  it('达州 第十一条: a cost in a suspended year is refused, naming the year in both languages', () => {
    const e = refusal(() =>
      settle(
        {
          region: 'dazhou',
          insured: { scheme: 'employee', retired: false, medical_assistance: false, suspended_years: ['2026'] },
          hospital_level: 3,
          admission_date: '2025-12-20',
          discharge_date: '2026-01-10',
          costs: [line('2025-12-31', '1000.00'), line('2026-01-10', '1000.00')],
        },
        rules,
      ),
    );
    expect(e.body).toMatchObject({ code: 'benefits_suspended', field: 'costs[1].date' });
    expect(e.body.message).toContain('2026 年基本医保待遇暂停');
    expect(e.body.message_en).toContain('suspended in 2026');
  });

  it('庆阳: costs before 2021 settle with basic only, and the trace says the old 大病互助 rules are not modelled', () => {
    const r = settle(
      {
        region: 'qingyang',
        insured: { scheme: 'employee', retired: false, medical_assistance: false, enrolled: { supplementary: true } },
        hospital_level: 3,
        admission_date: '2020-12-20',
        discharge_date: '2021-01-05',
        costs: [line('2020-12-30', '100000.00'), line('2021-01-05', '100000.00')],
      },
      rules,
    );
    expect(r.parts.map((p) => p.not_paying)).toEqual([{ supplementary: 'not_in_force' }, {}]);
    expect(r.trace.find((t) => t.step === 'not_in_force')!.article).toContain('原大病互助办法');
  });

  it('the HIS import sums a prior_compensation column per year of the line', () => {
    const csv =
      'date,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,prior_compensation\n2025-12-30,1000.00,0,0,0,100.50\n2026-01-02,1000.00,0,0,0,\n2026-01-03,1000.00,0,0,0,200.00\n2026-01-04,1000.00,0,0,0,1.00\n';
    const out = importBill('his.csv', csv);
    expect(out.ok && out.bill.prior_compensation).toEqual({ '2025': '100.50', '2026': '201.00' });
    const bad = importBill('his.csv', csv.replace('200.00', '-5'));
    expect(bad).toMatchObject({ ok: false, problem: expect.stringContaining('第 4 行 prior_compensation') });
  });
});

describe('what the trace cites', () => {
  const model = readFileSync(new URL('../docs/settlement-model.md', import.meta.url), 'utf8');
  const anchorsCited = (text: string) =>
    [...text.matchAll(/docs\/settlement-model\.md#([a-z0-9-]+)/g)].map((m) => m[1]!);

  it('each part opens with the rule package (region, version) and its policy document; decisions cite the model by section', () => {
    const r = settle(
      {
        region: 'deyang',
        insured: { scheme: 'resident', retired: false, medical_assistance: false, enrolled: { supplementary: true } },
        hospital_level: 3,
        admission_date: '2025-12-18',
        discharge_date: '2026-01-09',
        costs: [line('2025-12-31', '30000.00'), line('2026-01-09', '20000.00')],
      },
      rules,
    );
    const opening = r.trace.filter((t) => t.step === 'part');
    expect(opening).toHaveLength(2);
    for (const t of opening) {
      expect(t.article).toContain('规则包 德阳市 2026.2；《德阳市城乡居民补充医疗保险办法》（德医保发〔2025〕40号）');
      expect(t.article).toContain('docs/settlement-model.md#decision-parts');
      expect(t.text).toContain('政策依据《德阳市城乡居民补充医疗保险办法》');
    }
    expect(r.trace.find((t) => t.part === 1 && t.step === 'deductible')!.article).toBe(DECISION.oneDeductible);
    expect(JSON.stringify(r.trace)).not.toContain('domain.md');
  });

  it("a package's legacy domain.md citation is shown as the model's section; every section the engine cites exists", () => {
    expect(citation('domain.md §3 决定：各项基金合计不超过政策范围内费用')).toBe(
      '决定：各项基金合计不超过政策范围内费用（docs/settlement-model.md#decision-in-policy-ceiling）',
    );
    expect(citation('达州 第十条')).toBe('达州 第十条');
    expect(citation(null)).toBeNull();
    const cited = [
      ...Object.values(DECISION).flatMap(anchorsCited),
      ...anchorsCited(citation('domain.md §3 决定：各项基金合计不超过政策范围内费用')!),
      ...anchorsCited(citation('domain.md §2')!),
    ];
    expect(cited.length).toBeGreaterThan(3);
    for (const a of cited) expect(model, a).toContain(`<a id="${a}"></a>`);
  });
});

// ── Properties, one per change ────────────────────────────────────────────

const amountArb = fc.integer({ min: 0, max: 40_000_000 }).map((c) => (c / 100).toFixed(2));
const dayIn = (from: string, days: number) =>
  new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** A 德阳 or 开封 stay of up to 60 days starting within a window around a layer's start. */
const stayArb = (region: 'deyang' | 'kaifeng', around: string) =>
  fc
    .record({
      start: fc.integer({ min: -40, max: 40 }),
      len: fc.integer({ min: 0, max: 60 }),
      a: amountArb,
      b: amountArb,
    })
    .map(({ start, len, a, b }) => {
      const admission = dayIn(around, start);
      const discharge = dayIn(admission, len);
      return {
        region,
        insured: {
          scheme: region === 'deyang' ? ('resident' as const) : ('employee' as const),
          retired: false,
          medical_assistance: false,
        },
        hospital_level: 3 as const,
        admission_date: admission,
        discharge_date: discharge,
        costs: [line(admission, a), line(discharge, b)],
      };
    });
const layerOf = { deyang: 'supplementary', kaifeng: 'large_amount' } as const;

describe('properties', () => {
  it('layers with their own periods: funds + cash = total; a layer pays nothing in a part outside its period', () => {
    fc.assert(
      fc.property(stayArb('deyang', '2026-01-01'), (req) => {
        const r = settle({ ...req, insured: { ...req.insured, enrolled: { supplementary: true } } }, rules, {
          trace: false,
        });
        expect(
          new Decimal(r.fund_pay_sumamt)
            .plus(r.psn_cash_pay)
            .equals(new Decimal(req.costs[0]!.medfee_sumamt).plus(req.costs[1]!.medfee_sumamt)),
        ).toBe(true);
        for (const p of r.parts) if (p.last_date < '2026-01-01') expect(p.funds['supplementary']).toBe('0.00');
        expect(r.parts.reduce((n, p) => n + (p.act_pay_dedc === '0.00' ? 0 : 1), 0)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it('enrolment per year: true is every year of the stay enrolled, false is none; a year enrolled pays what true pays in it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('deyang' as const, 'kaifeng' as const),
        fc.boolean(),
        fc.boolean(),
        (region, first, second) => {
          const req = fc.sample(stayArb(region, region === 'deyang' ? '2027-01-01' : '2025-01-01'), 1)[0]!;
          const layer = layerOf[region];
          const years = [...new Set([req.admission_date.slice(0, 4), req.discharge_date.slice(0, 4)])];
          const as = (e: unknown) =>
            settle({ ...req, insured: { ...req.insured, enrolled: { [layer]: e } } }, rules, { trace: false });
          const all = as(true);
          expect(as(Object.fromEntries(years.map((y) => [y, true]))).funds).toEqual(all.funds);
          expect(as({}).funds).toEqual(as(false).funds);
          const flags = Object.fromEntries(years.map((y, i) => [y, i === 0 ? first : second]));
          const mixed = as(flags);
          mixed.parts.forEach((p, i) => {
            if (flags[String(p.year)]) expect(p.funds[layer]).toBe(all.parts[i]!.funds[layer]);
            else expect(p.funds[layer]).toBe('0.00');
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('prior compensation: never raises the major-illness payment, never below zero, and zero is no prior at all', () => {
    fc.assert(
      fc.property(amountArb, amountArb, amountArb, (medfee, p1, p2) => {
        const req = {
          region: 'jiangyin',
          insured: { scheme: 'resident' as const, retired: false, medical_assistance: false },
          hospital_level: 3 as const,
          admission_date: '2026-05-01',
          discharge_date: '2026-05-10',
          costs: [line('2026-05-10', medfee)],
        };
        const mi = (prior?: string) =>
          new Decimal(
            settle({ ...req, ...(prior ? { prior_compensation: { '2026': prior } } : {}) }, rules, { trace: false })
              .funds['major_illness']!,
          );
        const [lo, hi] = new Decimal(p1).lessThan(p2) ? [p1, p2] : [p2, p1];
        expect(mi('0.00').equals(mi())).toBe(true);
        expect(mi(lo).lessThanOrEqualTo(mi())).toBe(true);
        expect(mi(hi).lessThanOrEqualTo(mi(lo))).toBe(true);
        expect(mi(hi).greaterThanOrEqualTo(0)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('filing limits per layer: on time changes nothing; late changes only the layer with the limit', () => {
    fc.assert(
      fc.property(stayArb('deyang', '2027-06-01'), fc.integer({ min: 0, max: 40 }), (stay, months) => {
        // Costs of one date: a limit that falls between two cost dates splits the part, and two parts round
        // their basic payment separately (a cent either way), as any part does (docs/settlement-model.md#decision-rounding).
        const req = { ...stay, costs: stay.costs.map((c) => ({ ...c, date: stay.discharge_date })) };
        const base = { ...req, insured: { ...req.insured, enrolled: { supplementary: true } } };
        const plain = settle(base, rules, { trace: false });
        const filed = new Date(Date.parse(`${req.discharge_date}T00:00:00Z`));
        filed.setUTCMonth(filed.getUTCMonth() + months);
        const r = settle({ ...base, claim_filed_on: filed.toISOString().slice(0, 10) }, rules, { trace: false });
        expect(r.funds['basic']).toBe(plain.funds['basic']);
        expect(r.funds['major_illness']).toBe(plain.funds['major_illness']);
        if (months < 24) expect(r.funds).toEqual(plain.funds);
        if (months > 24) expect(r.funds['supplementary']).toBe('0.00');
      }),
      { numRuns: 150 },
    );
  });

  it('suspended years: a suspended year outside the stay changes nothing; inside it, the stay is refused', () => {
    fc.assert(
      fc.property(stayArb('kaifeng', '2025-01-01'), fc.integer({ min: 2015, max: 2040 }), (req, year) => {
        const y = String(year);
        const touched = [req.admission_date, req.discharge_date].some((d) => d.startsWith(y));
        const run = () =>
          settle({ ...req, insured: { ...req.insured, suspended_years: [y] } }, rules, { trace: false });
        if (touched) expect(refusal(run).body.code).toBe('benefits_suspended');
        else expect(run().funds).toEqual(settle(req, rules, { trace: false }).funds);
      }),
      { numRuns: 150 },
    );
  });
});
