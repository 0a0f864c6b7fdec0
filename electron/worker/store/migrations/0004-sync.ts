/**
 * Schema 4: the terminal's side of sync with the insurer (docs/sync.md).
 *
 * - outbox_answers: the insurer's final answer per outbox row, stored in the
 *   same transaction as the row's new status, so "accepted" never exists
 *   without the answer that made it so. Answers are final at the insurer, so
 *   the rows are immutable here too.
 * - adjustments: an adjusted claim's difference (多退少补). It is recorded
 *   against the settlement and stays visible until a supervisor resolves it:
 *   the amounts never change; the only update allowed is open → resolved.
 * - rule_refusals: a downloaded rule package the terminal would not install,
 *   with the reason the UI shows.
 * - sync_state: one row: last successful exchange, last error, session expiry,
 *   last rule check, and when the next automatic attempt may run (backoff).
 * - outbox.held_reason: a row the insurer will never accept as sent (a 4xx, an
 *   idempotency conflict): not retried automatically, shown as open work.
 */
export const sql = `
ALTER TABLE outbox ADD COLUMN held_reason TEXT;

CREATE TABLE outbox_answers (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
  status TEXT NOT NULL CHECK (status IN ('accepted', 'adjusted', 'rejected')),
  claim_id TEXT,
  answer TEXT NOT NULL,
  answered_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE TRIGGER outbox_answers_immutable BEFORE UPDATE ON outbox_answers BEGIN SELECT RAISE(ABORT, 'insurer answers are immutable'); END;
CREATE TRIGGER outbox_answers_kept BEFORE DELETE ON outbox_answers BEGIN SELECT RAISE(ABORT, 'insurer answers are never deleted'); END;

CREATE TABLE adjustments (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'manual_claim')),
  number TEXT NOT NULL UNIQUE,
  claim_id TEXT NOT NULL,
  terminal_amounts TEXT NOT NULL,
  insurer_amounts TEXT NOT NULL,
  medfee_difference TEXT NOT NULL,
  fund_pay_difference TEXT NOT NULL,
  psn_cash_difference TEXT NOT NULL,
  fund_differences TEXT NOT NULL,
  reasons TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  resolved_by INTEGER REFERENCES operators (id),
  resolved_at TEXT,
  note TEXT,
  created_at TEXT NOT NULL,
  CHECK ((status = 'open' AND resolved_by IS NULL AND resolved_at IS NULL) OR (status = 'resolved' AND resolved_by IS NOT NULL AND resolved_at IS NOT NULL))
);
CREATE INDEX adjustments_status ON adjustments (status, id);
CREATE TRIGGER adjustments_resolve_only BEFORE UPDATE ON adjustments
WHEN NOT (OLD.status = 'open' AND NEW.status = 'resolved'
  AND NEW.id IS OLD.id AND NEW.outbox_id IS OLD.outbox_id AND NEW.kind IS OLD.kind AND NEW.number IS OLD.number AND NEW.claim_id IS OLD.claim_id
  AND NEW.terminal_amounts IS OLD.terminal_amounts AND NEW.insurer_amounts IS OLD.insurer_amounts
  AND NEW.medfee_difference IS OLD.medfee_difference AND NEW.fund_pay_difference IS OLD.fund_pay_difference
  AND NEW.psn_cash_difference IS OLD.psn_cash_difference AND NEW.fund_differences IS OLD.fund_differences
  AND NEW.reasons IS OLD.reasons AND NEW.message IS OLD.message AND NEW.created_at IS OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'adjustments only move from open to resolved'); END;
CREATE TRIGGER adjustments_kept BEFORE DELETE ON adjustments BEGIN SELECT RAISE(ABORT, 'adjustments are never deleted'); END;

CREATE TABLE rule_refusals (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  version TEXT NOT NULL,
  reason TEXT NOT NULL,
  refused_at TEXT NOT NULL
);

CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  token_expires_at TEXT,
  rule_check_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);
`;
