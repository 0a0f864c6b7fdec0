/** Bill import: the CLI's JSON request and the documented CSV layouts (docs/bill-import.md); problems name the line or field. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importBill } from '../shared/bill-import.js';
import { aggregateFeeLines, feeLinesSchema, type FeeLine } from '../shared/fee-lines.js';

describe('importBill', () => {
  it('takes dates, level and costs from a CLI request JSON; of the person only its region and what it carried, to check', () => {
    const text = readFileSync(new URL('../examples/dazhou-example-1.json', import.meta.url), 'utf8');
    const r = importBill('bill.json', text);
    expect(r).toEqual({
      ok: true,
      bill: {
        // The window refuses a file of another region than the person found, and says the rest was not taken (issue 17).
        region: 'dazhou',
        person_fields: ['insured', 'ytd'],
        admission_date: '2026-03-02',
        discharge_date: '2026-03-20',
        hospital_level: 3,
        costs: [
          {
            date: '2026-03-20',
            medfee_sumamt: '180000.00',
            fulamt_ownpay_amt: '6000.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '4000.00',
          },
        ],
      },
    });
  });

  it('reads the CSV layout with a BOM, columns in any order, CRLF, and derives the stay from the dates', () => {
    const csv =
      '\uFEFFmedfee_sumamt,date,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt\r\n20650.00,2026-12-31,0.00,0.00,0.00\r\n10000.00,2027-01-10,0.00,0.00,0.00\r\n';
    const r = importBill('his.csv', csv);
    expect(r).toMatchObject({ ok: true, bill: { admission_date: '2026-12-31', discharge_date: '2027-01-10' } });
    if (r.ok)
      expect(r.bill.costs.map((c) => [c.date, c.medfee_sumamt])).toEqual([
        ['2026-12-31', '20650.00'],
        ['2027-01-10', '10000.00'],
      ]);
  });

  it('names the problem: a missing column, a ragged line, bad JSON, a JSON field', () => {
    expect(importBill('a.csv', 'date,medfee_sumamt\n2026-03-20,1.00\n')).toEqual({
      ok: false,
      problem: expect.stringContaining('缺少列：fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt'),
      problem_en: expect.stringContaining('missing columns: fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt'),
    });
    expect(
      importBill(
        'a.csv',
        'date,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt\n2026-03-20,1.00,0.00\n',
      ),
    ).toEqual({
      ok: false,
      problem: expect.stringMatching(/^CSV 第 2 行/),
      problem_en: expect.stringMatching(/^CSV line 2:/),
    });
    expect(importBill('a.json', '{"costs": [')).toEqual({
      ok: false,
      problem: expect.stringContaining('不是有效的 JSON'),
      problem_en: expect.stringContaining('not valid JSON'),
    });
    expect(importBill('a.json', '{"costs": [{"date": "2026-03-20", "medfee_sumamt": 1}]}')).toEqual({
      ok: false,
      problem: expect.stringContaining('costs[0].medfee_sumamt'),
      problem_en: expect.stringContaining('JSON field costs[0].medfee_sumamt'),
    });
  });
});

/** The fee-line CSV of docs/bill-import.md (header and rows as documented). */
const FEE_CSV = [
  'feedetl_sn,init_feedetl_sn,fee_ocur_time,med_list_codg,medins_list_codg,name,cnt,pric,det_item_fee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,bilg_dept_codg,bilg_dept_name,bilg_dr_codg,bilg_dr_name,mdtrt_id',
  'F0001,,2026-03-02 08:30:00,001102000010000-110200001,H-BED-01,床位费,19,120,2280.00,0.00,0.00,0.00,A03,心血管内科,D0012,王医生,MD2026030200017',
  'F0002,,2026-03-05 10:00:00,XB01ABE011B002010100452,H-DRUG-0001,依诺肝素钠注射液,3,33.333333,100.00,100.00,0.00,0.00,A03,心血管内科,D0012,王医生,MD2026030200017',
  'F0003,,2026-03-05 11:00:00,002103000010000-210300001,H-CT-02,CT 平扫,1,1500.5,1500.50,0.00,0.50,150.00,A03,心血管内科,D0012,王医生,MD2026030200017',
  'F0004,F0002,2026-03-06 09:00:00,XB01ABE011B002010100452,H-DRUG-0001,依诺肝素钠注射液,-1,33.333333,-33.33,-33.33,0.00,0.00,A03,心血管内科,D0012,王医生,MD2026030200017',
  '',
].join('\r\n');

const FEE_COSTS = [
  {
    date: '2026-03-02',
    medfee_sumamt: '2280.00',
    fulamt_ownpay_amt: '0.00',
    overlmt_selfpay: '0.00',
    preselfpay_amt: '0.00',
  },
  {
    date: '2026-03-05',
    medfee_sumamt: '1567.17',
    fulamt_ownpay_amt: '66.67',
    overlmt_selfpay: '0.50',
    preselfpay_amt: '150.00',
  },
];

const feeLine = (i: number, over: Partial<FeeLine> = {}) => ({
  feedetl_sn: `L${i}`,
  fee_ocur_time: '2026-03-05 10:00:00',
  med_list_codg: 'M',
  medins_list_codg: 'H',
  name: '项目',
  cnt: '1',
  pric: '0.1',
  det_item_fee_sumamt: '0.10',
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
  bilg_dept_codg: 'A03',
  bilg_dept_name: '内科',
  ...over,
});

describe('importBill: item-level bills', () => {
  it('reads the fee-line CSV (BOM, CRLF): lines, mdtrt_id, costs per date, the stay from the dates', () => {
    const r = importBill('his-items.csv', '\uFEFF' + FEE_CSV);
    if (!r.ok) throw new Error(r.problem);
    expect(r.bill.mdtrt_id).toBe('MD2026030200017');
    expect(r.bill.fee_lines!.map((l) => [l.feedetl_sn, l.init_feedetl_sn, l.cnt])).toEqual([
      ['F0001', '', '19'],
      ['F0002', '', '3'],
      ['F0003', '', '1'],
      ['F0004', 'F0002', '-1'],
    ]);
    expect(r.bill.costs).toEqual(FEE_COSTS);
    expect([r.bill.admission_date, r.bill.discharge_date]).toEqual(['2026-03-02', '2026-03-06']);
  });

  it('reads a JSON bill with fee_lines and mdtrt_id, and costs beside them when they agree', () => {
    const csv = importBill('a.csv', FEE_CSV);
    if (!csv.ok) throw new Error(csv.problem);
    const json = {
      admission_date: '2026-03-01',
      discharge_date: '2026-03-10',
      hospital_level: 2,
      mdtrt_id: 'MD2026030200017',
      fee_lines: csv.bill.fee_lines,
    };
    const r = importBill('bill.json', JSON.stringify(json));
    expect(r).toEqual({ ok: true, bill: { ...json, costs: FEE_COSTS } });
    const both = importBill('bill.json', JSON.stringify({ ...json, costs: FEE_COSTS }));
    expect(both).toMatchObject({ ok: true, bill: { costs: FEE_COSTS } });
    const off = structuredClone(FEE_COSTS);
    off[1]!.fulamt_ownpay_amt = '66.66';
    expect(importBill('bill.json', JSON.stringify({ ...json, costs: off }))).toEqual({
      ok: false,
      problem: expect.stringContaining('JSON 字段 costs[1].fulamt_ownpay_amt：与费用明细按日汇总不符'),
      problem_en: expect.stringContaining('JSON field costs[1].fulamt_ownpay_amt: disagrees with the fee lines'),
    });
    expect(importBill('bill.json', JSON.stringify({ ...json, discharge_date: '2026-03-04' }))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('fee_lines[1].fee_ocur_time'),
    });
    expect(importBill('bill.json', JSON.stringify({ hospital_level: 3 }))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('须有 costs 或 fee_lines'),
    });
  });

  it('names a bad line by CSV line, column and fee_lines path', () => {
    const rows = FEE_CSV.split('\r\n');
    const bad = (i: number, from: string, to: string) =>
      importBill('a.csv', rows.map((r, j) => (j === i ? r.replace(from, to) : r)).join('\n'));
    expect(bad(3, ',1500.5,', ',1500.5000001,')).toEqual({
      ok: false,
      problem: expect.stringMatching(/^CSV 第 4 行 pric（fee_lines\[2\]\.pric）：单价/),
      problem_en: expect.stringMatching(/^CSV line 4 pric \(fee_lines\[2\]\.pric\): pric must be/),
    });
    expect(bad(2, ',2026-03-05 10:00:00,', ',2026-03-05T10:00:00,')).toMatchObject({
      problem: expect.stringContaining('第 3 行 fee_ocur_time（fee_lines[1].fee_ocur_time）：须为北京时间'),
    });
    expect(bad(3, ',H-CT-02,', ',,')).toMatchObject({
      problem: expect.stringContaining('第 4 行 medins_list_codg（fee_lines[2].medins_list_codg）：不能为空'),
    });
    expect(bad(3, ',1500.50,0.00,', ',1500.49,0.00,')).toMatchObject({
      problem: expect.stringContaining('fee_lines[2].det_item_fee_sumamt'),
    });
    expect(bad(3, ',0.50,150.00,', ',0.50,1500.51,')).toMatchObject({
      problem: expect.stringContaining('fee_lines[2].preselfpay_amt'),
    });
    expect(bad(3, ',0.50,150.00,', ',0.50,1500.01,')).toMatchObject({
      problem: expect.stringContaining(
        'CSV 第 4 行（fee_lines[2]）：全自费 + 超限价自费 + 先行自付 = 1500.51，超过明细金额 1500.50',
      ),
    });
    expect(bad(4, 'F0004,', 'F0001,')).toMatchObject({
      problem: expect.stringContaining(
        '第 5 行 feedetl_sn（fee_lines[3].feedetl_sn）：费用明细流水号 F0001 与 fee_lines[0] 重复',
      ),
    });
    expect(bad(4, ',F0002,', ',,')).toMatchObject({ problem: expect.stringContaining('fee_lines[3].init_feedetl_sn') });
    expect(bad(4, ',F0002,', ',F0003,')).toMatchObject({
      problem: expect.stringContaining('fee_lines[3].medins_list_codg'),
    });
    expect(bad(4, ',MD2026030200017', ',MD2')).toMatchObject({
      problem: expect.stringContaining('mdtrt_id 须为同一次就诊：第 2 行为 MD2026030200017，第 5 行为 MD2'),
    });
    expect(importBill('a.csv', 'feedetl_sn,cnt\nF1,1\n')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('费用明细 CSV 缺少列：fee_ocur_time, med_list_codg'),
    });
  });

  it('refuses refunds beyond their line, whatever the order of days', () => {
    const charge = feeLine(1, { cnt: '2', pric: '50', det_item_fee_sumamt: '100.00', fulamt_ownpay_amt: '100.00' });
    const refund = (i: number, over: Partial<FeeLine> = {}) =>
      feeLine(i, {
        init_feedetl_sn: 'L1',
        fee_ocur_time: '2026-03-07 10:00:00',
        cnt: '-1',
        pric: '50',
        det_item_fee_sumamt: '-50.00',
        fulamt_ownpay_amt: '-50.00',
        ...over,
      });
    expect(feeLinesSchema.safeParse([charge, refund(2), refund(3)]).success).toBe(true);
    const over = feeLinesSchema.safeParse([charge, refund(2), refund(3), refund(4)]);
    expect(over.error?.issues[0]).toMatchObject({ path: [3, 'det_item_fee_sumamt'] });
    // The self-pay may not outlast the total: a refund of 50 that takes no self-pay leaves 50 with 100 self-paid.
    const split = feeLinesSchema.safeParse([charge, refund(2, { fulamt_ownpay_amt: '0.00' })]);
    expect(split.error?.issues[0]).toMatchObject({ path: [1], params: { code: 'self_pay_exceeds_total' } });
    // A refund of a refund, or of no line of the bill.
    expect(
      feeLinesSchema.safeParse([charge, refund(2), refund(3, { init_feedetl_sn: 'L2' })]).error?.issues[0],
    ).toMatchObject({
      path: [2, 'init_feedetl_sn'],
    });
    // A positive line's split is between 0 and its total.
    expect(feeLinesSchema.safeParse([feeLine(1, { fulamt_ownpay_amt: '-0.01' })]).error?.issues[0]).toMatchObject({
      path: [0, 'fulamt_ownpay_amt'],
    });
  });

  it('aggregates per Beijing date exactly (decimal, never float)', () => {
    // Ten lines of 0.10 and one of 0.20 on one day, 1,989 more across two days: 2,000 lines, the most a bill has.
    const lines: FeeLine[] = feeLinesSchema.parse([
      ...Array.from({ length: 10 }, (_, i) => feeLine(i)),
      feeLine(10, { cnt: '2', det_item_fee_sumamt: '0.20', preselfpay_amt: '0.20' }),
      ...Array.from({ length: 1989 }, (_, i) =>
        feeLine(100 + i, {
          fee_ocur_time: i % 2 ? '2026-03-06 23:59:59' : '2026-03-07 00:00:00',
          cnt: '0.3333',
          pric: '0.3',
          det_item_fee_sumamt: '0.10',
          overlmt_selfpay: '0.03',
        }),
      ),
    ]);
    expect(Array.from({ length: 10 }, () => 0.1).reduce((a, b) => a + b, 0)).not.toBe(1);
    expect(aggregateFeeLines(lines)).toEqual([
      {
        date: '2026-03-05',
        medfee_sumamt: '1.20',
        fulamt_ownpay_amt: '0.00',
        overlmt_selfpay: '0.00',
        preselfpay_amt: '0.20',
      },
      {
        date: '2026-03-06',
        medfee_sumamt: '99.40',
        fulamt_ownpay_amt: '0.00',
        overlmt_selfpay: '29.82',
        preselfpay_amt: '0.00',
      },
      {
        date: '2026-03-07',
        medfee_sumamt: '99.50',
        fulamt_ownpay_amt: '0.00',
        overlmt_selfpay: '29.85',
        preselfpay_amt: '0.00',
      },
    ]);
    expect(feeLinesSchema.safeParse([...lines, feeLine(9999)]).success).toBe(false);
  });
});
