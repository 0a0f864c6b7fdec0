/**
 * Schema 7: the NHSA adapter's step journal (docs/nhsa.md §7). Every request
 * to the gateway is a row written as 'sent' and committed BEFORE it leaves;
 * its answer and the state it changes (the stay's mdtrt_id, uploaded fee
 * lines, the platform's settlement) are written in one transaction after.
 * A row still 'sent' after a crash or a lost answer has an unknown outcome:
 * the adapter resolves it with 2601 冲正 (or 2302 for fee lines), never by
 * sending the same request again.
 *
 * - nhsa_msgids: the last (second, counter) used, so no msgid repeats, even
 *   when the clock goes back.
 * - nhsa_steps: one row per request; its msgid, infno, the exact body and its
 *   SHA-256 never change; state moves sent → answered | unknown → reversed.
 * - nhsa_stays: per outbox row, what the platform knows of its stay so far.
 * - nhsa_fee_uploads: fee lines the platform accepted, with its split per line.
 * - nhsa_settlements: the platform's 2304 answer, immutable, beside the local split.
 */
export const sql = `
CREATE TABLE nhsa_msgids (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  second INTEGER NOT NULL,
  counter INTEGER NOT NULL
);
INSERT INTO nhsa_msgids (id, second, counter) VALUES (1, 0, -1);

CREATE TABLE nhsa_steps (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox (id),
  infno TEXT NOT NULL,
  msgid TEXT NOT NULL UNIQUE,
  request TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sent', 'answered', 'unknown', 'reversed')),
  infcode INTEGER,
  err_msg TEXT,
  output TEXT,
  sent_at TEXT NOT NULL,
  answered_at TEXT
);
CREATE INDEX nhsa_steps_outbox ON nhsa_steps (outbox_id, id);
CREATE TRIGGER nhsa_steps_request_kept BEFORE UPDATE OF outbox_id, infno, msgid, request, request_sha256, sent_at ON nhsa_steps
BEGIN SELECT RAISE(ABORT, 'a sent NHSA request is immutable'); END;
CREATE TRIGGER nhsa_steps_kept BEFORE DELETE ON nhsa_steps BEGIN SELECT RAISE(ABORT, 'NHSA steps are never deleted'); END;

CREATE TABLE nhsa_stays (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
  psn_no TEXT,
  insutype TEXT,
  insuplc_admdvs TEXT,
  mdtrt_id TEXT,
  discharged INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

CREATE TABLE nhsa_fee_uploads (
  outbox_id INTEGER NOT NULL REFERENCES outbox (id),
  feedetl_sn TEXT NOT NULL,
  step_id INTEGER NOT NULL REFERENCES nhsa_steps (id),
  result TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (outbox_id, feedetl_sn)
);

CREATE TABLE nhsa_settlements (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
  setl_id TEXT NOT NULL,
  mdtrt_id TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  msgid TEXT NOT NULL,
  setlinfo TEXT NOT NULL,
  setldetail TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE TRIGGER nhsa_settlements_immutable BEFORE UPDATE ON nhsa_settlements BEGIN SELECT RAISE(ABORT, 'the platform''s settlement is immutable'); END;
CREATE TRIGGER nhsa_settlements_kept BEFORE DELETE ON nhsa_settlements BEGIN SELECT RAISE(ABORT, 'the platform''s settlement is never deleted'); END;
`;
