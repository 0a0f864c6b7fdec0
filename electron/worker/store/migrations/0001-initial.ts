/**
 * Schema 1. Money amounts are TEXT decimal strings (never REAL: SQLite would
 * sum them in binary floating point); totals are added up with decimal.js.
 * Money records are immutable and never deleted, enforced by triggers.
 */
export const sql = `
CREATE TABLE terminal (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  code TEXT NOT NULL CHECK (code GLOB '[A-Z0-9]*' AND length(code) BETWEEN 2 AND 12),
  hospital_code TEXT NOT NULL,
  hospital_name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE rule_packages (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  version TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  source TEXT NOT NULL CHECK (source IN ('bundled', 'insurer')),
  signature TEXT NOT NULL CHECK (signature IN ('bundled', 'verified')),
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  installed_at TEXT NOT NULL,
  UNIQUE (region, version)
);

CREATE TABLE operators (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('cashier', 'claims_clerk', 'supervisor')),
  pin_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  id_hash TEXT NOT NULL UNIQUE,
  id_cipher BLOB NOT NULL,
  id_masked TEXT NOT NULL,
  name TEXT NOT NULL,
  gender TEXT CHECK (gender IN ('M', 'F') OR gender IS NULL),
  created_at TEXT NOT NULL
);

-- What the window knows of a person: entered by the cashier or received from the
-- insurer. The newest one is current; the insurer's accumulators are as of as_of.
CREATE TABLE person_snapshots (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  region TEXT NOT NULL,
  scheme TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
  retired INTEGER NOT NULL CHECK (retired IN (0, 1)),
  medical_assistance INTEGER NOT NULL CHECK (medical_assistance IN (0, 1)),
  enrolled TEXT NOT NULL,
  accumulators TEXT NOT NULL,
  as_of TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('cashier', 'insurer')),
  operator_id INTEGER REFERENCES operators (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX person_snapshots_person ON person_snapshots (person_id, id);

CREATE TABLE settlements (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'reversal')),
  reverses_id INTEGER UNIQUE REFERENCES settlements (id),
  person_id INTEGER NOT NULL REFERENCES persons (id),
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  business_date TEXT NOT NULL,
  settled_at TEXT NOT NULL,
  region TEXT NOT NULL,
  rule_versions TEXT NOT NULL,
  offline INTEGER NOT NULL CHECK (offline IN (0, 1)),
  hospital_level INTEGER NOT NULL,
  admission_date TEXT NOT NULL,
  discharge_date TEXT NOT NULL,
  medfee_sumamt TEXT NOT NULL,
  fund_pay_sumamt TEXT NOT NULL,
  psn_cash_pay TEXT NOT NULL,
  request TEXT NOT NULL,
  result TEXT NOT NULL,
  reason TEXT,
  CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
  CHECK (kind = 'settlement' OR length(reason) > 0)
);
CREATE INDEX settlements_person ON settlements (person_id, settled_at);
CREATE INDEX settlements_date ON settlements (business_date, operator_id);
CREATE INDEX settlements_settled_at ON settlements (settled_at);
CREATE TRIGGER settlements_immutable BEFORE UPDATE ON settlements BEGIN SELECT RAISE(ABORT, 'settlements are immutable'); END;
CREATE TRIGGER settlements_kept BEFORE DELETE ON settlements BEGIN SELECT RAISE(ABORT, 'settlements are never deleted'); END;

-- One row per fund of a settlement (negative in a reversal), for day totals and reconciliation.
CREATE TABLE settlement_funds (
  settlement_id INTEGER NOT NULL REFERENCES settlements (id),
  layer TEXT NOT NULL,
  field TEXT NOT NULL,
  fund_pay_type TEXT NOT NULL,
  amount TEXT NOT NULL,
  PRIMARY KEY (settlement_id, layer)
);
CREATE TRIGGER settlement_funds_immutable BEFORE UPDATE ON settlement_funds BEGIN SELECT RAISE(ABORT, 'settlement funds are immutable'); END;
CREATE TRIGGER settlement_funds_kept BEFORE DELETE ON settlement_funds BEGIN SELECT RAISE(ABORT, 'settlement funds are never deleted'); END;

CREATE TABLE reprints (
  id INTEGER PRIMARY KEY,
  settlement_id INTEGER NOT NULL REFERENCES settlements (id),
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  printed_at TEXT NOT NULL
);
CREATE INDEX reprints_settlement ON reprints (settlement_id);

-- Accumulator movements per person, year and layer, on top of the insurer's snapshot.
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  year INTEGER NOT NULL,
  layer TEXT NOT NULL,
  paid TEXT NOT NULL,
  base TEXT NOT NULL,
  admissions INTEGER NOT NULL,
  settlement_id INTEGER NOT NULL REFERENCES settlements (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX ledger_person_year ON ledger (person_id, year, recorded_at);
CREATE INDEX ledger_settlement ON ledger (settlement_id);
CREATE TRIGGER ledger_immutable BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;
CREATE TRIGGER ledger_kept BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger rows are never deleted'); END;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'reversal', 'manual_claim')),
  ref_id INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'accepted', 'rejected', 'adjusted')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX outbox_status ON outbox (status, id);
CREATE TRIGGER outbox_kept BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;

CREATE TABLE manual_claims (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  hospital_code TEXT NOT NULL,
  hospital_name TEXT NOT NULL,
  hospital_level INTEGER NOT NULL,
  admission_date TEXT NOT NULL,
  discharge_date TEXT NOT NULL,
  request TEXT NOT NULL,
  result TEXT NOT NULL,
  expected_reimbursement TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
  created_at TEXT NOT NULL,
  submitted_at TEXT
);
CREATE TABLE manual_claim_invoices (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES manual_claims (id),
  hospital_code TEXT NOT NULL,
  invoice_no TEXT NOT NULL,
  invoice_date TEXT NOT NULL,
  medfee_sumamt TEXT NOT NULL,
  fulamt_ownpay_amt TEXT NOT NULL,
  overlmt_selfpay TEXT NOT NULL,
  preselfpay_amt TEXT NOT NULL,
  UNIQUE (hospital_code, invoice_no)
);
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES manual_claims (id),
  sha256 TEXT NOT NULL,
  file_name TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  stored_at TEXT NOT NULL
);

CREATE TABLE day_closes (
  id INTEGER PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  business_date TEXT NOT NULL,
  closed_by INTEGER NOT NULL REFERENCES operators (id),
  closed_at TEXT NOT NULL,
  totals TEXT NOT NULL,
  UNIQUE (operator_id, business_date)
);
-- A closed day is read-only: nothing more is recorded for that operator and day.
CREATE TRIGGER settlements_day_open BEFORE INSERT ON settlements
WHEN EXISTS (SELECT 1 FROM day_closes WHERE operator_id = NEW.operator_id AND business_date = NEW.business_date)
BEGIN SELECT RAISE(ABORT, 'day closed'); END;

CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical entry).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  operator_id INTEGER,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_immutable BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_kept BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;
