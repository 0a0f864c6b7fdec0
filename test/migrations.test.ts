/** Each numbered migration, applied to the database state before it. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, SCHEMA_VERSION } from '../electron/worker/store/db.js';
import { MIGRATIONS } from '../electron/worker/store/migrations/index.js';

const names = (db: Database.Database, type: string) =>
  (db.prepare('SELECT name FROM sqlite_master WHERE type = ? ORDER BY name').all(type) as { name: string }[]).map(
    (r) => r.name,
  );

describe('migrations', () => {
  it('are numbered in order and the schema version is their count', () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(
      MIGRATIONS.map((_, i) => `${String(i + 1).padStart(4, '0')}-${MIGRATIONS[i]!.name.slice(5)}`),
    );
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('0001-initial creates the money tables with their guards, on an empty database', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(names(db, 'table')).toEqual(
      [
        'attachments',
        'audit_log',
        'day_closes',
        'ledger',
        'manual_claim_invoices',
        'manual_claims',
        'operators',
        'outbox',
        'person_snapshots',
        'persons',
        'reprints',
        'rule_packages',
        'sequences',
        'settlement_funds',
        'settlements',
        'terminal',
      ].sort(),
    );
    expect(names(db, 'trigger')).toEqual(
      [
        'audit_log_immutable',
        'audit_log_kept',
        'ledger_immutable',
        'ledger_kept',
        'outbox_kept',
        'settlement_funds_immutable',
        'settlement_funds_kept',
        'settlements_day_open',
        'settlements_immutable',
        'settlements_kept',
      ].sort(),
    );
    // Amount columns are TEXT so SQLite never turns them into binary floats.
    const amountTypes = (
      db
        .prepare(
          "SELECT type FROM pragma_table_info('settlements') WHERE name IN ('medfee_sumamt', 'fund_pay_sumamt', 'psn_cash_pay')",
        )
        .all() as { type: string }[]
    ).map((r) => r.type);
    expect(amountTypes).toEqual(['TEXT', 'TEXT', 'TEXT']);
  });

  it('0002-slips adds the stay column (existing settlements get "{}") and the slip archive table', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 1);
    db.exec(`INSERT INTO operators (id, code, name, role, pin_hash, created_at) VALUES (1, 'c', 'c', 'cashier', 'x', 't');
             INSERT INTO persons (id, id_hash, id_cipher, id_masked, name, created_at) VALUES (1, 'h', x'00', 'm', 'n', 't');
             INSERT INTO settlements (number, kind, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
               admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result)
             VALUES ('T01-S20260101-000001', 'settlement', 1, 1, '2026-01-01', 't', 'dazhou', '2023.2', 0, 3, '2026-01-01', '2026-01-01', '1.00', '0.00', '1.00', '{}', '{}');`);
    migrate(db, 1, 2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT stay FROM settlements').get()).toEqual({ stay: '{}' });
    expect(names(db, 'table')).toContain('slip_prints');
    db.prepare(
      "INSERT INTO slip_prints (settlement_id, kind, layout, pdf_path, pdf_sha256, operator_id, printed_at) VALUES (1, 'original', 'a5', 'p', ?, 1, 't')",
    ).run('0'.repeat(64));
    expect(() => db.prepare('DELETE FROM slip_prints').run()).toThrow(/never deleted/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO slip_prints (settlement_id, kind, layout, pdf_path, pdf_sha256, operator_id, printed_at) VALUES (1, 'copy', 'a5', 'p', ?, 1, 't')",
        )
        .run('0'.repeat(64)),
    ).toThrow(/CHECK/);
  });

  it('0003-history-index gives date-range searches by status an index', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 3);
    const plan = (
      db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT s.id FROM settlements s WHERE s.kind = 'reversal' AND s.settled_at >= ? AND s.settled_at < ?",
        )
        .all('a', 'b') as { detail: string }[]
    )
      .map((r) => r.detail)
      .join(' ');
    expect(plan).toContain('settlements_kind_settled_at_cover');
  });

  it('0004-sync adds insurer answers, adjustments (open → resolved only), rule refusals and the sync state', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 3);
    db.exec(`INSERT INTO operators (id, code, name, role, pin_hash, created_at) VALUES (1, 's', 's', 'supervisor', 'x', 't');
             INSERT INTO outbox (id, kind, ref_id, idempotency_key, payload, created_at, updated_at) VALUES (1, 'settlement', 1, 'T01-S20260320-000001', '{}', 't', 't');`);
    migrate(db, 3, 4);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(names(db, 'table')).toEqual(
      expect.arrayContaining(['outbox_answers', 'adjustments', 'rule_refusals', 'sync_state']),
    );
    expect(db.prepare('SELECT held_reason FROM outbox').get()).toEqual({ held_reason: null });
    expect(db.prepare('SELECT failures, last_success_at FROM sync_state').get()).toEqual({
      failures: 0,
      last_success_at: null,
    });
    const amountTypes = (
      db.prepare("SELECT type FROM pragma_table_info('adjustments') WHERE name LIKE '%difference%'").all() as {
        type: string;
      }[]
    ).map((r) => r.type);
    expect(amountTypes).toEqual(['TEXT', 'TEXT', 'TEXT', 'TEXT']);
    db.exec(`INSERT INTO outbox_answers (outbox_id, status, claim_id, answer, answered_at, recorded_at) VALUES (1, 'adjusted', 'C1', '{}', 't', 't');
             INSERT INTO adjustments (outbox_id, kind, number, claim_id, terminal_amounts, insurer_amounts, medfee_difference, fund_pay_difference, psn_cash_difference, fund_differences, reasons, message, created_at)
             VALUES (1, 'settlement', 'T01-S20260320-000001', 'C1', '{}', '{}', '0.00', '-3155.96', '3155.96', '{}', '[]', 'm', 't');`);
    expect(() => db.prepare("UPDATE outbox_answers SET status = 'accepted'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM outbox_answers').run()).toThrow(/never deleted/);
    expect(() => db.prepare("UPDATE adjustments SET fund_pay_difference = '0.00'").run()).toThrow(/open to resolved/);
    expect(() => db.prepare("UPDATE adjustments SET status = 'resolved'").run()).toThrow(/CHECK/);
    db.prepare(
      "UPDATE adjustments SET status = 'resolved', resolved_by = 1, resolved_at = 't2', note = '已补收'",
    ).run();
    expect(() => db.prepare("UPDATE adjustments SET note = 'changed'").run()).toThrow(/open to resolved/);
    expect(() => db.prepare('DELETE FROM adjustments').run()).toThrow(/never deleted/);
  });

  it('0006-fee-lines adds the stay mdtrt_id (existing settlements get NULL) and the immutable fee-line table', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 5);
    db.exec(`INSERT INTO operators (id, code, name, role, pin_hash, created_at) VALUES (1, 'c', 'c', 'cashier', 'x', 't');
             INSERT INTO persons (id, id_hash, id_cipher, id_masked, name, created_at) VALUES (1, 'h', x'00', 'm', 'n', 't');
             INSERT INTO settlements (number, kind, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
               admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result)
             VALUES ('T01-S20260101-000001', 'settlement', 1, 1, '2026-01-01', 't', 'dazhou', '2023.2', 0, 3, '2026-01-01', '2026-01-01', '1.00', '0.00', '1.00', '{}', '{}');`);
    migrate(db, 5, 6);
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    expect(db.prepare('SELECT mdtrt_id FROM settlements').get()).toEqual({ mdtrt_id: null });
    expect(names(db, 'table')).toContain('settlement_fee_lines');
    expect(names(db, 'trigger')).toEqual(
      expect.arrayContaining(['settlement_fee_lines_immutable', 'settlement_fee_lines_kept']),
    );
    // Amounts, counts and prices are TEXT: never binary floats.
    const types = db
      .prepare(
        "SELECT name, type FROM pragma_table_info('settlement_fee_lines') WHERE name IN ('cnt', 'pric', 'det_item_fee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt')",
      )
      .all() as { type: string }[];
    expect(types.map((t) => t.type)).toEqual(Array(6).fill('TEXT'));
    const insert = db.prepare(
      `INSERT INTO settlement_fee_lines (settlement_id, feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, name, cnt, pric,
         det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, bilg_dept_codg, bilg_dept_name)
       VALUES (1, ?, '2026-01-01 08:00:00', 'M', 'H', '床位费', '1', '120', '120.00', '0.00', '0.00', '0.00', 'A03', '内科')`,
    );
    insert.run('F1');
    expect(db.prepare('SELECT init_feedetl_sn, bilg_dr_codg, cnt FROM settlement_fee_lines').get()).toEqual({
      init_feedetl_sn: '',
      bilg_dr_codg: '',
      cnt: '1',
    });
    expect(() => insert.run('F1')).toThrow(/UNIQUE/);
    expect(() => insert.run('')).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE settlement_fee_lines SET cnt = '2'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM settlement_fee_lines').run()).toThrow(/never deleted/);
    expect(() => db.prepare("UPDATE settlements SET mdtrt_id = 'MD1'").run()).toThrow(/immutable/);
  });

  it('opening an up-to-date database applies nothing again', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'desk-mig-')), 'desk.sqlite');
    const key = randomBytes(32);
    openDatabase(path, key).close();
    const db = openDatabase(path, key);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(names(db, 'table')).toContain('settlements');
    db.close();
  });

  it('a failing migration leaves the database at the version before it', () => {
    const db = new Database(':memory:');
    migrate(db, 0, 1);
    const broken = [
      MIGRATIONS[0]!,
      { name: '0002-broken', sql: 'CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1);' },
    ];
    expect(() => migrate(db, 1, 2, broken)).toThrow(/no such table: nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(names(db, 'table')).not.toContain('extra');
  });
});
