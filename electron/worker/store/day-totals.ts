/**
 * Adding up a set of settlement records (a cashier's day for day close, the
 * terminal's day for reconciliation): counts, and amounts per fund with
 * decimal.js (SQLite would add the TEXT amounts as binary floats).
 */
import { ZERO, formatSigned, type Money } from '../../../shared/money.js';
import type { Db } from './db.js';
import type { DayTotals } from '../../../shared/store/records.js';

export interface SettlementRow {
  id: number;
  kind: string;
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
  for (const r of rows) {
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
