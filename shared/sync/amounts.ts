/**
 * The amounts a claim answer and reconciliation talk about (medfee_sumamt,
 * fund_pay_sumamt, psn_cash_pay and one amount per fund), with decimal.js
 * only: never JS number arithmetic on money (shared/money.ts). One place for
 * both sides: the reference insurer computes differences with these, and the
 * terminal checks the insurer's differences with the same functions.
 */
import { Decimal, ZERO, formatAmount, formatSigned as signed, type Money } from '../money.js';
import type { Amounts, SignedAmounts } from './protocol.js';

/** The four figures of a settlement result (the engine's or the terminal's), written as the insurer writes them. */
export function amountsOf(r: Amounts): Amounts {
  const funds: Record<string, string> = {};
  for (const id of Object.keys(r.funds).sort()) funds[id] = formatAmount(new Decimal(r.funds[id]!));
  return {
    medfee_sumamt: formatAmount(new Decimal(r.medfee_sumamt)),
    fund_pay_sumamt: formatAmount(new Decimal(r.fund_pay_sumamt)),
    psn_cash_pay: formatAmount(new Decimal(r.psn_cash_pay)),
    funds,
  };
}

function fundIds(...xs: { funds: Record<string, string> }[]): string[] {
  return [...new Set(xs.flatMap((x) => Object.keys(x.funds)))].sort();
}

/** a − b, field by field; a fund missing on one side is 0.00 there. */
export function subtract(a: SignedAmounts, b: SignedAmounts): SignedAmounts {
  const funds: Record<string, string> = {};
  for (const id of fundIds(a, b)) funds[id] = signed(new Decimal(a.funds[id] ?? '0').minus(b.funds[id] ?? '0'));
  return {
    medfee_sumamt: signed(new Decimal(a.medfee_sumamt).minus(b.medfee_sumamt)),
    fund_pay_sumamt: signed(new Decimal(a.fund_pay_sumamt).minus(b.fund_pay_sumamt)),
    psn_cash_pay: signed(new Decimal(a.psn_cash_pay).minus(b.psn_cash_pay)),
    funds,
  };
}

export function negate(a: SignedAmounts): SignedAmounts {
  const zero = {
    medfee_sumamt: '0.00',
    fund_pay_sumamt: '0.00',
    psn_cash_pay: '0.00',
    funds: Object.fromEntries(Object.keys(a.funds).map((id) => [id, '0.00'])),
  };
  return subtract(zero, a);
}

/** True when every figure is equal (a fund missing on one side counts as 0.00). */
export function sameAmounts(a: SignedAmounts, b: SignedAmounts): boolean {
  const d = subtract(a, b);
  return [d.medfee_sumamt, d.fund_pay_sumamt, d.psn_cash_pay, ...Object.values(d.funds)].every((x) => x === '0.00');
}

/** Running totals for reconciliation. */
export class AmountTotals {
  medfee: Money = ZERO;
  fundPay: Money = ZERO;
  cash: Money = ZERO;
  readonly funds = new Map<string, Money>();

  add(a: SignedAmounts): void {
    this.medfee = this.medfee.plus(a.medfee_sumamt);
    this.fundPay = this.fundPay.plus(a.fund_pay_sumamt);
    this.cash = this.cash.plus(a.psn_cash_pay);
    for (const [id, v] of Object.entries(a.funds)) this.funds.set(id, (this.funds.get(id) ?? ZERO).plus(v));
  }

  toJson(): SignedAmounts {
    return {
      medfee_sumamt: signed(this.medfee),
      fund_pay_sumamt: signed(this.fundPay),
      psn_cash_pay: signed(this.cash),
      funds: Object.fromEntries(
        [...this.funds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => [id, signed(v)]),
      ),
    };
  }
}
