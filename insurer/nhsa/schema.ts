/**
 * The NHSA gateway's tables in the insurer's database (db.ts applies them in
 * the schema of a new file and as the upgrade from version 2). Amounts are
 * TEXT decimal strings, added up with decimal.js only.
 */
export const NHSA_SCHEMA = `
-- A hospital's gateway account: paasid + passToken sign the x-tif headers.
CREATE TABLE nhsa_accounts (
  paasid TEXT PRIMARY KEY,
  pass_token TEXT NOT NULL,
  fixmedins_code TEXT NOT NULL UNIQUE,
  fixmedins_name TEXT NOT NULL,
  mdtrtarea_admvs TEXT NOT NULL,
  hospital_level INTEGER NOT NULL CHECK (hospital_level IN (1, 2, 3)),
  created_at TEXT NOT NULL
);
-- Nonces seen in the last two timestamp windows (older ones are pruned).
CREATE TABLE nhsa_nonces (
  paasid TEXT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at_ms INTEGER NOT NULL,
  PRIMARY KEY (paasid, nonce)
);
-- Every request the gateway answered, in order, written in the transaction of its effect.
CREATE TABLE nhsa_requests (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  paasid TEXT,
  infno TEXT,
  msgid TEXT,
  psn_no TEXT,
  body_sha256 TEXT NOT NULL,
  infcode INTEGER NOT NULL CHECK (infcode IN (0, -1)),
  err_msg TEXT,
  output TEXT,
  undo TEXT,
  reversed_by INTEGER REFERENCES nhsa_requests (id),
  received_at TEXT NOT NULL,
  answered_at TEXT
);
-- A msgid is used once, whatever the request's outcome.
CREATE TABLE nhsa_msgids (
  msgid TEXT PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES nhsa_requests (id)
);
CREATE TABLE nhsa_sign_ins (
  sign_no TEXT PRIMARY KEY,
  paasid TEXT NOT NULL,
  opter_no TEXT NOT NULL,
  request_id INTEGER NOT NULL REFERENCES nhsa_requests (id),
  signed_at TEXT NOT NULL
);
CREATE TABLE nhsa_stays (
  mdtrt_id TEXT PRIMARY KEY,
  paasid TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  insutype TEXT NOT NULL,
  med_type TEXT NOT NULL,
  begntime TEXT NOT NULL,
  endtime TEXT,
  status TEXT NOT NULL CHECK (status IN ('admitted', 'discharged', 'settled', 'void')),
  admit_request_id INTEGER NOT NULL REFERENCES nhsa_requests (id),
  discharge_request_id INTEGER REFERENCES nhsa_requests (id)
);
CREATE INDEX nhsa_stays_psn ON nhsa_stays (psn_no, status);
CREATE TABLE nhsa_fee_lines (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL REFERENCES nhsa_stays (mdtrt_id),
  feedetl_sn TEXT NOT NULL,
  init_feedetl_sn TEXT NOT NULL,
  fee_ocur_time TEXT NOT NULL,
  med_list_codg TEXT NOT NULL,
  medins_list_codg TEXT NOT NULL,
  det_item_fee_sumamt TEXT NOT NULL,
  cnt TEXT NOT NULL,
  pric TEXT NOT NULL,
  fulamt_ownpay_amt TEXT NOT NULL,
  overlmt_amt TEXT NOT NULL,
  preselfpay_amt TEXT NOT NULL,
  inscp_scp_amt TEXT NOT NULL,
  request_id INTEGER NOT NULL REFERENCES nhsa_requests (id),
  cancelled_by INTEGER REFERENCES nhsa_requests (id)
);
CREATE UNIQUE INDEX nhsa_fee_lines_live ON nhsa_fee_lines (mdtrt_id, feedetl_sn) WHERE cancelled_by IS NULL;
-- setlinfo/setldetail as answered (decimal strings); ytd_before/after: the accumulator movement to undo.
CREATE TABLE nhsa_settlements (
  setl_id TEXT PRIMARY KEY,
  mdtrt_id TEXT NOT NULL REFERENCES nhsa_stays (mdtrt_id),
  psn_no TEXT NOT NULL,
  person_id INTEGER NOT NULL REFERENCES persons (id),
  msgid TEXT NOT NULL,
  request_id INTEGER NOT NULL REFERENCES nhsa_requests (id),
  status TEXT NOT NULL CHECK (status IN ('settled', 'cancelled')),
  medfee_sumamt TEXT NOT NULL,
  fund_pay_sumamt TEXT NOT NULL,
  psn_cash_pay TEXT NOT NULL,
  setlinfo TEXT NOT NULL,
  setldetail TEXT NOT NULL,
  ytd_before TEXT NOT NULL,
  ytd_after TEXT NOT NULL,
  settled_at TEXT NOT NULL,
  cancel_setl_id TEXT,
  cancelled_by INTEGER REFERENCES nhsa_requests (id),
  cancelled_at TEXT
);
CREATE INDEX nhsa_settlements_stay ON nhsa_settlements (mdtrt_id, status);
`;

/**
 * Reconciliation's files (docs/nhsa.md §8): a 3202 detail file uploaded with 9101, and the result file 3202
 * writes, both downloadable with 9102 until dld_endtime. Kept byte for byte with their SHA-256. Insurer
 * schema 4 (db.ts); apart from NHSA_SCHEMA, which upgrade 2 → 3 applies as it was.
 */
export const NHSA_RECONCILE_SCHEMA = `
CREATE TABLE nhsa_files (
  file_qury_no TEXT PRIMARY KEY,
  paasid TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upload', 'result')),
  filename TEXT NOT NULL,
  bytes BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  -- the 3202 whose result this is (kind 'result'), and the detail file it read
  detail_of TEXT REFERENCES nhsa_files (file_qury_no),
  request_id INTEGER NOT NULL REFERENCES nhsa_requests (id),
  created_at TEXT NOT NULL,
  dld_endtime TEXT NOT NULL
);
`;
