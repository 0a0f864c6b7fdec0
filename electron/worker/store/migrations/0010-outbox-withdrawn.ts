/**
 * Schema 10: an outbox row can leave the queue WITHDRAWN (docs/nhsa.md §7.4).
 * A settlement reversed at the window before it reached the NHSA platform is
 * never sent, nor is its reversal: both rows leave the queue together, each
 * with the reason, and the platform holds nothing of either. "Withdrawn" is a
 * status of its own, not an answer: no insurer answered these rows, so they
 * are neither accepted nor rejected, never queued or held again, and every
 * query that counts the queue by status (services/outbox.ts) leaves them out
 * without knowing about them.
 *
 * SQLite cannot widen a CHECK in place, so the outbox is rebuilt with the same
 * columns, rows, index and trigger. Six tables reference outbox (id): with
 * defer_foreign_keys the references are checked at commit, after every row is
 * back under its own id (the migration fails there if one is not).
 *
 * - outbox.status: + 'withdrawn' (final; a trigger keeps it so).
 * - outbox_withdrawals: why and when a row was withdrawn, and the other row of
 *   its pair (the original ↔ its reversal); written with the status, in one
 *   transaction (a trigger refuses the status without it); immutable, kept.
 */
export const sql = `
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE outbox_v9 AS SELECT * FROM main.outbox;
DROP TABLE main.outbox;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'reversal', 'manual_claim')),
  ref_id INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'accepted', 'rejected', 'adjusted', 'withdrawn')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  held_reason TEXT
);
INSERT INTO outbox (id, kind, ref_id, idempotency_key, payload, status, attempts, last_error, created_at, updated_at, held_reason)
  SELECT id, kind, ref_id, idempotency_key, payload, status, attempts, last_error, created_at, updated_at, held_reason FROM temp.outbox_v9;
DROP TABLE temp.outbox_v9;
CREATE INDEX outbox_status ON outbox (status, id);
CREATE TRIGGER outbox_kept BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;

CREATE TABLE outbox_withdrawals (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
  pair_id INTEGER NOT NULL REFERENCES outbox (id),
  reason TEXT NOT NULL,
  withdrawn_at TEXT NOT NULL
);
CREATE TRIGGER outbox_withdrawals_immutable BEFORE UPDATE ON outbox_withdrawals BEGIN SELECT RAISE(ABORT, 'outbox withdrawals are immutable'); END;
CREATE TRIGGER outbox_withdrawals_kept BEFORE DELETE ON outbox_withdrawals BEGIN SELECT RAISE(ABORT, 'outbox withdrawals are never deleted'); END;
CREATE TRIGGER outbox_withdrawn_with_reason BEFORE UPDATE OF status ON outbox
WHEN NEW.status = 'withdrawn' AND OLD.status IS NOT 'withdrawn'
  AND NOT EXISTS (SELECT 1 FROM outbox_withdrawals w WHERE w.outbox_id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'an outbox row is withdrawn only with its withdrawal'); END;
CREATE TRIGGER outbox_withdrawn_final BEFORE UPDATE ON outbox
WHEN OLD.status = 'withdrawn' AND (NEW.status IS NOT 'withdrawn' OR NEW.held_reason IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'a withdrawn outbox row stays withdrawn'); END;
`;
