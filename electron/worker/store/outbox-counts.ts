/**
 * The one definition of the upload queue (shared/store/records.ts QueueCounts),
 * read by the status bar (through the service) and by the sync worker's status
 * alike, so the two can never disagree: a held row is not "to upload".
 */
import type { QueueCounts } from '../../../shared/store/records.js';
import type { Db } from './db.js';

export function outboxCounts(db: Db): QueueCounts {
  const r = db
    .prepare(
      `SELECT coalesce(sum(status IN ('queued', 'sending') AND held_reason IS NULL), 0) AS queued,
              coalesce(sum(status IN ('queued', 'sending') AND held_reason IS NOT NULL), 0) AS held,
              coalesce(sum(status = 'accepted'), 0) AS accepted,
              coalesce(sum(status = 'rejected'), 0) AS rejected,
              coalesce(sum(status = 'adjusted'), 0) AS adjusted
       FROM outbox`,
    )
    .get() as QueueCounts;
  return { queued: r.queued, held: r.held, accepted: r.accepted, rejected: r.rejected, adjusted: r.adjusted };
}
