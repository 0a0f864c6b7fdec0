/** Reversal upload (2305-like, batched). */
import { z } from 'zod';
import { MAX_BATCH_ITEMS, envelope } from './envelope.js';
import { conflictAnswer, rejectedAnswer, signedAmounts } from './answers.js';
import { businessDate, idempotencyKey, text, timestamp } from './primitives.js';
import { terminalAnchor } from './anchor.js';

export const reversalItem = z.strictObject({
  /** The reversal's own number (outbox idempotency_key). */
  idempotency_key: idempotencyKey,
  business_date: businessDate,
  /** The idempotency key of the settlement it reverses, uploaded earlier by the same terminal. */
  reverses: idempotencyKey,
  reason: text(200),
});
export const reversalBatchRequest = z
  .strictObject({
    items: z.array(reversalItem).min(1).max(MAX_BATCH_ITEMS),
    /** The terminal's anchor when it sent the batch (anchor.ts); absent from a terminal that keeps none. */
    anchor: terminalAnchor.optional(),
  })
  .superRefine((b, ctx) => {
    b.items.forEach((item, i) => {
      if (item.reverses === item.idempotency_key)
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'reverses'],
          message: '冲销不能冲销自身',
          params: { code: 'invalid_field', en: 'a reversal cannot reverse itself' },
        });
    });
  });
export const reversalAccepted = z.strictObject({
  status: z.literal('accepted'),
  idempotency_key: idempotencyKey,
  claim_id: text(64),
  reverses: idempotencyKey,
  /** The original's insurer amounts, negated: what the funds take back. */
  insurer: signedAmounts,
  answered_at: timestamp,
});
export const reversalOutcome = z.discriminatedUnion('status', [reversalAccepted, rejectedAnswer]);
export const reversalDuplicate = z.strictObject({
  status: z.literal('duplicate'),
  idempotency_key: idempotencyKey,
  original: reversalOutcome,
});
export const reversalAnswer = z.discriminatedUnion('status', [
  reversalAccepted,
  rejectedAnswer,
  reversalDuplicate,
  conflictAnswer,
]);
export const reversalBatchResponse = z.strictObject({
  ...envelope,
  answers: z.array(reversalAnswer).max(MAX_BATCH_ITEMS),
});

export type ReversalItem = z.infer<typeof reversalItem>;
export type ReversalBatchRequest = z.infer<typeof reversalBatchRequest>;
export type ReversalOutcome = z.infer<typeof reversalOutcome>;
export type ReversalAnswer = z.infer<typeof reversalAnswer>;
export type ReversalBatchResponse = z.infer<typeof reversalBatchResponse>;
