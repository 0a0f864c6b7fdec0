/**
 * Schema 9: the NHSA journal keyed by the stay, not by the outbox row
 * (docs/nhsa.md §7.6). Online at the window the stay is registered (2401),
 * its fee lines uploaded (2301) and presettled (2303) BEFORE the cashier
 * settles, so before the record and its outbox row exist; F8 then gives the
 * stay its outbox row in the settlement's own transaction. A reversal's undo
 * steps (2305, 2405, 2302, 2404) act on its original's stay.
 *
 * - nhsa_stays: one row per stay at the platform. outbox_id: the settlement
 *   it belongs to (null while a window stay is not yet settled); window_key:
 *   how the window finds its stay again between F5 and F8 (person, admission
 *   date, inpatient number; cleared when the stay is settled or undone);
 *   presettled: the 2304 input last presettled with 2303, the one F8 sends;
 *   undone: how far a reversal has taken the stay back (2305 settlement,
 *   2405 discharge, 2302 fees, 2404 admission).
 * - nhsa_steps: stay_id (null for 9001 and the hospital-level 3201/3202/9101/
 *   9102) and outbox_id (the record it was sent for, null before F8).
 * - nhsa_fee_uploads: per stay; line_sha256 is the digest of the line as sent,
 *   so an edited line is cancelled (2302) and sent again, an unchanged one is not.
 * - nhsa_persons: 1101's answer at the window, per person: psn_no, insutype,
 *   insuplc_admdvs and the status the cashier is shown.
 */
export const sql = `
CREATE TABLE nhsa_stays_v9 (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER UNIQUE REFERENCES outbox (id),
  window_key TEXT UNIQUE,
  psn_no TEXT,
  insutype TEXT,
  insuplc_admdvs TEXT,
  mdtrt_id TEXT,
  discharged INTEGER NOT NULL DEFAULT 0,
  presettled TEXT,
  undone TEXT CHECK (undone IN ('settlement', 'discharge', 'fees', 'admission')),
  updated_at TEXT NOT NULL
);
INSERT INTO nhsa_stays_v9 (id, outbox_id, psn_no, insutype, insuplc_admdvs, mdtrt_id, discharged, updated_at)
  SELECT outbox_id, outbox_id, psn_no, insutype, insuplc_admdvs, mdtrt_id, discharged, updated_at FROM nhsa_stays;

CREATE TABLE nhsa_steps_v9 (
  id INTEGER PRIMARY KEY,
  stay_id INTEGER REFERENCES nhsa_stays_v9 (id),
  outbox_id INTEGER REFERENCES outbox (id),
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
-- A step belongs to its record's stay; a reversal's steps to its original's stay (outbox payload.reverses).
INSERT INTO nhsa_steps_v9 (id, stay_id, outbox_id, infno, msgid, request, request_sha256, state, infcode, err_msg, output, sent_at, answered_at)
  SELECT s.id,
    CASE WHEN s.infno = '9001' THEN NULL ELSE coalesce(
      (SELECT st.id FROM nhsa_stays_v9 st WHERE st.outbox_id = s.outbox_id),
      (SELECT st.id FROM outbox r JOIN outbox o ON o.idempotency_key = json_extract(r.payload, '$.reverses')
         JOIN nhsa_stays_v9 st ON st.outbox_id = o.id WHERE r.id = s.outbox_id)) END,
    s.outbox_id, s.infno, s.msgid, s.request, s.request_sha256, s.state, s.infcode, s.err_msg, s.output, s.sent_at, s.answered_at
  FROM nhsa_steps s;

CREATE TABLE nhsa_fee_uploads_v9 (
  stay_id INTEGER NOT NULL REFERENCES nhsa_stays_v9 (id),
  feedetl_sn TEXT NOT NULL,
  step_id INTEGER NOT NULL REFERENCES nhsa_steps_v9 (id),
  line_sha256 TEXT,
  result TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (stay_id, feedetl_sn)
);
INSERT INTO nhsa_fee_uploads_v9 (stay_id, feedetl_sn, step_id, result, cancelled)
  SELECT outbox_id, feedetl_sn, step_id, result, cancelled FROM nhsa_fee_uploads;

DROP TABLE nhsa_fee_uploads;
DROP TABLE nhsa_steps;
DROP TABLE nhsa_stays;
ALTER TABLE nhsa_stays_v9 RENAME TO nhsa_stays;
ALTER TABLE nhsa_steps_v9 RENAME TO nhsa_steps;
ALTER TABLE nhsa_fee_uploads_v9 RENAME TO nhsa_fee_uploads;

CREATE INDEX nhsa_steps_stay ON nhsa_steps (stay_id, id);
CREATE INDEX nhsa_steps_unresolved ON nhsa_steps (state) WHERE state = 'sent';
CREATE TRIGGER nhsa_steps_request_kept BEFORE UPDATE OF stay_id, outbox_id, infno, msgid, request, request_sha256, sent_at ON nhsa_steps
BEGIN SELECT RAISE(ABORT, 'a sent NHSA request is immutable'); END;
CREATE TRIGGER nhsa_steps_kept BEFORE DELETE ON nhsa_steps BEGIN SELECT RAISE(ABORT, 'NHSA steps are never deleted'); END;
CREATE TRIGGER nhsa_stays_kept BEFORE DELETE ON nhsa_stays BEGIN SELECT RAISE(ABORT, 'NHSA stays are never deleted'); END;
CREATE TRIGGER nhsa_stays_owner_kept BEFORE UPDATE OF outbox_id ON nhsa_stays WHEN OLD.outbox_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a settled NHSA stay keeps its record'); END;

CREATE TABLE nhsa_persons (
  person_id INTEGER PRIMARY KEY REFERENCES persons (id),
  psn_no TEXT NOT NULL,
  insutype TEXT NOT NULL,
  insuplc_admdvs TEXT NOT NULL,
  psn_insu_stas TEXT NOT NULL,
  psn_type TEXT NOT NULL,
  answer TEXT NOT NULL,
  queried_at TEXT NOT NULL
);
`;
