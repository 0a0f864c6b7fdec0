/**
 * The limits at the window (shared/limits.ts), each at its boundary, where they
 * are used: the window's contract (parseInput with shared/store/inputs.ts), the
 * CLI (settleLine: the engine's request and check, discharge against today) and
 * the sync protocol's schemas. Each refusal names the field, in both languages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { billInput, manualClaimInput, parseInput, recordPersonInput } from '../shared/store/inputs.js';
import { DeskError, type ErrorBody } from '../shared/errors.js';
import { settleLine } from '../cli/settle-line.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { settlementRequestWire } from '../shared/sync/protocol/payloads.js';
import { amountOut, idNumber } from '../shared/sync/protocol/primitives.js';
import { fromZodError } from '../shared/errors.js';
import {
  EARLIEST_ADMISSION,
  MAX_AMOUNT,
  idNumberProblem,
  latestDischarge,
  refuseBeyondToday,
} from '../shared/limits.js';
import { AMOUNT_PATTERN } from '../shared/money.js';

const TODAY = '2026-03-20';
const example = JSON.parse(readFileSync(new URL('../examples/dazhou-example-1.json', import.meta.url), 'utf8')) as {
  admission_date: string;
  discharge_date: string;
  costs: Record<string, string>[];
};
const line = (date: string, total: string) => ({
  date,
  medfee_sumamt: total,
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
});
const bill = (over: Record<string, unknown> = {}) => ({
  person_id: 1,
  hospital_level: 3,
  admission_date: '2026-03-02',
  discharge_date: '2026-03-20',
  costs: [line('2026-03-20', '1000.00')],
  ...over,
});

function refusal(run: () => unknown): ErrorBody {
  try {
    run();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('expected a refusal');
}
const atWindow = (schema: Parameters<typeof parseInput>[0], input: unknown) => () => parseInput(schema, input);
const cli = (request: unknown, today = TODAY) => {
  const out = settleLine(JSON.stringify(request), bundledRuleSet(), today);
  return out.ok ? null : out.output.error;
};
const wire = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? null : fromZodError(r.error as never).body;
};

describe('amounts: at most 12 integer digits, per field and in total', () => {
  it('is the one pattern the engine, the window and the protocol use', () => {
    expect(MAX_AMOUNT).toBe('999999999999.99');
    expect(AMOUNT_PATTERN.test('999999999999.99')).toBe(true);
    expect(AMOUNT_PATTERN.test('1000000000000.00')).toBe(false);
    expect(amountOut.safeParse('999999999999.99').success).toBe(true);
    expect(amountOut.safeParse('1000000000000.00').success).toBe(false);
  });

  it('window: 999999999999.99 accepted, 1000000000000.00 refused naming 医疗费总额', () => {
    expect(() => parseInput(billInput, bill({ costs: [line('2026-03-20', '999999999999.99')] }))).not.toThrow();
    const e = refusal(atWindow(billInput, bill({ costs: [line('2026-03-20', '1000000000000.00')] })));
    expect(e).toMatchObject({ code: 'invalid_amount', field: 'costs[0].medfee_sumamt' });
    expect(e.message).toContain('医疗费总额 超过 12 位整数金额上限');
    expect(e.message_en).toContain('Total medical cost exceeds the 12-digit amount limit');
  });

  it('window: three lines of 999,999,999,999.99 (2,999,999,999,999.97 in total) refused at the line that passes the limit', () => {
    const costs = ['2026-03-18', '2026-03-19', '2026-03-20'].map((d) => line(d, '999999999999.99'));
    const e = refusal(atWindow(billInput, bill({ costs })));
    expect(e).toMatchObject({ code: 'invalid_amount', field: 'costs[1].medfee_sumamt' });
    expect(e.message).toContain('医疗费总额合计 超过 12 位整数金额上限');
    // The total exactly at the limit is accepted.
    const atLimit = [line('2026-03-19', '999999999999.00'), line('2026-03-20', '0.99')];
    expect(() => parseInput(billInput, bill({ costs: atLimit }))).not.toThrow();
  });

  it('window: a manual claim whose invoices total more is refused at the invoice', () => {
    const { date: _date, ...amounts } = line('2026-03-20', '999999999999.99');
    const invoice = (n: string) => ({ invoice_no: n, invoice_date: '2026-03-20', ...amounts });
    const claim = {
      person_id: 1,
      hospital_code: 'H1',
      hospital_name: '某医院',
      hospital_level: 3,
      admission_date: '2026-03-02',
      discharge_date: '2026-03-20',
      invoices: [invoice('A'), invoice('B')],
    };
    expect(refusal(atWindow(manualClaimInput, claim))).toMatchObject({
      code: 'invalid_amount',
      field: 'invoices[1].medfee_sumamt',
    });
    expect(() => parseInput(manualClaimInput, { ...claim, invoices: claim.invoices.slice(0, 1) })).not.toThrow();
  });

  it('CLI: a line over the limit and a bill whose total is over it are refused, naming the field', () => {
    const one = structuredClone(example);
    one.costs[0]!.medfee_sumamt = '1000000000000.00';
    expect(cli(one)).toMatchObject({ code: 'invalid_amount', field: 'costs[0].medfee_sumamt' });
    expect(cli(one)!.message).toContain('医疗费总额 超过 12 位整数金额上限');
    const many = structuredClone(example);
    many.costs = [0, 1, 2].map(() => ({ ...example.costs[0]!, medfee_sumamt: '999999999999.99' }));
    expect(cli(many)).toMatchObject({ code: 'invalid_amount', field: 'costs[1].medfee_sumamt' });
  });

  it('protocol: the request wire refuses the same total', () => {
    const req = structuredClone(example) as typeof example & Record<string, unknown>;
    expect(wire(settlementRequestWire, req)).toBeNull();
    req.costs = [0, 1, 2].map(() => ({ ...example.costs[0]!, medfee_sumamt: '999999999999.99' }));
    expect(wire(settlementRequestWire, req)).toMatchObject({ code: 'invalid_amount', field: 'costs[1].medfee_sumamt' });
  });
});

describe(`admission on or after ${EARLIEST_ADMISSION}`, () => {
  it('window: 1990-01-01 accepted, 1989-12-31 refused naming 入院日期', () => {
    const at = (d: string) =>
      bill({ admission_date: d, discharge_date: '1990-01-05', costs: [line('1990-01-05', '1.00')] });
    expect(() => parseInput(billInput, at('1990-01-01'))).not.toThrow();
    const e = refusal(atWindow(billInput, at('1989-12-31')));
    expect(e).toMatchObject({ code: 'invalid_date', field: 'admission_date' });
    expect(e.message).toContain('入院日期 1989-12-31 早于 1990-01-01');
    expect(refusal(atWindow(billInput, at('1900-01-01')))).toMatchObject({ field: 'admission_date' });
  });

  it('CLI: refused with the field named; 1990-01-01 passes the limit', () => {
    const req = { ...structuredClone(example), admission_date: '1989-12-31' };
    expect(cli(req)).toMatchObject({ code: 'invalid_date', field: 'admission_date' });
    // 1990-01-01 passes this limit (the rules then refuse a year without rules, a different error).
    expect(cli({ ...structuredClone(example), admission_date: '1990-01-01' })?.field ?? '').not.toBe('admission_date');
  });

  it('protocol: refused on the wire', () => {
    expect(wire(settlementRequestWire, { ...structuredClone(example), admission_date: '1989-12-31' })).toMatchObject({
      code: 'invalid_date',
      field: 'admission_date',
    });
  });
});

describe('discharge at most one day after today', () => {
  const tomorrow = latestDischarge(TODAY);
  it('is today + 1', () => expect(tomorrow).toBe('2026-03-21'));

  it('service check: today+1 accepted, today+2 refused naming 出院日期', () => {
    expect(() => refuseBeyondToday({ discharge_date: '2026-03-21' }, TODAY)).not.toThrow();
    const e = refusal(() => refuseBeyondToday({ discharge_date: '2026-03-22' }, TODAY));
    expect(e).toMatchObject({ code: 'invalid_date', field: 'discharge_date' });
    expect(e.message).toContain('出院日期 2026-03-22 晚于 2026-03-21');
    expect(e.message_en).toContain('Discharge date 2026-03-22 is after 2026-03-21');
    // Month and year ends.
    expect(() => refuseBeyondToday({ discharge_date: '2027-01-01' }, '2026-12-31')).not.toThrow();
    expect(() => refuseBeyondToday({ discharge_date: '2027-01-02' }, '2026-12-31')).toThrow(DeskError);
  });

  it('CLI: against its today', () => {
    expect(cli(example, '2026-03-19')).toBeNull(); // discharge 2026-03-20 = today + 1
    expect(cli(example, '2026-03-18')).toMatchObject({ code: 'invalid_date', field: 'discharge_date' });
    expect(cli(example, TODAY)).toBeNull();
  });
});

describe('identity numbers whose birth date is impossible', () => {
  const person = (id_number: string) => ({
    id_number,
    name: '张三',
    region: 'dazhou',
    scheme: 'employee',
    retired: false,
    medical_assistance: false,
    as_of: '2026-03-20T02:00:00Z',
    source: 'cashier',
  });
  it('window: 1900-02-30 refused (check character right), a real birth date accepted', () => {
    const e = refusal(atWindow(recordPersonInput, person('511702190002300018')));
    expect(e).toMatchObject({ code: 'invalid_field', field: 'id_number' });
    expect(e.message).toContain('出生日期 1900-02-30 不存在');
    expect(() => parseInput(recordPersonInput, person('511702198001010015'))).not.toThrow();
    expect(refusal(atWindow(recordPersonInput, person('511702198001010016'))).message).toContain('校验位');
  });

  it('service check: born after today (2099) refused, born today accepted', () => {
    expect(idNumberProblem('51170220991231001X', TODAY)?.zh).toContain('晚于今天');
    expect(idNumberProblem('51170220991231001X')).toBeNull(); // a real date: only today refuses it
    expect(idNumberProblem('511702198001010015', TODAY)).toBeNull();
  });

  it('protocol: the id number primitive refuses the impossible birth date', () => {
    expect(idNumber.safeParse('511702190002300018').success).toBe(false);
    expect(idNumber.safeParse('511702198001010015').success).toBe(true);
  });
});
