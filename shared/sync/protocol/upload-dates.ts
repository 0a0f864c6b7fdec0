/**
 * The upload requests as the insurer validates them on a given day: the
 * static schemas (claims.ts, reversals.ts: formats, amounts within the
 * 12-digit limit, admission not before 1990) plus the dates that must not lie
 * in the future. "Today" is the insurer's business date (China Standard
 * Time); a date may be at most DISCHARGE_DAYS_AFTER_TODAY (1) day after it
 * (shared/limits.ts), the day the terminal itself allows for a discharge,
 * which also absorbs a terminal clock a little ahead around midnight.
 *
 * Checked: each item's business_date; a claim's discharge_date and
 * claim_filed_on (admission and cost-line dates lie within the stay, which
 * the engine checks). A refusal is the whole request's 400 invalid_date
 * naming the item's field ("items[2].business_date"), like every schema
 * refusal: the terminal holds that item and sends the others.
 */
import type { z } from 'zod';
import { futureDateProblem } from '../../limits.js';
import { claimBatchRequest } from './claims.js';
import { reversalBatchRequest } from './reversals.js';

function refuseFuture(ctx: z.RefinementCtx, path: (string | number)[], date: string, today: string): void {
  const p = futureDateProblem(date, today, String(path[path.length - 1]));
  if (p) ctx.addIssue({ code: 'custom', path, message: p.zh, params: { code: p.code, en: p.en } });
}

/** claimBatchRequest, with no business, discharge or filing date after today + 1. */
export function claimBatchRequestOn(today: string) {
  return claimBatchRequest.superRefine((b, ctx) => {
    b.items.forEach((item, i) => {
      refuseFuture(ctx, ['items', i, 'business_date'], item.business_date, today);
      const r = item.body.request;
      refuseFuture(ctx, ['items', i, 'body', 'request', 'discharge_date'], r.discharge_date, today);
      if (r.claim_filed_on)
        refuseFuture(ctx, ['items', i, 'body', 'request', 'claim_filed_on'], r.claim_filed_on, today);
    });
  });
}

/** reversalBatchRequest, with no business date after today + 1. */
export function reversalBatchRequestOn(today: string) {
  return reversalBatchRequest.superRefine((b, ctx) => {
    b.items.forEach((item, i) => refuseFuture(ctx, ['items', i, 'business_date'], item.business_date, today));
  });
}
