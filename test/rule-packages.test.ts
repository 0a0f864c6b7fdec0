/** Rule packages are data: validated on load with the path of the bad value; a new city needs no code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
import { bundledPackages, bundledRuleSet } from '../shared/rules/bundled.js';
import { RuleSet, parseRulePackage } from '../shared/rules/ruleset.js';
import { rulePackageJsonSchema } from '../shared/rules/json-schema.js';
import { DeskError } from '../shared/errors.js';
import { request } from './request-builder.js';
import { RuleStore } from '../electron/worker/store/rule-store.js';
import { dazhouPerson, example1Bill, makeStore } from './store-support.js';

const mianyang = JSON.parse(
  readFileSync(new URL('./fixtures/mianyang-2025.1.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const dazhou = bundledPackages.find((p) => (p as { region: { id: string } }).region.id === 'dazhou') as Record<
  string,
  unknown
>;

function clone<T>(x: T): T {
  return structuredClone(x);
}

function refusal(raw: unknown): { code: string; field: string; message: string } {
  try {
    parseRulePackage(raw);
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('package was accepted');
}

describe('bundled packages', () => {
  it('one per region, all valid, each saying which values are samples', () => {
    const rules = bundledRuleSet();
    expect(rules.regions()).toEqual(['dazhou', 'deyang', 'jiangyin', 'kaifeng', 'qingyang']);
    for (const region of rules.regions()) {
      const [pkg] = rules.versions(region);
      for (const scheme of Object.values(pkg!.schemes)) expect(scheme?.status).toBe('sample');
    }
    expect(rules.versions('kaifeng')[0]!.layers[0]!.parts[0]!.status).toBe('sample');
    expect(rules.versions('dazhou')[0]!.layers[0]!.parts[0]!.status).toBe('published');
  });

  it('the committed JSON Schema for the insurer matches the one schema in code (npm run schema)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../docs/rule-package.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(rulePackageJsonSchema())));
  });
});

describe('malformed packages are refused with the path of the bad value', () => {
  const cases: [string, (p: any) => void, string][] = [
    ['rate above 100%', (p) => (p.layers[0].parts[0].bands[0].rate = '1.5'), 'layers[0].parts[0].bands[0].rate'],
    [
      'amount with three decimals',
      (p) => (p.schemes.employee.annual_cap = '150000.001'),
      'schemes.employee.annual_cap',
    ],
    ['missing region', (p) => delete p.region, 'region'],
    ['unknown field', (p) => (p.layers[0].colour = 'red'), 'layers[0].colour'],
    ['impossible date', (p) => (p.effective.from = '2023-02-30'), 'effective.from'],
    ['end before start', (p) => (p.effective.to = '2014-01-01'), 'effective.to'],
    [
      'bands out of order',
      (p) =>
        (p.layers[0].parts[0].bands = [
          { to: '3000.00', rate: '0.5' },
          { to: null, rate: '0.6' },
        ]),
      'layers[0].parts[0].bands[0].to',
    ],
    [
      'open band not last',
      (p) =>
        (p.layers[0].parts[0].bands = [
          { to: null, rate: '0.5' },
          { to: '90000.00', rate: '0.6' },
        ]),
      'layers[0].parts[0].bands[0].to',
    ],
    ['two banded parts in one layer', (p) => (p.layers[0].parts[1].kind = 'banded'), 'layers[0].parts'],
    [
      'layer for a scheme without basic rules',
      (p) => (p.layers[0].schemes = ['employee', 'resident']),
      'layers[0].schemes[1]',
    ],
    [
      'combined cap with an unknown layer',
      (p) =>
        (p.layers[0].combined_cap = {
          with: ['basic', 'large_amount', 'nope'],
          amount: '1.00',
          status: 'sample',
          article: 'x',
        }),
      'layers[0].combined_cap.with[2]',
    ],
    ['unknown national fund field', (p) => (p.layers[0].fund.field = 'hifxx_pay'), 'layers[0].fund.field'],
    [
      'fund_pay_type not six digits',
      (p) => (p.schemes.employee.fund.fund_pay_type = '3101'),
      'schemes.employee.fund.fund_pay_type',
    ],
    ['reserved layer id', (p) => (p.layers[0].id = 'basic'), 'layers[0].id'],
    ['wrong format tag', (p) => (p.format = 'something-else'), 'format'],
    [
      'ratio + retired increment above 100%',
      (p) => (p.schemes.employee.retired_increment = '0.10'),
      'schemes.employee.retired_increment',
    ],
  ];
  it.each(cases)('%s', (_name, breakIt, field) => {
    const pkg = clone(dazhou);
    breakIt(pkg);
    const body = refusal(pkg);
    expect(body.code).toBe('invalid_rule_package');
    expect(body.field).toBe(field);
    expect(body.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('a rule set refuses two versions of a region starting on the same day', () => {
    const again = clone(dazhou);
    (again as { version: string }).version = '2023.2';
    expect(() => RuleSet.fromPackages([dazhou, again])).toThrowError(/share a version or an effective date/);
  });
});

describe('a city the engine has never seen', () => {
  const rules = RuleSet.fromPackages([...bundledPackages, mianyang]);

  it('settles with its layers, including a medical-assistance fund, with no code change', () => {
    const base = {
      region: 'mianyang',
      scheme: 'resident' as const,
      level: 2 as const,
      total: '60400.00',
      admission: '2026-03-01',
      discharge: '2026-03-10',
    };
    // D 400, R 60,000, basic 48,000, coinsurance 12,000; major: (12,400 − 10,000) × 50% = 1,200; assistance: 12,000 × 30% = 3,600
    const r = settle(request({ ...base, medical_assistance: true }), rules);
    expect(r.region_name).toBe('绵阳市（测试用虚构规则）');
    expect(r.funds).toEqual({ basic: '48000.00', major_illness: '1200.00', assistance: '3600.00' });
    expect(r.maf_pay).toBe('3600.00');
    expect(r.fund_details.find((f) => f.layer === 'assistance')?.fund_pay_type).toBe('610100');
    expect(r.psn_cash_pay).toBe('7600.00');

    const notRecipient = settle(request(base), rules);
    expect(notRecipient.maf_pay).toBe('0.00');
    expect(notRecipient.trace.find((t) => t.layer === 'assistance')?.article).toBe('测试 第三条');
  });

  it('is unknown to a rule set without its package', () => {
    expect(() =>
      settle(request({ region: 'mianyang', scheme: 'resident', total: '1.00' }), bundledRuleSet()),
    ).toThrowError(/unknown region/);
  });
});

describe('rule selection by cost date', () => {
  it("a new version mid-year: two parts in one year, the second sees the first part's accumulators", () => {
    const v2 = clone(dazhou) as any;
    v2.version = '2026.2';
    v2.effective = { from: '2026-07-01', to: null };
    v2.schemes.employee.ratio['3'] = '0.90';
    v2.layers[0].parts[0].bands[0].rate = '0.80';
    const rules = RuleSet.fromPackages([dazhou, v2]);
    const r = settle(
      request({
        region: 'dazhou',
        admission: '2026-06-20',
        discharge: '2026-07-10',
        total: '40900.00',
        costs: [
          { date: '2026-06-30', medfee_sumamt: '20900.00' },
          { date: '2026-07-10', medfee_sumamt: '20000.00' },
        ],
      }),
      rules,
    );
    expect(r.parts.map((p) => [p.year, p.rule_version])).toEqual([
      [2026, '2023.2'],
      [2026, '2026.2'],
    ]);
    // part 1: D 900, basic 17,000 (85%), coinsurance 3,000 (below 4,000). part 2: no deductible, basic 18,000 (90%), coinsurance 2,000:
    // cumulative 3,000 → 5,000, (5,000 − 4,000) × 80% = 800
    expect(r.parts[0]!.funds).toEqual({ basic: '17000.00', large_amount: '0.00' });
    expect(r.parts[1]!.funds).toEqual({ basic: '18000.00', large_amount: '800.00' });
    expect(r.ytd_after['2026']).toEqual({
      basic: { paid: '35000.00', admissions: 1 },
      large_amount: { paid: '800.00', base: '5000.00' },
    });
    expect(r.psn_cash_pay).toBe('5100.00');
  });
});

describe('packages before 2026-11-30 (no per-layer periods)', () => {
  /** dazhou as it was bundled before: one period for everything, the layer's. */
  const older = () => {
    const p = structuredClone(dazhou) as { version: string; effective: unknown; layers: Record<string, unknown>[] };
    p.version = '2023.1';
    p.effective = { from: '2023-04-01', to: '2028-03-31' };
    for (const l of p.layers) delete l['effective'];
    return p;
  };

  it('still loads: every layer and the basic parameters take the package period', () => {
    const rules = RuleSet.fromPackages([older()]);
    const r = settle(request({ region: 'dazhou', total: '180000.00', fulamt: '6000.00', preself: '4000.00' }), rules);
    expect(r.funds).toEqual({ basic: '143735.00', large_amount: '16023.75' });
    try {
      settle(request({ region: 'dazhou', admission: '2028-04-01', discharge: '2028-04-01', total: '1.00' }), rules);
      throw new Error('settled after the package ended');
    } catch (e) {
      expect((e as DeskError).body).toMatchObject({ code: 'no_rule_in_force', field: 'costs[0].date' });
    }
  });

  it('a newer bundled version replaces the older bundled one at start (audited); the insurer would be left alone', () => {
    const s = makeStore();
    const db = s.service.db;
    db.prepare("DELETE FROM rule_packages WHERE region = 'dazhou'").run();
    const body = JSON.stringify(older());
    db.prepare(
      "INSERT INTO rule_packages (region, version, effective_from, effective_to, source, signature, body, sha256, installed_at) VALUES ('dazhou', '2023.1', '2023-04-01', '2028-03-31', 'bundled', 'bundled', ?, 'x', '2026-01-01T00:00:00Z')",
    ).run(body);
    new RuleStore(db, s.clock).installBundled();
    expect(db.prepare("SELECT version FROM rule_packages WHERE region = 'dazhou'").pluck().all()).toEqual(['2023.2']);
    const audit = db
      .prepare("SELECT detail FROM audit_log WHERE action = 'rules.install' ORDER BY id DESC LIMIT 1")
      .pluck()
      .get() as string;
    expect(JSON.parse(audit)).toMatchObject({ replaced: ['2023.1'] });
    // After 2028-03-31 the basic parameters are still in force: the stay settles without 大额医补.
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson(3));
    s.clock.set('2028-04-10T02:00:00Z');
    const r = s.service.settlements.preview(
      s.cashier,
      example1Bill(person_id, {
        admission_date: '2028-04-01',
        discharge_date: '2028-04-10',
        costs: [
          {
            date: '2028-04-10',
            medfee_sumamt: '180000.00',
            fulamt_ownpay_amt: '6000.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '4000.00',
          },
        ],
      }),
    );
    expect(r.parts[0]!.not_paying).toEqual({ large_amount: 'not_in_force' });
    expect(r.funds['basic']).toBe('143735.00');
  });
});
