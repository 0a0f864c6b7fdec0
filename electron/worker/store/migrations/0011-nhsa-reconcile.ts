/**
 * Schema 11: reconciliation through the national interface (docs/nhsa.md §8).
 * The requests themselves (3201, 9101, 3202, 9102) are journaled in nhsa_steps
 * like every other; these tables keep what the journal does not: the files,
 * byte for byte with their SHA-256, and what each run showed the supervisor.
 *
 * - nhsa_reconciliations: one row per run (a supervisor, a business date), its
 *   outcome and the view the 日结 screen showed, or the error that stopped it.
 *   Written when the run ends (a run that dies leaves its journaled steps only).
 * - nhsa_stmt_files: the 3202 detail file uploaded (9101) and the result file
 *   downloaded (9102), with the step that carried each and the file_qury_no.
 * Both immutable and never deleted.
 */
export const sql = `
CREATE TABLE nhsa_reconciliations (
  id INTEGER PRIMARY KEY,
  business_date TEXT NOT NULL,
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  result TEXT CHECK (result IN ('balanced', 'mismatch')),
  view TEXT,
  error TEXT,
  CHECK ((result IS NULL) = (error IS NOT NULL))
);
CREATE INDEX nhsa_reconciliations_date ON nhsa_reconciliations (business_date, id);
CREATE TRIGGER nhsa_reconciliations_immutable BEFORE UPDATE ON nhsa_reconciliations
BEGIN SELECT RAISE(ABORT, 'a reconciliation run is immutable'); END;
CREATE TRIGGER nhsa_reconciliations_kept BEFORE DELETE ON nhsa_reconciliations
BEGIN SELECT RAISE(ABORT, 'reconciliation runs are never deleted'); END;

CREATE TABLE nhsa_stmt_files (
  id INTEGER PRIMARY KEY,
  business_date TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('uploaded', 'downloaded')),
  step_id INTEGER NOT NULL REFERENCES nhsa_steps (id),
  file_qury_no TEXT NOT NULL,
  filename TEXT NOT NULL,
  bytes BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE TRIGGER nhsa_stmt_files_immutable BEFORE UPDATE ON nhsa_stmt_files
BEGIN SELECT RAISE(ABORT, 'a reconciliation file is immutable'); END;
CREATE TRIGGER nhsa_stmt_files_kept BEFORE DELETE ON nhsa_stmt_files
BEGIN SELECT RAISE(ABORT, 'reconciliation files are never deleted'); END;
`;
