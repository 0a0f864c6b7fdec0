/**
 * Adding up a set of settlement records (a cashier's day for day close, the
 * terminal's day for reconciliation): counts, and amounts per fund with
 * decimal.js (SQLite would add the TEXT amounts as binary floats).
 */
import { Decimal, ZERO, formatSigned, type Money } from '../../../shared/money.js';
import type { Db } from './db.js';
import type { DayTotals } from '../../../shared/store/records.js';

export interface SettlementRow {
  id: number;
  kind: string;
  /** A reversal's original (null for a settlement). */
  reverses_id: number | null;
  offline: number;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
}

/** A day's totals without the date: the store's DayTotals shape, defined once. */
export type AddedUp = Omit<DayTotals, 'business_date'>;

/** "0.00", never "-0.00", for a sum that came to zero through negative records. */
const text = formatSigned;

export function addUp(db: Db, rows: readonly SettlementRow[]): AddedUp {
  let medfee = ZERO;
  let funds = ZERO;
  let cash = ZERO;
  const perFund = new Map<string, Money>();
  const fundRows = db.prepare('SELECT layer, amount FROM settlement_funds WHERE settlement_id = ?');
  // What the NHSA platform settled at F8 is what the patient paid (migration 0012): that record, and its reversal's
  // refund (negated), count with the platform's amounts.
  const collected = db.prepare(
    'SELECT medfee_sumamt, fund_pay_sumamt, psn_cash_pay, funds FROM window_collections WHERE settlement_id = ?',
  );
  for (const r of rows) {
    const c = collected.get(r.reverses_id ?? r.id) as
      { medfee_sumamt: string; fund_pay_sumamt: string; psn_cash_pay: string; funds: string } | undefined;
    const sign = r.kind === 'reversal' ? -1 : 1;
    if (c) {
      medfee = medfee.plus(new Decimal(c.medfee_sumamt).times(sign));
      funds = funds.plus(new Decimal(c.fund_pay_sumamt).times(sign));
      cash = cash.plus(new Decimal(c.psn_cash_pay).times(sign));
      for (const [layer, amount] of Object.entries(JSON.parse(c.funds) as Record<string, string>))
        perFund.set(layer, (perFund.get(layer) ?? ZERO).plus(new Decimal(amount).times(sign)));
      continue;
    }
    medfee = medfee.plus(r.medfee_sumamt);
    funds = funds.plus(r.fund_pay_sumamt);
    cash = cash.plus(r.psn_cash_pay);
    for (const f of fundRows.all(r.id) as { layer: string; amount: string }[])
      perFund.set(f.layer, (perFund.get(f.layer) ?? ZERO).plus(f.amount));
  }
  return {
    settlements: rows.filter((r) => r.kind === 'settlement').length,
    reversals: rows.filter((r) => r.kind === 'reversal').length,
    offline: rows.filter((r) => r.offline === 1).length,
    medfee_sumamt: text(medfee),
    fund_pay_sumamt: text(funds),
    psn_cash_pay: text(cash),
    funds: Object.fromEntries([...perFund.entries()].sort().map(([k, v]) => [k, text(v)])),
  };
}
