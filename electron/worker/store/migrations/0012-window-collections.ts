/**
 * Schema 12: what the cashier collected at the window when the NHSA platform
 * settled at F8 (docs/nhsa.md §7.6). The patient paid the platform's cash,
 * not the terminal's: the day's totals (日结) and a reversal's refund use
 * these amounts for that record, and its 多退少补 adjustment is resolved at
 * once (nothing is left to refund or collect). Written in the same
 * transaction as the platform's 2304 answer; never changed.
 */
export const sql = `
CREATE TABLE window_collections (
  settlement_id INTEGER PRIMARY KEY REFERENCES settlements (id),
  setl_id TEXT NOT NULL,
  medfee_sumamt TEXT NOT NULL,
  fund_pay_sumamt TEXT NOT NULL,
  psn_cash_pay TEXT NOT NULL,
  funds TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE TRIGGER window_collections_immutable BEFORE UPDATE ON window_collections
BEGIN SELECT RAISE(ABORT, 'what was collected at the window is immutable'); END;
CREATE TRIGGER window_collections_kept BEFORE DELETE ON window_collections
BEGIN SELECT RAISE(ABORT, 'what was collected at the window is never deleted'); END;
`;
