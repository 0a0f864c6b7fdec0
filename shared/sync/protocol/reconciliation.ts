/** Reconciliation (3201 totals, 3202 details): a terminal's day against what the insurer received. */
import { z } from 'zod';
import type { DayTotals } from '../../store/records.js';
import { MAX_DETAIL_PAGE, envelope } from './envelope.js';
import { signedAmounts } from './answers.js';
import {
  businessDate,
  count,
  idempotencyKey,
  layerId,
  signedAmount,
  terminalCode,
  text,
  timestamp,
} from './primitives.js';

/**
 * A terminal's day as the store's DayTotals adds it up (all operators), without
 * its business date (the request's) and offline count: window
 * settlements and reversals recorded on the business date, reversals negative,
 * amounts as the terminal computed them. Manual claims are not in it (the
 * fund pays the patient, not the hospital).
 */
export type DayTotalsWire = Omit<DayTotals, 'business_date' | 'offline'>;
export const dayTotals = z.strictObject({
  settlements: count,
  reversals: count,
  medfee_sumamt: signedAmount,
  fund_pay_sumamt: signedAmount,
  psn_cash_pay: signedAmount,
  funds: z.record(layerId, signedAmount),
}) satisfies z.ZodType<DayTotalsWire>;
export const totalsRequest = z.strictObject({ business_date: businessDate, totals: dayTotals });
export const totalsDifference = z.strictObject({
  field: text(100),
  terminal: z.string().max(40),
  insurer: z.string().max(40),
});
export const totalsResponse = z.strictObject({
  ...envelope,
  terminal_code: terminalCode,
  business_date: businessDate,
  /** balanced: every count and amount equal (a fund missing on one side counts as 0.00). */
  result: z.enum(['balanced', 'mismatch']),
  /** The same figures from what the insurer received and did not reject. */
  insurer: dayTotals,
  differences: z.array(totalsDifference).max(200),
  /** Adjusted claims of the day (not part of the totals): how many, and Σ insurer − terminal of fund_pay_sumamt. */
  adjustments: z.strictObject({ count, fund_pay_difference: signedAmount }),
  as_of: timestamp,
});

export const detailsRequest = z.strictObject({
  business_date: businessDate,
  /** Page after this idempotency key (keys ascending); null for the first page. */
  after: idempotencyKey.nullable(),
  limit: z.number().int().min(1).max(MAX_DETAIL_PAGE),
});
export const detailItem = z.strictObject({
  idempotency_key: idempotencyKey,
  kind: z.enum(['settlement', 'manual_claim', 'reversal']),
  status: z.enum(['accepted', 'adjusted', 'rejected']),
  reverses: idempotencyKey.nullable(),
  reversed_by: idempotencyKey.nullable(),
  /** The terminal's amounts as uploaded (a reversal: the original's, negated); null when unknown. */
  terminal: signedAmounts.nullable(),
  /** What the insurer pays (a reversal: takes back); null when rejected. */
  insurer: signedAmounts.nullable(),
  received_at: timestamp,
});
export const detailsResponse = z.strictObject({
  ...envelope,
  terminal_code: terminalCode,
  business_date: businessDate,
  items: z.array(detailItem).max(MAX_DETAIL_PAGE),
  /** Pass as `after` for the next page; null on the last page. */
  next_after: idempotencyKey.nullable(),
});

export type TotalsRequest = z.infer<typeof totalsRequest>;
export type TotalsResponse = z.infer<typeof totalsResponse>;
export type DetailsRequest = z.infer<typeof detailsRequest>;
export type DetailItem = z.infer<typeof detailItem>;
export type DetailsResponse = z.infer<typeof detailsResponse>;
