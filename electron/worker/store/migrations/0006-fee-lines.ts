/**
 * Schema 6: item-level bills (docs/bill-import.md, issue 13 item 4).
 *
 * - settlements.mdtrt_id: the stay's 就诊ID when the HIS registered the
 *   admission with the national platform (2401) and sent it with the bill;
 *   NULL otherwise (and for every settlement before this schema). Settlements
 *   are immutable, so it is written at insert only.
 * - settlement_fee_lines: the bill's fee lines (费用明细, the 2301 fields and
 *   the HIS's split per line), written in the settlement's transaction, in
 *   the bill's order (id). Amounts, counts and prices are TEXT as sent, never
 *   binary floats. feedetl_sn is unique within a settlement. Immutable like
 *   the settlement they belong to.
 */
export const sql = `
ALTER TABLE settlements ADD COLUMN mdtrt_id TEXT CHECK (mdtrt_id IS NULL OR length(mdtrt_id) BETWEEN 1 AND 30);

CREATE TABLE settlement_fee_lines (
  id INTEGER PRIMARY KEY,
  settlement_id INTEGER NOT NULL REFERENCES settlements (id),
  feedetl_sn TEXT NOT NULL CHECK (length(feedetl_sn) BETWEEN 1 AND 30),
  init_feedetl_sn TEXT NOT NULL DEFAULT '',
  fee_ocur_time TEXT NOT NULL,
  med_list_codg TEXT NOT NULL,
  medins_list_codg TEXT NOT NULL,
  name TEXT NOT NULL,
  cnt TEXT NOT NULL,
  pric TEXT NOT NULL,
  det_item_fee_sumamt TEXT NOT NULL,
  fulamt_ownpay_amt TEXT NOT NULL,
  overlmt_selfpay TEXT NOT NULL,
  preselfpay_amt TEXT NOT NULL,
  bilg_dept_codg TEXT NOT NULL,
  bilg_dept_name TEXT NOT NULL,
  bilg_dr_codg TEXT NOT NULL DEFAULT '',
  bilg_dr_name TEXT NOT NULL DEFAULT '',
  UNIQUE (settlement_id, feedetl_sn)
);
CREATE TRIGGER settlement_fee_lines_immutable BEFORE UPDATE ON settlement_fee_lines BEGIN SELECT RAISE(ABORT, 'fee lines are immutable'); END;
CREATE TRIGGER settlement_fee_lines_kept BEFORE DELETE ON settlement_fee_lines BEGIN SELECT RAISE(ABORT, 'fee lines are never deleted'); END;
`;
