/**
 * Schema 2: what the slip needs beyond the bill (inpatient number, ward, bed,
 * diagnosis) and the archive of every printed slip: its PDF's path and SHA-256,
 * recorded with the settlement.
 */
export const sql = `
ALTER TABLE settlements ADD COLUMN stay TEXT NOT NULL DEFAULT '{}';

CREATE TABLE slip_prints (
  id INTEGER PRIMARY KEY,
  settlement_id INTEGER NOT NULL REFERENCES settlements (id),
  kind TEXT NOT NULL CHECK (kind IN ('original', 'reprint', 'reversal')),
  layout TEXT NOT NULL CHECK (layout IN ('a5', 'receipt80')),
  reprint INTEGER NOT NULL DEFAULT 0,
  pdf_path TEXT NOT NULL,
  pdf_sha256 TEXT NOT NULL CHECK (length(pdf_sha256) = 64),
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  printed_at TEXT NOT NULL
);
CREATE INDEX slip_prints_settlement ON slip_prints (settlement_id, id);
CREATE TRIGGER slip_prints_immutable BEFORE UPDATE ON slip_prints BEGIN SELECT RAISE(ABORT, 'slip prints are immutable'); END;
CREATE TRIGGER slip_prints_kept BEFORE DELETE ON slip_prints BEGIN SELECT RAISE(ABORT, 'slip prints are never deleted'); END;
`;
