/** Claim upload (2304-like, batched): settlements and manual claims, and the insurer's answers. */
import { z } from 'zod';
import { MAX_BATCH_ITEMS, envelope } from './envelope.js';
import { amounts, adjustmentReason, conflictAnswer, rejectedAnswer, signedAmounts } from './answers.js';
import { manualClaimPayload, settlementPayload } from './payloads.js';
import { businessDate, idempotencyKey, idNumber, text, timestamp } from './primitives.js';
import { terminalAnchor } from './anchor.js';

const itemCommon = {
  /** The outbox row's idempotency_key; must equal body.number. */
  idempotency_key: idempotencyKey,
  /** The terminal's business date of the record: reconciliation counts it on this date. */
  business_date: businessDate,
  /** The person's identity number (the outbox holds only the local person id). */
  id_number: idNumber,
};
export const settlementItem = z.strictObject({ ...itemCommon, kind: z.literal('settlement'), body: settlementPayload });
export const manualClaimItem = z.strictObject({
  ...itemCommon,
  kind: z.literal('manual_claim'),
  body: manualClaimPayload,
});
export const claimItem = z.discriminatedUnion('kind', [settlementItem, manualClaimItem]);

function keysMatchBodies(
  items: readonly { idempotency_key: string; body: { number: string } }[],
  ctx: z.RefinementCtx,
): void {
  items.forEach((item, i) => {
    if (item.body.number !== item.idempotency_key) {
      // One record, one key: the same settlement under two keys would be paid twice.
      ctx.addIssue({
        code: 'custom',
        path: ['items', i, 'body', 'number'],
        message: 'body.number 须与 idempotency_key 相同',
        params: { code: 'invalid_field', en: 'body.number must equal idempotency_key' },
      });
    }
  });
}

export const claimBatchRequest = z
  .strictObject({
    items: z.array(claimItem).min(1).max(MAX_BATCH_ITEMS),
    /** The terminal's anchor when it sent the batch (anchor.ts); absent from a terminal that keeps none. */
    anchor: terminalAnchor.optional(),
  })
  .superRefine((b, ctx) => keysMatchBodies(b.items, ctx));

export const acceptedAnswer = z.strictObject({
  status: z.literal('accepted'),
  idempotency_key: idempotencyKey,
  /** The insurer's own id for the claim. */
  claim_id: text(64),
  /** Equal to the terminal's amounts. */
  insurer: amounts,
  answered_at: timestamp,
});
/** The insurer recomputed with data the window did not have (domain.md §1 offline, 多退少补). */
export const adjustedAnswer = z.strictObject({
  status: z.literal('adjusted'),
  idempotency_key: idempotencyKey,
  claim_id: text(64),
  terminal: amounts,
  insurer: amounts,
  /** insurer − terminal, per fund (every fund of either side) and in total. */
  difference: signedAmounts,
  reasons: z.array(adjustmentReason).max(50),
  message: text(1000),
  answered_at: timestamp,
});
export const claimOutcome = z.discriminatedUnion('status', [acceptedAnswer, adjustedAnswer, rejectedAnswer]);
/** The key was seen before with the same body: the original answer, byte for byte. Nothing changed. */
export const claimDuplicate = z.strictObject({
  status: z.literal('duplicate'),
  idempotency_key: idempotencyKey,
  original: claimOutcome,
});
export const claimAnswer = z.discriminatedUnion('status', [
  acceptedAnswer,
  adjustedAnswer,
  rejectedAnswer,
  claimDuplicate,
  conflictAnswer,
]);
/** One answer per item, in the items' order. */
export const claimBatchResponse = z.strictObject({ ...envelope, answers: z.array(claimAnswer).max(MAX_BATCH_ITEMS) });

export type ClaimItem = z.infer<typeof claimItem>;
export type ClaimBatchRequest = z.infer<typeof claimBatchRequest>;
export type AcceptedAnswer = z.infer<typeof acceptedAnswer>;
export type AdjustedAnswer = z.infer<typeof adjustedAnswer>;
export type ClaimOutcome = z.infer<typeof claimOutcome>;
export type ClaimAnswer = z.infer<typeof claimAnswer>;
export type ClaimBatchResponse = z.infer<typeof claimBatchResponse>;
