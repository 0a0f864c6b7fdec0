/** The bill's cost lines as money: read once per settlement, summed per part and for the whole stay. */
import { Decimal, ZERO, formatAmount as fmt, type Money } from './money.js';
import { DeskError } from '../../shared/errors.js';
import type { CostLine } from '../../shared/engine/request.js';

/** A cost line's amounts as money (CostAmounts: medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt). */
export interface CostTotals {
  medfee: Money;
  fulamt: Money;
  overlmt: Money;
  preself: Money;
}

export interface Cost extends CostTotals {
  /** Its index in the request's costs, for error fields and a stable order. */
  index: number;
  date: string;
}

/** Most lines have no over-limit or pre-self-pay amount: "0.00" is the shared ZERO rather than a new Decimal. */
const amount = (s: string): Money => (s === '0.00' ? ZERO : new Decimal(s));

export function parseCosts(lines: readonly CostLine[]): Cost[] {
  return lines.map((c, index) => ({
    index,
    date: c.date,
    medfee: amount(c.medfee_sumamt),
    fulamt: amount(c.fulamt_ownpay_amt),
    overlmt: amount(c.overlmt_selfpay),
    preself: amount(c.preselfpay_amt),
  }));
}

export function totals(costs: readonly CostTotals[]): CostTotals {
  if (costs.length === 1) return costs[0]!;
  let medfee = ZERO;
  let fulamt = ZERO;
  let overlmt = ZERO;
  let preself = ZERO;
  for (const c of costs) {
    medfee = medfee.plus(c.medfee);
    fulamt = fulamt.plus(c.fulamt);
    overlmt = overlmt.plus(c.overlmt);
    preself = preself.plus(c.preself);
  }
  return { medfee, fulamt, overlmt, preself };
}

/** No cost line may have more self-pay than its total. */
export function checkSelfPay(costs: readonly Cost[]): void {
  for (const c of costs) {
    const selfPay = c.fulamt.plus(c.overlmt).plus(c.preself);
    if (selfPay.greaterThan(c.medfee)) {
      throw new DeskError(
        'self_pay_exceeds_total',
        `costs[${c.index}]`,
        `全自费 + 超限价自费 + 先行自付 = ${fmt(selfPay)}，大于医疗费总额 ${fmt(c.medfee)}`,
        `fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt = ${fmt(selfPay)} exceeds medfee_sumamt ${fmt(c.medfee)}`,
      );
    }
  }
}
