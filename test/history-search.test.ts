/**
 * Issue 17, the services behind the history and day-close screens: the history found by any part of a number, a
 * reversed date range refused naming the start date, refusals worded in the person's terms (never a channel name),
 * a reversal's result signed, and the day as the window shows it (whose, closed by whom, funds by national field).
 */
import { describe, expect, it } from 'vitest';
import { negatedResult } from '../shared/engine/negated-result.js';
import { asQuery, dazhouPerson, example1Bill, makeStore, refusal } from './store-support.js';

describe('history search (结算查询)', () => {
  it('finds settlements by any part of their number; % and _ are taken literally', () => {
    const s = makeStore();
    const a = s.service.persons.record(s.cashier, dazhouPerson(1)).person_id;
    const b = s.service.persons.record(s.cashier, dazhouPerson(2, { name: '李四' })).person_id;
    const first = s.service.settlements.settle(s.cashier, example1Bill(a)).number;
    const second = s.service.settlements.settle(s.cashier, example1Bill(b)).number;
    const h = (q: object) => s.service.records.history(s.cashier, asQuery(q)).map((r) => r.number);
    expect(h({ number: first.slice(-6) })).toEqual([first]);
    expect(h({ number: second.slice(-3) })).toEqual([second]);
    expect(h({ number: first.slice(0, 8) }).sort()).toEqual([first, second].sort());
    expect(h({ number: first })).toEqual([first]);
    expect(h({ number: '%' })).toEqual([]);
    expect(h({ number: '_' })).toEqual([]);
  });

  it('refuses a start date after the end date, naming the start date (not an empty list)', () => {
    const s = makeStore();
    const body = refusal(() => s.service.records.history(s.cashier, asQuery({ from: '2026-03-21', to: '2026-03-20' })));
    expect(body).toMatchObject({ code: 'invalid_field', field: 'from' });
    expect(body.message).toContain('起始日期');
    expect(body.message_en).toContain('start date');
    expect(s.service.records.history(s.cashier, asQuery({ from: '2026-03-20', to: '2026-03-20' }))).toEqual([]);
  });
});

describe('refusals in the person’s terms', () => {
  it('words a refused action in both languages without the channel name', () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const { number } = s.service.settlements.settle(s.cashier, example1Bill(person_id));
    const close = refusal(() =>
      s.service.day.close(s.cashier, { operator_code: 'cash1', business_date: '2026-03-20' }),
    );
    expect(close).toMatchObject({ code: 'forbidden' });
    expect(close.message).toContain('日结需要主管权限');
    expect(close.message_en).toContain('Day close needs a supervisor');
    const reverse = refusal(() => s.service.settlements.reverse(s.cashier, { number, reason: '错误' }));
    expect(reverse.message).toContain('撤销结算需要主管权限');
    expect(reverse.message_en).toContain('Reversing a settlement needs a supervisor');
    const other = refusal(() =>
      s.service.day.operatorDay(s.cashier, { operator_code: 'sup1', business_date: '2026-03-20' }),
    );
    expect(other.message).toContain('需要主管权限');
    expect(other.message_en).toContain('needs a supervisor');
    for (const b of [close, reverse, other]) {
      expect(`${b.message} ${b.message_en}`).not.toMatch(/day\.close|settlement\.reverse|day\.view|may not do/);
    }
  });
});

describe('the window’s day and reversal detail', () => {
  it("names whose day it is, who closed it, and each fund layer's national field", () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    s.service.settlements.settle(s.cashier, example1Bill(person_id));
    const open = s.service.day.operatorDay(s.cashier, { operator_code: 'cash1', business_date: '2026-03-20' });
    expect(open).toMatchObject({ closed: false, closed_by: null, operator: { code: 'cash1', name: '李收费' } });
    for (const layer of Object.keys(open.funds)) expect(open.fund_fields[layer]).toMatch(/_pay$/);
    s.service.day.close(s.supervisor, { operator_code: 'cash1', business_date: '2026-03-20' });
    const closed = s.service.day.operatorDay(s.cashier, { operator_code: 'cash1', business_date: '2026-03-20' });
    expect(closed).toMatchObject({ closed: true, closed_by: { name: '王主管' } });
  });

  it("a reversal's result is the original's with every amount negated", () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const { number } = s.service.settlements.settle(s.cashier, example1Bill(person_id));
    const original = s.service.records.result(s.cashier, number);
    const negated = negatedResult(original);
    expect(negated.psn_cash_pay).toBe(original.psn_cash_pay === '0.00' ? '0.00' : `-${original.psn_cash_pay}`);
    expect(negated.medfee_sumamt).toBe(`-${original.medfee_sumamt}`);
    expect(negated.fund_details.map((f) => f.amount)).toEqual(
      original.fund_details.map((f) => (f.amount === '0.00' ? '0.00' : `-${f.amount}`)),
    );
    expect(negated.parts[0]!.rule_version).toBe(original.parts[0]!.rule_version);
    expect(negated.trace).toEqual(original.trace);
    expect(negated.region).toBe(original.region);
    // Only declared amount fields are negated: an id or version that looks like a number stays as it is.
    const numericLooking = negatedResult({
      ...original,
      region_name: '2026',
      parts: original.parts.map((p) => ({ ...p, rule_version: '20260101', first_date: '2026' })),
    });
    expect(numericLooking.region_name).toBe('2026');
    expect(numericLooking.parts[0]).toMatchObject({ rule_version: '20260101', first_date: '2026' });
    expect(numericLooking.parts[0]!.segments.deductible).toBe(negated.parts[0]!.segments.deductible);
    // A result stored before a field was added to the national fields lacks it: shown without it, not thrown on.
    const { hifmi_pay: _dropped, ...older } = original;
    const olderPart = (({ act_pay_dedc: _d, ...p }) => p)(original.parts[0]!);
    const fromOlder = negatedResult({ ...older, parts: [olderPart] } as unknown as typeof original);
    expect(fromOlder).not.toHaveProperty('hifmi_pay');
    expect(fromOlder.parts[0]).not.toHaveProperty('act_pay_dedc');
    expect(fromOlder.medfee_sumamt).toBe(`-${original.medfee_sumamt}`);
  });
});
