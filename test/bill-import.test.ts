/** Bill import: the CLI's JSON request and the documented CSV layout; problems name the line or field. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importBill } from '../shared/bill-import.js';

describe('importBill', () => {
  it('takes dates, level and costs from a CLI request JSON, nothing about the person', () => {
    const text = readFileSync(new URL('../examples/dazhou-example-1.json', import.meta.url), 'utf8');
    const r = importBill('bill.json', text);
    expect(r).toEqual({
      ok: true,
      bill: {
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
      problem: expect.stringContaining('costs.0.medfee_sumamt'),
      problem_en: expect.stringContaining('JSON field costs.0.medfee_sumamt'),
    });
  });
});
