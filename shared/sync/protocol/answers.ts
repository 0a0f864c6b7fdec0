/** What the insurer answers per item, shared by claims and reversals: amounts, a rejection, a conflict; and the check that a batch's answers are its own. */
import { z } from 'zod';
import { errorCode, idempotencyKey, layerId, amountOut, signedAmount, text, timestamp } from './primitives.js';

/** What the insurer pays per fund, the bill total and the patient's part (setlinfo fields). */
export const amounts = z.strictObject({
  medfee_sumamt: amountOut,
  fund_pay_sumamt: amountOut,
  psn_cash_pay: amountOut,
  funds: z.record(layerId, amountOut),
});
export const signedAmounts = z.strictObject({
  medfee_sumamt: signedAmount,
  fund_pay_sumamt: signedAmount,
  psn_cash_pay: signedAmount,
  funds: z.record(layerId, signedAmount),
});
/** One input where the insurer's data differs from the terminal's ("ytd.2026.basic.paid", "insured.retired"). */
export const adjustmentReason = z.strictObject({
  field: text(200),
  terminal: z.string().max(200),
  insurer: z.string().max(200),
});

/** Final: a retry with the same key and body gets it again as `duplicate`. */
export const rejectedAnswer = z.strictObject({
  status: z.literal('rejected'),
  idempotency_key: idempotencyKey,
  code: errorCode,
  field: z.string().max(300),
  message: text(1000),
  answered_at: timestamp,
});

/** The key was seen before with a different body: an error, nothing was stored or overwritten. */
export const conflictAnswer = z.strictObject({
  status: z.literal('conflict'),
  idempotency_key: idempotencyKey,
  code: z.literal('idempotency_conflict'),
  message: text(1000),
});

/**
 * A batch answer belongs to the batch sent: one answer per item, same keys in
 * the same order, and a duplicate's original under the same key. Returns the
 * problem, or null. (A schema cannot see the request, so the client checks this
 * beside the schema.)
 */
export function answersMatchItems(
  items: readonly { idempotency_key: string }[],
  answers: readonly ({ idempotency_key: string; status: string } & { original?: { idempotency_key: string } })[],
): string | null {
  if (answers.length !== items.length) return `expected ${items.length} answers, got ${answers.length}`;
  for (let i = 0; i < items.length; i++) {
    const a = answers[i]!;
    if (a.idempotency_key !== items[i]!.idempotency_key)
      return `answer ${i} is for ${a.idempotency_key}, not ${items[i]!.idempotency_key}`;
    if (a.original && a.original.idempotency_key !== a.idempotency_key)
      return `answer ${i}: the duplicate's original is for ${a.original.idempotency_key}`;
  }
  return null;
}

export type Amounts = z.infer<typeof amounts>;
export type SignedAmounts = z.infer<typeof signedAmounts>;
export type AdjustmentReason = z.infer<typeof adjustmentReason>;
export type RejectedAnswer = z.infer<typeof rejectedAnswer>;
