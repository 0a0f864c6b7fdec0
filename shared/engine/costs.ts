/** The bill's cost lines as fen (shared/engine/exact.ts): read once per settlement, summed per part and for the whole stay. */
import { fen as fmt, parseFen } from './exact.js';
import { DeskError } from '../errors.js';
import type { CostLine } from './request.js';

/** A cost line's amounts in fen (CostAmounts: medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt). */
export interface CostTotals {
  medfee: number;
  fulamt: number;
  overlmt: number;
  preself: number;
}

export interface Cost extends CostTotals {
  /** Its index in the request's costs, for error fields and a stable order. */
  index: number;
  date: string;
}

const amount = parseFen;

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
  // Sums of at most 12-digit amounts whose totals checkRequest limits to 12 digits: safe integers.
  let medfee = 0;
  let fulamt = 0;
  let overlmt = 0;
  let preself = 0;
  for (const c of costs) {
    medfee += c.medfee;
    fulamt += c.fulamt;
    overlmt += c.overlmt;
    preself += c.preself;
  }
  return { medfee, fulamt, overlmt, preself };
}

/** No cost line may have more self-pay than its total. */
export function checkSelfPay(costs: readonly Cost[]): void {
  for (const c of costs) {
    const selfPay = c.fulamt + c.overlmt + c.preself;
    if (selfPay > c.medfee) {
      throw new DeskError(
        'self_pay_exceeds_total',
        `costs[${c.index}]`,
        `全自费 + 超限价自费 + 先行自付 = ${fmt(selfPay)}，大于医疗费总额 ${fmt(c.medfee)}`,
        `fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt = ${fmt(selfPay)} exceeds medfee_sumamt ${fmt(c.medfee)}`,
      );
    }
  }
}
