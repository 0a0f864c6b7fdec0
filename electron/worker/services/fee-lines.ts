/**
 * A settlement's item-level bill (docs/bill-import.md): its fee lines and the
 * stay's mdtrt_id, written inside the settlement's transaction and read back
 * for the NHSA adapter (2301 from the lines, 2401 skipped when mdtrt_id came
 * with the bill). And the rule of a terminal on the national interface: it
 * settles only bills with fee lines.
 */
import { DeskError } from '../../../shared/errors.js';
import { FEE_LINE_FIELDS, type FeeLine } from '../../../shared/fee-lines.js';
import type { Db } from '../store/db.js';

const COLUMNS = FEE_LINE_FIELDS.join(', ');

/** Stores the bill's fee lines for a settlement, in the bill's order; inside the caller's transaction. */
export function insertFeeLines(db: Db, settlementId: number, lines: readonly FeeLine[]): void {
  const insert = db.prepare(
    `INSERT INTO settlement_fee_lines (settlement_id, ${COLUMNS}) VALUES (?, ${FEE_LINE_FIELDS.map(() => '?').join(', ')})`,
  );
  for (const l of lines)
    insert.run(
      settlementId,
      FEE_LINE_FIELDS.map((f) => l[f]),
    );
}

/** A settlement's fee lines in the bill's order; [] when its bill had none. */
export function readFeeLines(db: Db, settlementId: number): FeeLine[] {
  return db
    .prepare(`SELECT ${COLUMNS} FROM settlement_fee_lines WHERE settlement_id = ? ORDER BY id`)
    .all(settlementId) as FeeLine[];
}

/** The stay's mdtrt_id as the bill gave it; null when it gave none (or no such settlement). */
export function readMdtrtId(db: Db, settlementId: number): string | null {
  const row = db.prepare('SELECT mdtrt_id FROM settlements WHERE id = ?').get(settlementId) as
    { mdtrt_id: string | null } | undefined;
  return row?.mdtrt_id ?? null;
}

/** A terminal on the national interface (config.json has `nhsa`) refuses, at the window, a bill without fee lines. */
export function refuseWithoutFeeLines(nhsa: boolean, bill: { fee_lines?: readonly FeeLine[] | undefined }): void {
  if (nhsa && !bill.fee_lines?.length)
    throw new DeskError(
      'invalid_field',
      'fee_lines',
      '国家医保接口终端须导入含费用明细的账单（费用明细 fee_lines）：请从 HIS 导出带明细的账单后导入',
      'a terminal on the national interface (NHSA) settles only bills with fee lines (fee_lines): import the bill from the HIS with its fee lines',
    );
}
