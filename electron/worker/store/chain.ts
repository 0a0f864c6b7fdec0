/**
 * The keyed chain (issue 16): tamper evidence for every state change in the store.
 *
 * Someone with the data folder, the key file and the sqlite3 CLI can read and
 * write the database; the page encryption does not stop them. What they cannot
 * do is compute an HMAC under the chain key: it is derived (HKDF) from the
 * master key for this purpose only and never written anywhere, and the CLI has
 * no SQL function that uses it.
 *
 * - Coverage is automatic: every table of the schema except those in
 *   CHAIN_EXCLUDED gets three AFTER triggers (generated from its columns) that
 *   append an entry to chain_entries: (seq, table, op I/U/D, rowid, a digest of
 *   the row's whole content after the change, MAC over the previous entry's MAC
 *   and this entry's fields). The triggers call chain_seal(), an
 *   application-defined function that openDatabase registers on every
 *   connection it opens; a connection without them (the sqlite3 CLI) cannot
 *   write a covered table at all ("no such function") unless it drops the
 *   triggers, and whatever it changes then no longer matches the row's last
 *   chained digest.
 * - Verification: `verifyChain(db, 'start')` checks the MACs from the last
 *   verified checkpoint, the rows changed since, and that no row sits beyond
 *   what the chain has seen (cheap, at every open for writing);
 *   `verifyChain(db, 'full')` checks every MAC from the first entry and every
 *   covered row's content against its last chained digest (before every backup
 *   and at day close). Both also compare sqlite_master (every table, index,
 *   trigger and view) with the schema our migrations build at the store's
 *   version (store/reference-schema.ts): an injected trigger changes no row.
 *   A check that cannot run for any reason but an unreadable page (a table
 *   dropped, a value of the wrong type) fails ('chain_unverifiable'); an
 *   unreadable page is thrown as it is (database_damaged). A failure is kept
 *   for the connection (the services refuse money writes, the status bar shows
 *   it) and recorded in chain_checks, so the next start runs the full check
 *   again instead of trusting a checkpoint.
 *
 * A migration that alters or rebuilds a covered table (or adds one) must call
 * `resealTables(db, [...])` in its `run` step after its SQL (see
 * migrations/index.ts): the triggers are regenerated from the new columns and the
 * table's rows chained again. test/tamper-chain.test.ts fails when a table or a
 * column escapes coverage.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { DeskError } from '../../../shared/errors.js';
import type { IntegrityStatus } from '../../../shared/ipc/contract.js';
import type { KeyProvider } from '../../node/keys.js';
import { deriveKey } from '../../node/sealed.js';
import type { Db } from './db.js';
import { schemaDifference } from './reference-schema.js';
import { totalsDifference } from './ytd-totals.js';

/**
 * Tables the chain does not cover, each with its reason. Every other table of the schema is covered; adding a
 * table here needs a reason a reviewer accepts (state that changes money or access never qualifies).
 */
export const CHAIN_EXCLUDED: Readonly<Record<string, string>> = {
  chain_entries: 'the chain itself: each entry is bound to the previous one by its MAC',
  chain_checks:
    "verification's own record: a checkpoint carries a MAC under the chain key, so a forged or moved one is ignored",
};

/** The chain key: HKDF from the master key for this purpose; kept in memory only. */
export function chainKey(keys: KeyProvider | Buffer): Buffer {
  return deriveKey(keys, 'discharge-desk store chain hmac v1');
}

const ZERO_MAC = Buffer.alloc(32);
const chainKeys = new WeakMap<Db, Buffer>();

/**
 * Digest of a row's content: each value with its type and length, so '1' and 1, NULL and '' differ. One-shot
 * hashing (crypto.hash) of one buffer: the triggers call this for every row written, so it is kept cheap.
 */
export function rowDigest(values: readonly unknown[]): Buffer {
  // The common row (no BLOB) as one string, hashed as its UTF-8 bytes: the same bytes as the general form below.
  let text = '';
  let blob = false;
  for (const v of values) {
    if (v === null || v === undefined) text += 'n\0';
    else if (typeof v === 'string') text += `s${Buffer.byteLength(v, 'utf8')}\0${v}`;
    else if (typeof v === 'number') text += `f${String(v)}\0`;
    else if (typeof v === 'bigint') text += `i${v.toString()}\0`;
    else {
      blob = true;
      break;
    }
  }
  if (!blob) return hash('sha256', text, 'buffer');
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null || v === undefined) parts.push(NUL_TAG);
    else if (Buffer.isBuffer(v)) parts.push(Buffer.from(`b${v.length}\0`), v);
    else if (typeof v === 'bigint') parts.push(Buffer.from(`i${v.toString()}\0`));
    else if (typeof v === 'number') parts.push(Buffer.from(`f${String(v)}\0`));
    else {
      const s = Buffer.from(String(v), 'utf8');
      parts.push(Buffer.from(`s${s.length}\0`), s);
    }
  }
  return hash('sha256', Buffer.concat(parts), 'buffer');
}

const NUL_TAG = Buffer.from('n\0');

/**
 * HMAC-SHA256 (RFC 2104) under the chain key, as two one-shot hashes with the key's pads prepared once per key:
 * about twice as fast as createHmac per entry, and the same value (test/tamper-chain.test.ts checks).
 */
export function chainHmac(key: Buffer, message: Buffer): Buffer {
  const pads = padsOf(key);
  const inner = hash('sha256', Buffer.concat([pads.inner, message]), 'buffer');
  return hash('sha256', Buffer.concat([pads.outer, inner]), 'buffer');
}

const padsByKey = new WeakMap<Buffer, { inner: Buffer; outer: Buffer }>();
function padsOf(key: Buffer): { inner: Buffer; outer: Buffer } {
  let pads = padsByKey.get(key);
  if (!pads) {
    if (key.length > 64) throw new Error('an HMAC key longer than the block is hashed first: not supported here');
    const inner = Buffer.alloc(64, 0x36);
    const outer = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < key.length; i++) {
      inner[i] = inner[i]! ^ key[i]!;
      outer[i] = outer[i]! ^ key[i]!;
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}

function entryMac(
  key: Buffer,
  prev: Buffer | null,
  seq: number,
  table: string,
  op: string,
  rowId: number,
  digest: Buffer,
): Buffer {
  return chainHmac(
    key,
    Buffer.concat([prev ?? ZERO_MAC, Buffer.from(`\0${seq}\0${table}\0${op}\0${rowId}\0`), digest]),
  );
}

/**
 * Registers chain_seal() on a connection (openDatabase does, for every connection it opens; tests and tools that
 * write a store file through their own connection do too). Without it, no covered table can be written.
 *
 * chain_seal(previous seal, seq, table, op, rowid, ...the row's columns) returns the entry's seal: the row's
 * digest (32 bytes, zeros for a removal) followed by the MAC (32 bytes). One call per row written: the digest is
 * computed once, and chain_entries exposes its two halves as the generated columns digest and mac.
 */
export function registerChain(db: Db, key: Buffer): void {
  if (key.length !== 32) throw new Error('the chain key must be 32 bytes');
  chainKeys.set(db, key);
  db.function(
    'chain_seal',
    { deterministic: true, varargs: true },
    (prev: unknown, seq: unknown, table: unknown, op: unknown, rowId: unknown, ...values: unknown[]) =>
      seal(
        key,
        Buffer.isBuffer(prev) ? prev.subarray(32) : null,
        Number(seq),
        String(table),
        String(op),
        Number(rowId),
        values,
      ),
  );
}

const ZERO_DIGEST = Buffer.alloc(32);

function seal(
  key: Buffer,
  prevMac: Buffer | null,
  seq: number,
  table: string,
  op: string,
  rowId: number,
  values: readonly unknown[],
): Buffer {
  const digest = op === 'D' ? ZERO_DIGEST : rowDigest(values);
  return Buffer.concat([digest, entryMac(key, prevMac, seq, table, op, rowId, digest)]);
}

function keyOf(db: Db): Buffer {
  const key = chainKeys.get(db);
  if (!key) throw new Error('the connection has no chain key (open it with openDatabase or call registerChain)');
  return key;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The tables the chain covers: every table of the schema that is not excluded. */
export function coveredTables(db: Db): string[] {
  return (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[]
  ).filter((t) => !(t in CHAIN_EXCLUDED));
}

export function tableColumns(db: Db, table: string): string[] {
  return db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[];
}

/** The columns a covered table's insert trigger digests (for the coverage test). */
export function chainedColumns(db: Db, table: string): string[] | null {
  const sql = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
    .pluck()
    .get(`chain_${table}_ai`) as string | undefined;
  const m = sql?.match(/chain_seal\(([^)]*)\)/);
  if (!m) return null;
  return m[1]!
    .split(',')
    .slice(5)
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) =>
      c
        .replace(/^NEW\."/, '')
        .replace(/"$/, '')
        .replace(/""/g, '"'),
    );
}

/** The statement a trigger runs to append one entry; `ref` is NEW or OLD (a removal seals no columns). */
function appendSql(table: string, op: 'I' | 'U' | 'D', ref: 'NEW' | 'OLD', columns: string[]): string {
  const values = op === 'D' ? '' : columns.map((c) => `, ${ref}.${q(c)}`).join('');
  return `INSERT INTO chain_entries (seq, tbl, op, row_id, seal)
    SELECT h.seq + 1, ${lit(table)}, '${op}', ${ref}.rowid, chain_seal(h.seal, h.seq + 1, ${lit(table)}, '${op}', ${ref}.rowid${values})
    FROM (SELECT coalesce(max(seq), 0) AS seq, (SELECT seal FROM chain_entries ORDER BY seq DESC LIMIT 1) AS seal FROM chain_entries) h;`;
}

/** (Re)creates a covered table's three triggers from its current columns. */
export function coverTable(db: Db, table: string): void {
  if (table in CHAIN_EXCLUDED) throw new Error(`${table} is excluded from the chain`);
  const columns = tableColumns(db, table);
  if (columns.length === 0) throw new Error(`no table ${table}`);
  const t = q(table);
  db.exec(`
DROP TRIGGER IF EXISTS ${q(`chain_${table}_ai`)};
DROP TRIGGER IF EXISTS ${q(`chain_${table}_au`)};
DROP TRIGGER IF EXISTS ${q(`chain_${table}_ad`)};
CREATE TRIGGER ${q(`chain_${table}_ai`)} AFTER INSERT ON ${t} BEGIN
  ${appendSql(table, 'I', 'NEW', columns)}
END;
CREATE TRIGGER ${q(`chain_${table}_au`)} AFTER UPDATE ON ${t} BEGIN
  ${appendSql(table, 'D', 'OLD', columns).replace(/;\s*$/, ' WHERE OLD.rowid <> NEW.rowid;')}
  ${appendSql(table, 'U', 'NEW', columns)}
END;
CREATE TRIGGER ${q(`chain_${table}_ad`)} AFTER DELETE ON ${t} BEGIN
  ${appendSql(table, 'D', 'OLD', columns)}
END;`);
}

interface Head {
  seq: number;
  mac: Buffer | null;
}

/** The chain's last entry (what an anchor outside the database would record); seq 0 for an empty chain. */
export function chainHead(db: Db): { seq: number; mac: string | null } {
  const h = head(db);
  return { seq: h.seq, mac: h.mac?.toString('hex') ?? null };
}

function head(db: Db): Head {
  const row = db.prepare('SELECT seq, mac FROM chain_entries ORDER BY seq DESC LIMIT 1').get() as
    { seq: number; mac: Buffer } | undefined;
  return row ? { seq: row.seq, mac: row.mac } : { seq: 0, mac: null };
}

function append(db: Db, table: string, op: 'I' | 'U' | 'D', rowId: number, digest: Buffer): void {
  const h = head(db);
  const seq = h.seq + 1;
  const d = op === 'D' ? ZERO_DIGEST : digest;
  db.prepare('INSERT INTO chain_entries (seq, tbl, op, row_id, seal) VALUES (?, ?, ?, ?, ?)').run(
    seq,
    table,
    op,
    rowId,
    Buffer.concat([d, entryMac(keyOf(db), h.mac, seq, table, op, rowId, d)]),
  );
}

/**
 * Regenerates the triggers of `tables` and chains their current content: an entry for every row whose content
 * is not what the chain last saw (all rows, the first time), a removal for every chained row that is gone.
 * For migrations: the genesis (0013) and any later one that changes a covered table. It trusts what is there,
 * so the store should have passed a full verification before (the daily backup verifies it every day).
 * A keyless in-memory database (a schema built for comparison) gets the triggers only.
 */
export function resealTables(db: Db, tables: readonly string[]): void {
  // An in-memory schema built only to compare tables and columns (store/backup.ts) has no key: its seed rows
  // stay unchained. Any file gets its rows chained or the migration fails.
  const chain = chainKeys.has(db) || !db.memory;
  for (const table of tables) {
    coverTable(db, table);
    if (!chain) continue;
    const last = lastEntries(db, table);
    const seen = new Set<number>();
    const rows = db
      .prepare(`SELECT rowid AS _rid, * FROM ${q(table)} ORDER BY rowid`)
      .raw()
      .all() as unknown[][];
    for (const row of rows) {
      const rowId = Number(row[0]);
      seen.add(rowId);
      const digest = rowDigest(row.slice(1));
      const e = last.get(rowId);
      if (!e || e.op === 'D') append(db, table, 'I', rowId, digest);
      else if (!e.digest.equals(digest)) append(db, table, 'U', rowId, digest);
    }
    for (const [rowId, e] of last) if (e.op !== 'D' && !seen.has(rowId)) append(db, table, 'D', rowId, Buffer.alloc(0));
  }
}

/**
 * Covers every table not excluded and chains its rows (the genesis migration). The chain was just built from the
 * rows as they are, so it is recorded as a checkpoint: the first start does not need a full check.
 */
export function resealAll(db: Db): void {
  resealTables(db, coveredTables(db));
  if (chainKeys.has(db)) recordCheck(db, 'full', true, null, new Date().toISOString());
}

function lastEntries(db: Db, table: string): Map<number, { op: string; digest: Buffer }> {
  const map = new Map<number, { op: string; digest: Buffer }>();
  for (const r of db
    .prepare('SELECT row_id, op, digest, max(seq) FROM chain_entries WHERE tbl = ? GROUP BY row_id')
    .raw()
    .iterate(table) as IterableIterator<[number, string, Buffer, number]>)
    map.set(r[0], { op: r[1], digest: r[2] });
  return map;
}

// ---- verification ----

export type ChainProblem =
  'edited' | 'removed' | 'not_chained' | 'chain_broken' | 'chain_truncated' | 'schema_changed' | 'chain_unverifiable';

export interface ChainFinding {
  problem: ChainProblem;
  table: string | null;
  rowId: number | null;
  seq: number | null;
  /**
   * schema_changed: the object that differs from the schema our migrations build ('extra trigger x');
   * chain_unverifiable: what could not be checked, and why.
   */
  detail?: string;
}

export interface ChainVerdict {
  ok: boolean;
  kind: 'start' | 'full';
  /** Entries whose MAC was checked, rows whose content was compared. */
  entries: number;
  rows: number;
  head: number;
  ms: number;
  finding: ChainFinding | null;
}

class Found extends Error {
  constructor(readonly finding: ChainFinding) {
    super(finding.problem);
  }
}

interface Checkpoint {
  seq: number;
  mac: Buffer | null;
}

function checkTag(key: Buffer, c: { kind: string; ok: number; seq: number; mac: Buffer | null; at: string }): Buffer {
  return chainHmac(
    key,
    Buffer.concat([Buffer.from(`checkpoint\0${c.kind}\0${c.ok}\0${c.seq}\0${c.at}\0`), c.mac ?? ZERO_MAC]),
  );
}

/** The last check whose tag holds: a checkpoint if it passed; a failed one makes the next start check a full one. */
function lastCheck(db: Db, key: Buffer): { ok: boolean; cp: Checkpoint } | null {
  const rows = db.prepare('SELECT kind, ok, seq, mac, at, tag FROM chain_checks ORDER BY id DESC LIMIT 20').all() as {
    kind: unknown;
    ok: unknown;
    seq: unknown;
    mac: unknown;
    at: unknown;
    tag: unknown;
  }[];
  for (const r of rows) {
    // Written around the table's types and checks (text where a blob belongs, a short tag): no checkpoint at
    // all, so the start check runs in full; never a crash.
    if (
      (r.kind !== 'start' && r.kind !== 'full') ||
      (r.ok !== 0 && r.ok !== 1) ||
      typeof r.seq !== 'number' ||
      !Number.isSafeInteger(r.seq) ||
      r.seq < 0 ||
      !(r.mac === null || (Buffer.isBuffer(r.mac) && r.mac.length === 32)) ||
      typeof r.at !== 'string' ||
      !Buffer.isBuffer(r.tag) ||
      r.tag.length !== 32
    )
      return null;
    const c = { kind: r.kind, ok: r.ok, seq: r.seq, mac: r.mac, at: r.at };
    if (timingSafeEqual(r.tag, checkTag(key, c))) return { ok: c.ok === 1, cp: { seq: c.seq, mac: c.mac } };
  }
  return null;
}

/** MACs from `from` (exclusive) to the head; entries must be numbered without gaps. */
function verifyMacs(db: Db, key: Buffer, from: Checkpoint): number {
  let prev = from.mac;
  let expected = from.seq + 1;
  let n = 0;
  for (const r of db
    .prepare('SELECT seq, tbl, op, row_id, digest, mac FROM chain_entries WHERE seq > ? ORDER BY seq')
    .raw()
    .iterate(from.seq) as IterableIterator<[number, string, string, number, Buffer, Buffer]>) {
    const [seq, tbl, op, rowId, digest, mac] = r;
    // A seal written around its CHECK (PRAGMA ignore_check_constraints) may be text or short: broken, not a crash.
    if (
      seq !== expected ||
      !Buffer.isBuffer(digest) ||
      !Buffer.isBuffer(mac) ||
      digest.length !== 32 ||
      !entryMac(key, prev, seq, String(tbl), String(op), Number(rowId), digest).equals(mac)
    )
      throw new Found({ problem: 'chain_broken', table: tbl, rowId, seq: expected });
    prev = mac;
    expected++;
    n++;
  }
  return n;
}

/** Every row of one table against its last chained entry (a merge of two ordered scans). */
function verifyTableRows(db: Db, table: string): number {
  const chained = db
    .prepare('SELECT row_id, op, digest, max(seq) FROM chain_entries WHERE tbl = ? GROUP BY row_id ORDER BY row_id')
    .raw()
    .iterate(table) as IterableIterator<[number, string, Buffer, number]>;
  const rows = db
    .prepare(`SELECT rowid AS _rid, * FROM ${q(table)} ORDER BY rowid`)
    .raw()
    .iterate() as IterableIterator<unknown[]>;
  let e = chained.next();
  let r = rows.next();
  let n = 0;
  try {
    while (!r.done || !e.done) {
      const rowId = r.done ? Infinity : Number(r.value[0]);
      const entryRow = e.done ? Infinity : e.value[0];
      if (entryRow < rowId) {
        const [id, op, , seq] = e.value as [number, string, Buffer, number];
        if (op !== 'D') throw new Found({ problem: 'removed', table, rowId: id, seq });
        e = chained.next();
        continue;
      }
      n++;
      if (entryRow > rowId) throw new Found({ problem: 'not_chained', table, rowId, seq: null });
      const [, op, digest, seq] = e.value as [number, string, Buffer, number];
      if (op === 'D') throw new Found({ problem: 'not_chained', table, rowId, seq });
      if (!digest.equals(rowDigest((r.value as unknown[]).slice(1))))
        throw new Found({ problem: 'edited', table, rowId, seq });
      e = chained.next();
      r = rows.next();
    }
  } finally {
    chained.return?.();
    rows.return?.();
  }
  return n;
}

/** The rows changed since `seq`, and rows beyond the highest rowid the chain has seen in each table. */
function verifyRecentRows(db: Db, since: number): number {
  const tables = new Set(coveredTables(db));
  const last = db.prepare(
    'SELECT op, digest, seq FROM chain_entries WHERE tbl = ? AND row_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const reads = new Map<string, ReturnType<Db['prepare']>>();
  let n = 0;
  const changed = db.prepare('SELECT DISTINCT tbl, row_id FROM chain_entries WHERE seq > ?').raw().all(since) as [
    string,
    number,
  ][];
  for (const [table, rowId] of changed) {
    if (!tables.has(table)) continue;
    n++;
    const e = last.get(table, rowId) as { op: string; digest: Buffer; seq: number };
    let read = reads.get(table);
    if (!read) reads.set(table, (read = db.prepare(`SELECT * FROM ${q(table)} WHERE rowid = ?`).raw()));
    const row = read.get(rowId) as unknown[] | undefined;
    if (e.op === 'D') {
      if (row) throw new Found({ problem: 'not_chained', table, rowId, seq: e.seq });
    } else if (!row) throw new Found({ problem: 'removed', table, rowId, seq: e.seq });
    else if (!e.digest.equals(rowDigest(row))) throw new Found({ problem: 'edited', table, rowId, seq: e.seq });
  }
  for (const table of tables) {
    const max = db.prepare('SELECT max(row_id) FROM chain_entries WHERE tbl = ?').pluck().get(table) as number | null;
    const beyond = db
      .prepare(`SELECT rowid FROM ${q(table)} WHERE rowid > ? ORDER BY rowid LIMIT 1`)
      .pluck()
      .get(max ?? -Infinity) as number | undefined;
    if (beyond !== undefined) throw new Found({ problem: 'not_chained', table, rowId: beyond, seq: null });
  }
  return n;
}

/** Records a check at the chain's head, tagged under the chain key (a passed one is the next checkpoint). */
function recordCheck(
  db: Db,
  kind: 'start' | 'full',
  ok: boolean,
  finding: ChainFinding | null,
  at: string,
  h: Head = head(db),
): void {
  const rec = { kind, ok: ok ? 1 : 0, seq: h.seq, mac: h.mac, at };
  db.prepare(
    'INSERT INTO chain_checks (kind, ok, seq, mac, at, finding, tag) VALUES (@kind, @ok, @seq, @mac, @at, @finding, @tag)',
  ).run({ ...rec, finding: finding ? JSON.stringify(finding) : null, tag: checkTag(keyOf(db), rec) });
}

const results = new WeakMap<Db, { verdict: ChainVerdict; at: string }>();

/**
 * Verifies the chain. 'start': MACs from the last checkpoint, the rows changed since, no unchained row beyond
 * the chain's reach (a full check instead when there is no checkpoint or the last recorded check failed).
 * 'full': every MAC from the first entry, every covered row. The verdict is kept for the connection (a failure
 * until a later check passes) and, unless the connection is read-only, recorded in chain_checks.
 */
export function verifyChain(db: Db, kind: 'start' | 'full', at: Date = new Date()): ChainVerdict {
  const key = keyOf(db);
  const t0 = performance.now();
  // The head as the verification saw it (read in its transaction): another connection may append meanwhile.
  let h: Head = { seq: 0, mac: null };
  let entries = 0;
  let rows = 0;
  let finding: ChainFinding | null = null;
  let ran: 'start' | 'full' = kind;
  try {
    h = head(db);
    const last = lastCheck(db, key);
    if (kind === 'start' && (!last || !last.ok)) ran = 'full';
    if (last && last.cp.seq > 0) {
      const entry = db.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(last.cp.seq) as
        Buffer | undefined;
      if (!entry) throw new Found({ problem: 'chain_truncated', table: null, rowId: null, seq: last.cp.seq });
      if (last.ok && last.cp.mac && !(Buffer.isBuffer(entry) && entry.equals(last.cp.mac)))
        throw new Found({ problem: 'chain_broken', table: null, rowId: null, seq: last.cp.seq });
    }
    db.transaction(() => {
      h = head(db);
      if (ran === 'start') {
        entries = verifyMacs(db, key, last!.cp);
        rows = verifyRecentRows(db, last!.cp.seq);
      } else {
        entries = verifyMacs(db, key, { seq: 0, mac: null });
        for (const table of coveredTables(db)) rows += verifyTableRows(db, table);
        verifyRunningTotals(db);
      }
      verifySchema(db);
    })();
  } catch (e) {
    // A page that cannot be read is damage, not a verdict on the content (database_damaged where it is read);
    // anything else that stops the check (a table dropped, a value of the wrong type) fails it.
    if (isPageDamage(e)) throw e;
    finding = e instanceof Found ? e.finding : unverifiable(e);
  }
  const verdict: ChainVerdict = {
    ok: finding === null,
    kind: ran,
    entries,
    rows,
    head: h.seq,
    ms: Math.round(performance.now() - t0),
    finding,
  };
  const iso = at.toISOString();
  results.set(db, { verdict, at: iso });
  if (!db.readonly) {
    try {
      recordCheck(db, ran, verdict.ok, finding, iso, h);
    } catch (e) {
      if (isPageDamage(e)) throw e;
      const code = String((e as { code?: unknown }).code ?? '');
      // Another writer holding the lock past the timeout, or a full, failing or read-only disk, costs only the
      // checkpoint (a full disk must not raise a tamper alarm that refuses settling); a record that cannot be
      // written for any other reason (chain_checks gone or altered) fails the check.
      const transient =
        code === 'SQLITE_BUSY' ||
        code === 'SQLITE_LOCKED' ||
        code === 'SQLITE_FULL' ||
        code.startsWith('SQLITE_IOERR') ||
        code.startsWith('SQLITE_READONLY');
      if (!transient && verdict.ok) {
        verdict.ok = false;
        verdict.finding = finding = unverifiable(e, 'the check could not be recorded');
        results.set(db, { verdict, at: iso });
      }
      console.error(`store integrity check (${ran}) could not be recorded: ${(e as Error).message}`);
    }
  }
  if (finding) console.error(`store integrity check (${ran}) failed: ${describeFinding(finding).en} (head ${h.seq})`);
  return verdict;
}

/** SQLITE_CORRUPT* or SQLITE_NOTADB: a page that does not read (or authenticate) under the key. */
export function isPageDamage(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

function unverifiable(e: unknown, what = 'the check could not run'): ChainFinding {
  const why = e instanceof Error ? e.message : String(e);
  return { problem: 'chain_unverifiable', table: null, rowId: null, seq: null, detail: `${what}: ${why}` };
}

/**
 * The running year-to-date totals (store/ytd-totals.ts) against the ledger they are derived from: a difference
 * fails the check like an edited row (money writes refused until IT restores), rather than being rebuilt quietly,
 * because a total that disagrees with a chained ledger means a write the app did not make (or a fault in it).
 */
function verifyRunningTotals(db: Db): void {
  const has = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ytd_totals'").pluck();
  if (has.get() === 0) return;
  const d = totalsDifference(db);
  if (d) throw new Found({ problem: 'edited', table: 'ytd_totals', rowId: d.rowId, seq: null, detail: d.detail });
}

/** sqlite_master against the schema our migrations build at the store's version: every table, index, trigger, view. */
function verifySchema(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const d = schemaDifference(db, version);
  if (d)
    throw new Found({
      problem: 'schema_changed',
      table: null,
      rowId: null,
      seq: null,
      detail: `${d.change} ${d.type} ${d.name}`,
    });
}

/** What a finding means, in both languages (the status bar's message, a refused backup). */
export function describeFinding(f: ChainFinding): { zh: string; en: string } {
  const where = f.table ? `${f.table} 第 ${f.rowId} 行` : `链记录 ${f.seq}`;
  const whereEn = f.table ? `${f.table} row ${f.rowId}` : `chain entry ${f.seq}`;
  switch (f.problem) {
    case 'edited':
      return {
        zh: `${where}的内容被改动（与链上记录不符）`,
        en: `${whereEn} was edited (it does not match its chained digest)`,
      };
    case 'removed':
      return { zh: `${where}被删除`, en: `${whereEn} was removed` };
    case 'not_chained':
      return {
        zh: `${where}不在校验链上（绕过程序写入，或链尾被删）`,
        en: `${whereEn} is not chained (written around the app, or the chain's tail was deleted)`,
      };
    case 'chain_broken':
      return {
        zh: `校验链在第 ${f.seq} 条处断开（${where}）`,
        en: `the chain is broken at entry ${f.seq} (${whereEn})`,
      };
    case 'chain_truncated':
      return { zh: `校验链在第 ${f.seq} 条之后被截断`, en: `the chain was cut short: entry ${f.seq} is gone` };
    case 'schema_changed': {
      const [change = '', type = '', ...name] = (f.detail ?? '').split(' ');
      const zhChange = { extra: '多出', missing: '缺少', changed: '改动了' }[change] ?? change;
      const zhType = { table: '数据表', index: '索引', trigger: '触发器', view: '视图' }[type] ?? type;
      return {
        zh: `数据库结构与本程序不符：${zhChange}${zhType} ${name.join(' ')}`,
        en: `the database's schema differs from the app's: ${f.detail ?? '?'}`,
      };
    }
    case 'chain_unverifiable':
      return {
        zh: `校验无法完成（${f.detail ?? '?'}）`,
        en: `the check could not be completed (${f.detail ?? '?'})`,
      };
  }
}

const WHAT_TO_DO_ZH =
  '请主管联系信息科：用最近一份校验通过的备份恢复（见 README「Restore (IT)」：安装版运行 DischargeDesk --restore --data <数据目录> --from <备份文件> --yes，源码版运行 npm run -s desk -- restore --data <数据目录> --from <备份文件>），并核对此后的收费记录。在此之前只能查询和补打，不能收费、冲销、申报或日结。';
const WHAT_TO_DO_EN =
  "The supervisor should call the hospital IT: restore the latest backup that verified (README, 'Restore (IT)': DischargeDesk --restore --data <data folder> --from <backup file> --yes for an installed app, npm run -s desk -- restore --data <data folder> --from <backup file> from source) and check the records since. Until then the window can look up and reprint, but not settle, reverse, claim or close the day.";

/** The DeskError a refused write carries, naming the first bad entry and what to do. */
export function integrityError(finding: ChainFinding): DeskError {
  const d = describeFinding(finding);
  return new DeskError(
    'integrity_failed',
    '',
    `数据被改动，校验未通过：${d.zh}。${WHAT_TO_DO_ZH}`,
    `the store's data was changed outside the app and does not verify: ${d.en}. ${WHAT_TO_DO_EN}`,
  );
}

/** Refuses a write of money (settle, reverse, claims, day close) while the store's last check failed. */
export function assertIntact(db: Db): void {
  const r = results.get(db);
  if (r && !r.verdict.ok) throw integrityError(r.verdict.finding!);
}

/** A full verification that throws integrity_failed (before a backup, at day close). */
export function requireFullVerification(db: Db, at?: Date): ChainVerdict {
  const v = verifyChain(db, 'full', at);
  if (!v.ok) throw integrityError(v.finding!);
  return v;
}

/**
 * A full verification of a connection the app did not open (a backup file opened read-only with openKeyed, for
 * restore's checks): registers the chain's functions under `key` (chainKey(master)) and checks every entry and
 * row; nothing is recorded on a read-only connection. A file from before schema 13 has no chain to check.
 */
export function verifyChainWith(db: Db, key: Buffer, at?: Date): ChainVerdict | null {
  const has = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'chain_entries'").pluck();
  if (has.get() === 0) return null;
  registerChain(db, key);
  return verifyChain(db, 'full', at);
}

/** For the status bar: null before any check on this connection. */
export function integrityStatus(db: Db): IntegrityStatus | null {
  const r = results.get(db);
  if (!r) return null;
  const { verdict } = r;
  if (verdict.ok) return { ok: true, checked_at: r.at, kind: verdict.kind, head: verdict.head };
  const f = verdict.finding!;
  const e = integrityError(f);
  return {
    ok: false,
    checked_at: r.at,
    kind: verdict.kind,
    head: verdict.head,
    problem: f.problem,
    table: f.table,
    row_id: f.rowId,
    seq: f.seq,
    message: e.body.message,
    message_en: e.body.message_en,
  };
}
