/**
 * The worked examples of domain.md and, per region, cases that exercise each
 * rule and article. Expected figures are worked by hand from domain.md §3 and
 * the policies; the arithmetic is written out next to each case.
 */
import { describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { request } from './request-builder.js';

const rules = bundledRuleSet();
const run = (o: Parameters<typeof request>[0]) => settle(request(o), rules);
const traceOf = (r: ReturnType<typeof run>, layer: string) => r.trace.filter((t) => t.layer === layer);

describe('domain.md worked examples', () => {
  it('1. 达州 employee L3, 180,000 with 6,000 full self-pay and 4,000 pre-self-pay', () => {
    const r = run({
      region: 'dazhou',
      level: 3,
      total: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
      enrolled: { large_amount: true },
    });
    expect(r.inscp_scp_amt).toBe('170000.00');
    expect(r.act_pay_dedc).toBe('900.00');
    expect(r.hifp_pay).toBe('143735.00');
    expect(r.parts[0]!.segments).toEqual({ deductible: '900.00', coinsurance: '25365.00', over_cap: '0.00' });
    expect(r.hifob_pay).toBe('16023.75');
    expect(r.funds).toEqual({ basic: '143735.00', large_amount: '16023.75' });
    expect(r.psn_cash_pay).toBe('20241.25');
    expect(r.trace.some((t) => t.article === '达州 第九条' && t.text.includes('21365.00 × 75%'))).toBe(true);
  });

  it('2. 达州 employee L3, 300,000 all in policy: basic cap reached', () => {
    const r = run({ region: 'dazhou', level: 3, total: '300000.00' });
    expect(r.hifp_pay).toBe('150000.00');
    // W = round(150,000 / 0.85) = 176,470.59
    expect(r.parts[0]!.segments).toEqual({ deductible: '900.00', coinsurance: '26470.59', over_cap: '122629.41' });
    // 22,470.59 × 75% + 122,629.41 × 85% = 16,852.9425 + 104,234.9985 = 121,087.941 → 121,087.94
    expect(r.hifob_pay).toBe('121087.94');
    expect(r.psn_cash_pay).toBe('28912.06');
  });

  it('3. 江阴 resident assistance recipient L3, 150,000', () => {
    const r = run({
      region: 'jiangyin',
      scheme: 'resident',
      medical_assistance: true,
      level: 3,
      total: '150000.00',
      fulamt: '5000.00',
      overlmt: '1000.00',
      preself: '4000.00',
    });
    expect(r.inscp_scp_amt).toBe('140000.00');
    expect(r.hifp_pay).toBe('90350.00');
    // base = 1,000 + 48,650 = 49,650; threshold 18,000 × 0.5 = 9,000; (49,650 − 9,000) × 65%
    expect(r.hifmi_pay).toBe('26422.50');
    expect(r.psn_cash_pay).toBe('33227.50');
    expect(r.trace.some((t) => t.step === 'modifier' && t.article === '江阴 二(四) 待遇水平')).toBe(true);
  });
});

describe('达州 职工大额医补 (第九条, 第十条)', () => {
  it('threshold 4,000 crossed across two claims; second admission halves the deductible', () => {
    // Claim A: P 20,900 → R 20,000, basic 17,000, coinsurance 3,000 (below 4,000: nothing).
    const a = run({ region: 'dazhou', total: '20900.00' });
    expect(a.hifp_pay).toBe('17000.00');
    expect(a.hifob_pay).toBe('0.00');
    expect(a.ytd_after['2026']).toEqual({
      basic: { paid: '17000.00', admissions: 1 },
      large_amount: { paid: '0.00', base: '3000.00' },
    });
    // Claim B: second admission, deductible 900 × 0.5 = 450; P 14,450 → R 14,000, basic 11,900, coinsurance 2,100.
    // Cumulative base 3,000 → 5,100: (5,100 − 4,000) × 75% = 825.
    const b = run({ region: 'dazhou', total: '14450.00', ytd: a.ytd_after });
    expect(b.act_pay_dedc).toBe('450.00');
    expect(b.hifp_pay).toBe('11900.00');
    expect(b.hifob_pay).toBe('825.00');
    expect(b.ytd_after['2026']).toEqual({
      basic: { paid: '28900.00', admissions: 2 },
      large_amount: { paid: '825.00', base: '5100.00' },
    });
  });

  it('later admission: half deductible and half-up rounding of the layer', () => {
    const r = run({
      region: 'dazhou',
      total: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
      ytd: { 2026: { basic: { admissions: 1 } } },
    });
    expect(r.act_pay_dedc).toBe('450.00');
    expect(r.hifp_pay).toBe('144117.50'); // 169,550 × 85%
    expect(r.hifob_pay).toBe('16074.38'); // 21,432.50 × 75% = 16,074.375 → half up
    expect(r.psn_cash_pay).toBe('19808.12');
  });

  it('retired employee: ratio + 3 points', () => {
    const r = run({ region: 'dazhou', retired: true, total: '180000.00', fulamt: '6000.00', preself: '4000.00' });
    expect(r.hifp_pay).toBe('148808.00'); // 169,100 × 88%
    expect(r.hifob_pay).toBe('12219.00'); // (20,292 − 4,000) × 75%
    expect(r.psn_cash_pay).toBe('18973.00');
  });

  it('annual cap 300,000 of the large-amount subsidy (第十条)', () => {
    const r = run({
      region: 'dazhou',
      total: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
      ytd: { 2026: { large_amount: { paid: '299000.00', base: '9000.00' } } },
    });
    expect(r.hifob_pay).toBe('1000.00');
    expect(r.psn_cash_pay).toBe('35265.00');
    expect(traceOf(r, 'large_amount').some((t) => t.step === 'annual_cap' && t.text.includes('限为 1000.00'))).toBe(
      true,
    );
  });

  it('basic fund already at its cap: everything above the deductible is over_cap at 85%', () => {
    const r = run({
      region: 'dazhou',
      total: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
      ytd: { 2026: { basic: { paid: '150000.00', admissions: 1 } } },
    });
    expect(r.hifp_pay).toBe('0.00');
    expect(r.parts[0]!.segments).toEqual({ deductible: '450.00', coinsurance: '0.00', over_cap: '169550.00' });
    expect(r.hifob_pay).toBe('144117.50'); // 169,550 × 85%
  });
});

describe('开封 大额补助 (第八、九、十三、十四条)', () => {
  it('enrolled: over_cap at 90% (sample rate)', () => {
    const r = run({ region: 'kaifeng', total: '300000.00', enrolled: { large_amount: true } });
    expect(r.hifp_pay).toBe('80000.00');
    // W = round(80,000 / 0.85) = 94,117.65; over_cap = 299,200 − 94,117.65 = 205,082.35; × 90% = 184,574.115
    expect(r.parts[0]!.segments.over_cap).toBe('205082.35');
    expect(r.hifob_pay).toBe('184574.12');
    expect(r.psn_cash_pay).toBe('35425.88');
    expect(r.parts[0]!.uses_sample_values).toBe(true);
  });

  it('not enrolled (no contribution in the window, not newly insured): nothing, and the trace says why', () => {
    const r = run({ region: 'kaifeng', total: '300000.00' });
    expect(r.hifob_pay).toBe('0.00');
    expect(r.psn_cash_pay).toBe('220000.00');
    const why = traceOf(r, 'large_amount').find((t) => t.step === 'eligibility');
    expect(why?.article).toBe('开封 第八条、第九条');
    expect(why?.text).toContain('不予支付');
    expect(r.ytd_after['2026']!['large_amount']).toEqual({ paid: '0.00', base: '0.00' });
  });

  it('combined basic + large-amount cap 420,000 (第十四条)', () => {
    const ytd = { 2026: { basic: { paid: '80000.00', admissions: 1 }, large_amount: { paid: '300000.00' } } };
    // basic room 0 → over_cap 99,200 × 90% = 89,280, limited to 420,000 − 380,000 = 40,000
    const r = run({ region: 'kaifeng', total: '100000.00', enrolled: { large_amount: true }, ytd });
    expect(r.hifp_pay).toBe('0.00');
    expect(r.hifob_pay).toBe('40000.00');
    expect(r.psn_cash_pay).toBe('60000.00');
    expect(
      traceOf(r, 'large_amount').some((t) => t.step === 'combined_cap' && t.article?.startsWith('开封 第十四条')),
    ).toBe(true);
  });

  it('combined cap counts the basic fund paid in this very claim', () => {
    const ytd = { 2026: { basic: { paid: '70000.00' }, large_amount: { paid: '330000.00' } } };
    // basic pays the remaining 10,000 now; combined room = 420,000 − 80,000 − 330,000 = 10,000
    const r = run({ region: 'kaifeng', total: '300000.00', enrolled: { large_amount: true }, ytd });
    expect(r.hifp_pay).toBe('10000.00');
    expect(r.hifob_pay).toBe('10000.00');
  });
});

describe('庆阳 职工补充医疗保险 (四、六(三))', () => {
  it('coinsurance in the first band at 80%', () => {
    const r = run({ region: 'qingyang', level: 2, total: '100500.00', enrolled: { supplementary: true } });
    expect(r.hifp_pay).toBe('85000.00');
    expect(r.hifes_pay).toBe('12000.00');
    expect(r.psn_cash_pay).toBe('3500.00');
  });

  it('the 50,000 band boundary crossed on the cumulative base', () => {
    const ytd = { 2026: { supplementary: { paid: '36000.00', base: '45000.00' } } };
    const r = run({ region: 'qingyang', level: 2, total: '100500.00', enrolled: { supplementary: true }, ytd });
    expect(r.hifes_pay).toBe('12500.00'); // 5,000 × 80% + 10,000 × 85%
    expect(r.ytd_after['2026']!['supplementary']).toEqual({ paid: '48500.00', base: '60000.00' });
  });

  it('unit in arrears: no supplementary benefit', () => {
    const r = run({ region: 'qingyang', level: 2, total: '100500.00', enrolled: { supplementary: false } });
    expect(r.hifes_pay).toBe('0.00');
    expect(traceOf(r, 'supplementary')[0]?.article).toBe('庆阳 六(三)');
  });

  it('annual cap 300,000', () => {
    const ytd = { 2026: { supplementary: { paid: '295000.00', base: '400000.00' } } };
    const r = run({ region: 'qingyang', level: 2, total: '100500.00', enrolled: { supplementary: true }, ytd });
    expect(r.hifes_pay).toBe('5000.00');
  });
});

describe('德阳 居民大病 + 居民补医 (第十一、十三、十四条)', () => {
  it('major illness then supplementary 15% of coinsurance (第十一条（一）)', () => {
    const r = run({ region: 'deyang', scheme: 'resident', total: '50650.00', enrolled: { supplementary: true } });
    expect(r.hifp_pay).toBe('35000.00');
    expect(r.hifmi_pay).toBe('2190.00'); // (650 + 15,000 − 12,000) × 60%
    expect(r.hifes_pay).toBe('2250.00'); // 15,000 × 15% = (P − basic − deductible) × 15%
    expect(r.psn_cash_pay).toBe('11210.00');
    expect(r.fund_details.map((f) => f.layer)).toEqual(['basic', 'major_illness', 'supplementary']);
  });

  it('in-policy ceiling (第十三条): the excess comes off the last layer', () => {
    const ytd = {
      2026: { basic: { paid: '200000.00', admissions: 1 }, major_illness: { base: '200000.00', paid: '0.00' } },
    };
    // over_cap 10,000: major 10,650 × 70% = 7,455; supplementary 10,000 × 50% = 5,000; sum 12,455 > P 10,650
    const r = run({ region: 'deyang', scheme: 'resident', total: '10650.00', enrolled: { supplementary: true }, ytd });
    expect(r.hifmi_pay).toBe('7455.00');
    expect(r.hifes_pay).toBe('3195.00');
    expect(r.psn_cash_pay).toBe('0.00');
    expect(r.trace.find((t) => t.step === 'in_policy_ceiling')?.article).toBe('德阳 第十三条');
  });

  it('cross-year stay: two parts, each with its year accumulators; deductible once (第十四条)', () => {
    const r = run({
      region: 'deyang',
      scheme: 'resident',
      admission: '2026-12-20',
      discharge: '2027-01-10',
      total: '30650.00',
      enrolled: { supplementary: true },
      costs: [
        { date: '2026-12-31', medfee_sumamt: '20650.00' },
        { date: '2027-01-10', medfee_sumamt: '10000.00' },
      ],
      ytd: { 2026: { basic: { paid: '195000.00' } } },
    });
    expect(r.parts.map((p) => [p.year, p.act_pay_dedc])).toEqual([
      [2026, '650.00'],
      [2027, '0.00'],
    ]);
    // 2026: basic room 5,000; W = round(5,000 / 0.7) = 7,142.86
    expect(r.parts[0]!.segments).toEqual({ deductible: '650.00', coinsurance: '2142.86', over_cap: '12857.14' });
    expect(r.parts[0]!.funds).toEqual({ basic: '5000.00', major_illness: '2190.00', supplementary: '6750.00' });
    expect(r.parts[1]!.funds).toEqual({ basic: '7000.00', major_illness: '0.00', supplementary: '450.00' });
    expect(r.psn_cash_pay).toBe('9260.00');
    expect(r.ytd_after['2026']!['basic']).toEqual({ paid: '200000.00', admissions: 1 });
    expect(r.ytd_after['2027']!['basic']).toEqual({ paid: '7000.00', admissions: 0 });
    expect(r.ytd_after['2027']!['major_illness']).toEqual({ paid: '0.00', base: '3000.00' });
  });

  it('not enrolled in 居民补医: major illness only', () => {
    const r = run({ region: 'deyang', scheme: 'resident', total: '50650.00' });
    expect(r.hifmi_pay).toBe('2190.00');
    expect(r.hifes_pay).toBe('0.00');
    expect(traceOf(r, 'supplementary')[0]?.article).toBe('德阳 第三条、第九条');
  });
});

describe('江阴 大病保险 (二(四))', () => {
  const bill = {
    region: 'jiangyin',
    scheme: 'resident' as const,
    total: '150000.00',
    fulamt: '5000.00',
    overlmt: '1000.00',
    preself: '4000.00',
  };

  it('not an assistance recipient: threshold 18,000 and 60%', () => {
    const r = run(bill);
    expect(r.hifmi_pay).toBe('18990.00'); // (49,650 − 18,000) × 60%
    expect(r.psn_cash_pay).toBe('40660.00');
  });

  it('the 100,000 band boundary crossed on the cumulative base, with and without the assistance modifier', () => {
    const ytd = { 2026: { major_illness: { base: '95000.00', paid: '46200.00' } } };
    const base = { region: 'jiangyin', scheme: 'resident' as const, total: '21000.00', ytd };
    // P 21,000, D 1,000, basic 13,000, coinsurance 7,000: base 8,000 → 95,000..103,000
    expect(run(base).hifmi_pay).toBe('5400.00'); // 5,000 × 60% + 3,000 × 80%
    expect(run({ ...base, medical_assistance: true }).hifmi_pay).toBe('5800.00'); // 65% and 85%
  });

  it('employee, retired: ratio + 2 points; below the threshold pays nothing', () => {
    const r = run({ region: 'jiangyin', scheme: 'employee', retired: true, level: 2, total: '100750.00' });
    expect(r.hifp_pay).toBe('94000.00'); // 100,000 × 94%
    expect(r.hifmi_pay).toBe('0.00'); // 750 + 6,000 < 18,000
    expect(r.psn_cash_pay).toBe('6750.00');
  });

  it('no annual cap on major illness', () => {
    const ytd = { 2026: { major_illness: { base: '5000000.00', paid: '3900000.00' } } };
    const r = run({ region: 'jiangyin', scheme: 'resident', total: '21000.00', ytd });
    expect(r.hifmi_pay).toBe('6400.00'); // 8,000 × 80%
  });
});
