/**
 * fund_pay_type → the national field a payment is reported in (docs/nhsa.md
 * §6): the codes the rule packages carry first, then the codes that are not
 * funds in our model, then the packages' codes by their first 4 digits, else
 * oth_pay (flagged).
 */
import type { FundField } from '../rules/schema.js';

export type PlatformField = FundField | 'acct_pay' | 'hosp_part_amt';

/** Codes that are not a layer of ours (personal account, hospital advance, maternity). */
const FIXED: Record<string, PlatformField> = {
  '310200': 'acct_pay',
  '310201': 'acct_pay',
  '310103': 'oth_pay',
  '510100': 'oth_pay',
  '999996': 'hosp_part_amt',
};

export interface FundMapping {
  field: PlatformField;
  /** The layer id of the rule package the code belongs to, when known. */
  layer: string | null;
  /** False when the code fell through to oth_pay: shown on the sync screen. */
  known: boolean;
}

/** `packageCodes`: fund_pay_type → { field, layer } from the installed packages (schemes' and layers' `fund`). */
export function mapFundPayType(
  code: string,
  packageCodes: ReadonlyMap<string, { field: FundField; layer: string }>,
): FundMapping {
  const exact = packageCodes.get(code);
  if (exact) return { field: exact.field, layer: exact.layer, known: true };
  const fixed = FIXED[code];
  if (fixed) return { field: fixed, layer: null, known: true };
  for (const [pkgCode, m] of packageCodes)
    if (pkgCode.slice(0, 4) === code.slice(0, 4)) return { field: m.field, layer: m.layer, known: true };
  return { field: 'oth_pay', layer: null, known: false };
}
