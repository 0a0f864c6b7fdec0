/**
 * A bill's cost line (national field names): the one declaration every other
 * cost shape derives from. No zod here, so the window can use it without
 * bundling the engine's validation.
 */
/** One cost line of a bill (national field names): the one declaration every other cost shape derives from. */
export interface CostLine {
  date: string;
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
}
/** A cost line's amounts without its date (an invoice's amounts, a row's amount fields). */
export type CostAmounts = Omit<CostLine, 'date'>;
export const COST_AMOUNT_FIELDS = [
  'medfee_sumamt',
  'fulamt_ownpay_amt',
  'overlmt_selfpay',
  'preselfpay_amt',
] as const satisfies readonly (keyof CostAmounts)[];
