/**
 * Issue 16, item 1: the keyed chain (electron/worker/store/chain.ts) against an attacker who has the data folder,
 * the key file and the sqlite3 CLI. Real store files; the attacker's connection is openStoreFile's raw keyed
 * connection, which (like the CLI) has no chain functions.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeskError } from '../shared/errors.js';
import {
  CHAIN_EXCLUDED,
  assertIntact,
  chainHead,
  chainHmac,
  chainedColumns,
  coveredTables,
  rowDigest,
  integrityStatus,
  tableColumns,
  verifyChain,
} from '../electron/worker/store/chain.js';
import type { Db } from '../electron/worker/store/db.js';
import { openDeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { testPlatform } from './test-platform.js';
import type { DeskService } from '../electron/worker/services/desk-service.js';
import {
  dazhouPerson,
  example1Bill,
  makeStore,
  openStoreFile,
  previewed,
  refusal,
  withTriggersDropped,
  type TestStore,
} from './store-support.js';

async function refusalAsync(f: () => Promise<unknown>): Promise<DeskError['body']> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A store with a few settlements (and their outbox rows, ledger, audit entries). */
function storeWithSettlements(n = 3): TestStore & { settlementIds: number[] } {
  const s = makeStore();
  const settlementIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson(i + 1));
    settlementIds.push(s.service.settlements.settle(s.cashier, example1Bill(person_id)).id);
  }
  return { ...s, settlementIds };
}

/** What the attacker does: the app closed, the CLI's connection, then the app started again. */
function asAttacker(s: TestStore, service: DeskService, work: (raw: Db) => void): DeskService {
  service.db.close();
  const raw = openStoreFile(s.dbPath);
  try {
    work(raw);
  } finally {
    raw.close();
  }
  return s.reopen();
}

describe('coverage', () => {
  it('covers every table of the schema, every column, or excludes it with a reason', () => {
    const s = makeStore();
    const db = s.service.db;
    const all = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const t of Object.keys(CHAIN_EXCLUDED)) {
      expect(all).toContain(t);
      expect(CHAIN_EXCLUDED[t]!.length).toBeGreaterThan(20);
    }
    const covered = coveredTables(db);
    expect(covered.length + Object.keys(CHAIN_EXCLUDED).length).toBe(all.length);
    for (const t of covered) {
      expect(chainedColumns(db, t), t).toEqual(tableColumns(db, t));
      for (const suffix of ['ai', 'au', 'ad'])
        expect(
          db
            .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?")
            .pluck()
            .get(`chain_${t}_${suffix}`),
          `chain_${t}_${suffix}`,
        ).toBe(1);
    }
    for (const t of ['settlements', 'outbox', 'outbox_answers', 'operators', 'sync_state', 'day_closes', 'audit_log'])
      expect(covered).toContain(t);
  });

  it('chains the rows already there when the store is upgraded (genesis), and verifies from the first start', () => {
    const s = storeWithSettlements(2);
    const v = verifyChain(s.service.db, 'full');
    expect(v).toMatchObject({ ok: true, kind: 'full' });
    expect(v.rows).toBeGreaterThan(10);
    expect(chainHead(s.service.db).seq).toBe(v.head);
  });
});

it('digests a row the same by its fast path (no BLOB) and its general (BLOB-capable) form', () => {
  /** The general form's bytes, value by value (what rowDigest hashes when a row holds a BLOB). */
  const general = (values: readonly unknown[]): Buffer => {
    const h = createHash('sha256');
    for (const v of values) {
      if (v === null) h.update('n\0');
      else if (Buffer.isBuffer(v)) h.update(`b${v.length}\0`).update(v);
      else if (typeof v === 'bigint') h.update(`i${v.toString()}\0`);
      else if (typeof v === 'number') h.update(`f${String(v)}\0`);
      else h.update(`s${Buffer.byteLength(String(v))}\0`).update(String(v));
    }
    return h.digest();
  };
  const values = ['李收费', 12.5, null, 7, 1e21, -0.1, 2n ** 63n - 1n, '', 'x\u0000y'];
  // The fast path (no BLOB) and the general form over the same row.
  expect(rowDigest(values).equals(general(values))).toBe(true);
  // The same row with a BLOB (and REALs) takes the general path: still the same bytes, value by value.
  const withBlob = [Buffer.from([0, 1, 2, 0xff]), ...values, Buffer.alloc(0)];
  expect(rowDigest(withBlob).equals(general(withBlob))).toBe(true);
  // Type and length are in the digest: a BLOB is not the text of its bytes, 1 is not '1'.
  expect(rowDigest([Buffer.from('ab')]).equals(rowDigest(['ab']))).toBe(false);
  expect(rowDigest([1]).equals(rowDigest(['1']))).toBe(false);
  expect(rowDigest([null]).equals(rowDigest(['']))).toBe(false);
});

it('computes HMAC-SHA256 as createHmac does', () => {
  for (const len of [0, 1, 55, 56, 64, 200]) {
    const key = randomBytes(32);
    const message = randomBytes(len);
    expect(chainHmac(key, message).equals(createHmac('sha256', key).update(message).digest())).toBe(true);
  }
});

describe('a clean store', () => {
  it('verifies after hundreds of settlements and reversals (some 1,700 row changes), at start and in full, and again after a reopen', () => {
    const s = makeStore();
    const persons: number[] = [];
    for (let i = 0; i < 20; i++) persons.push(s.service.persons.record(s.cashier, dazhouPerson(i + 1)).person_id);
    const settled: string[] = [];
    for (let i = 0; i < 200; i++)
      settled.push(s.service.settlements.settle(s.cashier, example1Bill(persons[i % 20]!)).number);
    for (let i = 0; i < 20; i++)
      s.service.settlements.reverse(s.supervisor, { number: settled[i]!, reason: '测试冲销' });
    const full = verifyChain(s.service.db, 'full');
    expect(full).toMatchObject({ ok: true, finding: null });
    expect(full.entries).toBeGreaterThan(1500);
    const again = s.reopen();
    expect(integrityStatus(again.db)).toMatchObject({ ok: true, kind: 'start' });
    expect(verifyChain(again.db, 'start')).toMatchObject({ ok: true, kind: 'start', entries: 0 });
    const { person_id } = again.persons.record(
      again.operators.login({ code: 'cash1', pin: '135790' }),
      dazhouPerson(77),
    );
    expect(person_id).toBeGreaterThan(0);
    expect(verifyChain(again.db, 'full').ok).toBe(true);
  });
});

describe('the attacker with the key and the sqlite3 CLI', () => {
  it('cannot write a covered table without dropping its triggers: operators.role, locked_until, outbox.status', () => {
    const s = storeWithSettlements(1);
    s.service.db.close();
    const raw = openStoreFile(s.dbPath);
    try {
      expect(() => raw.prepare("UPDATE operators SET role = 'supervisor' WHERE code = 'cash1'").run()).toThrow(
        /no such function: chain_seal/,
      );
      expect(() =>
        raw.prepare("UPDATE operators SET locked_until = '2000-01-01T00:00:00Z' WHERE code = 'cash1'").run(),
      ).toThrow(/no such function/);
      expect(() => raw.prepare("UPDATE outbox SET status = 'accepted'").run()).toThrow(/no such function/);
      expect(() => raw.prepare('DELETE FROM audit_log').run()).toThrow(/append-only|no such function/);
    } finally {
      raw.close();
    }
    expect(verifyChain(s.reopen().db, 'full').ok).toBe(true);
  });

  it('operators.role edited with the triggers dropped and put back: found, settling refused', () => {
    const s = storeWithSettlements(1);
    const cashier = s.service.db.prepare("SELECT id FROM operators WHERE code = 'cash1'").pluck().get() as number;
    const app = asAttacker(s, s.service, (raw) =>
      withTriggersDropped(raw, 'operators', () =>
        raw.prepare("UPDATE operators SET role = 'supervisor' WHERE id = ?").run(cashier),
      ),
    );
    const v = verifyChain(app.db, 'full');
    expect(v.finding).toMatchObject({ problem: 'edited', table: 'operators', rowId: cashier });
  });

  it('operators.locked_until edited with the triggers dropped: found', () => {
    const s = storeWithSettlements(1);
    const app = asAttacker(s, s.service, (raw) =>
      withTriggersDropped(raw, 'operators', () =>
        raw.prepare("UPDATE operators SET locked_until = '2099-01-01T00:00:00Z' WHERE code = 'sup1'").run(),
      ),
    );
    expect(verifyChain(app.db, 'full').finding).toMatchObject({ problem: 'edited', table: 'operators' });
  });

  it('outbox.status edited with the triggers dropped: found', () => {
    const s = storeWithSettlements(2);
    const outboxId = s.service.db.prepare('SELECT min(id) FROM outbox').pluck().get() as number;
    const app = asAttacker(s, s.service, (raw) =>
      withTriggersDropped(raw, 'outbox', () =>
        raw.prepare("UPDATE outbox SET status = 'accepted' WHERE id = ?").run(outboxId),
      ),
    );
    expect(verifyChain(app.db, 'full').finding).toMatchObject({ problem: 'edited', table: 'outbox', rowId: outboxId });
  });

  it("DROP TRIGGER + UPDATE settlements SET psn_cash_pay='0.00' + CREATE TRIGGER: the settlement is named; settle, reverse, day close and backup refused", async () => {
    const s = storeWithSettlements(3);
    const target = s.settlementIds[1]!;
    const number = s.service.db.prepare('SELECT number FROM settlements WHERE id = ?').pluck().get(target) as string;
    const app = asAttacker(s, s.service, (raw) =>
      withTriggersDropped(raw, 'settlements', () =>
        raw.prepare("UPDATE settlements SET psn_cash_pay = '0.00' WHERE id = ?").run(target),
      ),
    );
    // The start check (checkpoint + rows changed since) cannot see an old row edited around the triggers; the
    // full check (before every backup, at day close) does.
    const full = verifyChain(app.db, 'full');
    expect(full).toMatchObject({ ok: false, finding: { problem: 'edited', table: 'settlements', rowId: target } });
    const status = integrityStatus(app.db);
    expect(status).toMatchObject({ ok: false, problem: 'edited', table: 'settlements', row_id: target });
    expect(status && !status.ok && status.message).toMatch(/settlements 第 \d+ 行的内容被改动.*请主管联系信息科/);

    const cashier = app.operators.login({ code: 'cash1', pin: '135790' });
    const supervisor = app.operators.login({ code: 'sup1', pin: '246810' });
    const { person_id } = app.persons.record(cashier, dazhouPerson(9));
    const settle = refusal(() => app.settlements.settle(cashier, example1Bill(person_id)));
    expect(settle).toMatchObject({ code: 'integrity_failed' });
    expect(settle.message_en).toMatch(/settlements row \d+ was edited.*restore the latest backup that verified/);
    expect(refusal(() => app.settlements.reverse(supervisor, { number, reason: '测试' })).code).toBe(
      'integrity_failed',
    );
    expect(refusal(() => app.day.close(supervisor, { operator_code: 'cash1', business_date: '2026-03-20' })).code).toBe(
      'integrity_failed',
    );
    const folder = mkdtempSync(join(tmpdir(), 'desk-backups-'));
    const backup = await refusalAsync(() => app.backups.run(supervisor, folder));
    expect(backup.code).toBe('integrity_failed');
    // Reading goes on: history and slips still work.
    expect(app.db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(3);

    // The failure was recorded: the next start runs the full check again, instead of trusting its checkpoint.
    app.db.close();
    const next = s.reopen();
    expect(integrityStatus(next.db)).toMatchObject({ ok: false, kind: 'full', table: 'settlements' });
    expect(() => assertIntact(next.db)).toThrow(/does not verify/);
  });

  it('an audit row edited and its SHA-256 chain recomputed without the key: verifyAudit passes, the keyed chain does not', () => {
    const s = storeWithSettlements(2);
    const target = s.service.db
      .prepare("SELECT id FROM audit_log WHERE action = 'settlement.settle' ORDER BY id LIMIT 1")
      .pluck()
      .get() as number;
    const app = asAttacker(s, s.service, (raw) =>
      withTriggersDropped(raw, 'audit_log', () => {
        raw.prepare("UPDATE audit_log SET detail = '{}' WHERE id = ?").run(target);
        // Re-chain audit_log's unkeyed hashes from the edited row on (store/audit.ts's formula).
        const rows = raw.prepare('SELECT * FROM audit_log WHERE id >= ? ORDER BY id').all(target) as {
          id: number;
          at: string;
          operator_id: number | null;
          action: string;
          entity: string;
          entity_id: string | null;
          detail: string;
        }[];
        let prev = raw
          .prepare('SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1')
          .pluck()
          .get(target) as string;
        for (const r of rows) {
          const canonical = JSON.stringify([r.at, r.operator_id, r.action, r.entity, r.entity_id, r.detail]);
          const hash = createHash('sha256').update(prev).update('\n').update(canonical).digest('hex');
          raw.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, r.id);
          prev = hash;
        }
      }),
    );
    expect(app.verifyAudit().ok).toBe(true);
    expect(verifyChain(app.db, 'full').finding).toMatchObject({ problem: 'edited', table: 'audit_log', rowId: target });
  });

  it("the chain's tail deleted while the rows stay: found at the next start (row not chained)", () => {
    const s = storeWithSettlements(2);
    // A checkpoint now; two more settlements after it.
    let app = s.reopen();
    s.service.db.close();
    const cashier = app.operators.login({ code: 'cash1', pin: '135790' });
    for (let i = 0; i < 2; i++) {
      const { person_id } = app.persons.record(cashier, dazhouPerson(20 + i));
      app.settlements.settle(cashier, example1Bill(person_id));
    }
    const head = chainHead(app.db).seq;
    app = asAttacker(s, app, (raw) => {
      raw.exec('DROP TRIGGER chain_entries_kept');
      raw.prepare('DELETE FROM chain_entries WHERE seq > ?').run(head - 6);
      raw.exec(
        "CREATE TRIGGER chain_entries_kept BEFORE DELETE ON chain_entries BEGIN SELECT RAISE(ABORT, 'chain entries are never deleted'); END;",
      );
    });
    const status = integrityStatus(app.db);
    expect(status).toMatchObject({ ok: false, kind: 'start', problem: 'not_chained' });
    expect(status && !status.ok && status.message_en).toMatch(/is not chained/);
    expect(verifyChain(app.db, 'full').ok).toBe(false);
    const again = app.operators.login({ code: 'cash1', pin: '135790' });
    expect(refusal(() => app.settlements.settle(again, example1Bill(1))).code).toBe('integrity_failed');
  });

  it('the chain cut back beyond the last checkpoint: refused at start by the anchor; the chain check finds it where no anchor is kept', () => {
    const s = storeWithSettlements(2);
    const app = s.reopen(); // checkpoint (and anchor) at the head
    const head = chainHead(app.db).seq;
    s.service.db.close();
    const refused = refusal(() =>
      asAttacker(s, app, (raw) => {
        raw.exec('DROP TRIGGER chain_entries_kept');
        raw.prepare('DELETE FROM chain_entries WHERE seq > ?').run(head - 3);
      }),
    );
    expect(refused.code).toBe('database_behind_anchor');
    expect(refused.message_en).toContain(`chain ends at entry ${head - 3}, while this terminal recorded entry ${head}`);
    // Without the anchor (lost with the key storage) the chain's own start check still finds the cut (the refused
    // open stopped before any check ran, so the checkpoint at the old head is still there).
    rmSync(s.keys.anchorFolder, { recursive: true });
    const next = s.reopen();
    expect(integrityStatus(next.db)).toMatchObject({ ok: false, kind: 'start', problem: 'chain_truncated', seq: head });
    expect(
      refusal(() => next.settlements.settle(next.operators.login({ code: 'cash1', pin: '135790' }), example1Bill(1)))
        .code,
    ).toBe('integrity_failed');
  });

  it('an entry forged without the key (a digest replaced to match an edited row): the MAC does not hold', () => {
    const s = storeWithSettlements(1);
    const target = s.settlementIds[0]!;
    const app = asAttacker(s, s.service, (raw) => {
      withTriggersDropped(raw, 'settlements', () =>
        raw.prepare("UPDATE settlements SET psn_cash_pay = '0.00' WHERE id = ?").run(target),
      );
      raw.exec('DROP TRIGGER chain_entries_immutable');
      const values = raw.prepare('SELECT * FROM settlements WHERE id = ?').raw().get(target) as unknown[];
      // The attacker can compute the unkeyed digest, not the MAC.
      const h = createHash('sha256');
      for (const v of values) {
        if (v === null) h.update('n\0');
        else if (typeof v === 'number') h.update(`f${String(v)}\0`);
        else {
          const b = Buffer.from(String(v), 'utf8');
          h.update(`s${b.length}\0`).update(b);
        }
      }
      const last = raw
        .prepare(
          "SELECT seq, seal FROM chain_entries WHERE seq = (SELECT max(seq) FROM chain_entries WHERE tbl = 'settlements' AND row_id = ?)",
        )
        .get(target) as { seq: number; seal: Buffer };
      raw
        .prepare('UPDATE chain_entries SET seal = ? WHERE seq = ?')
        .run(Buffer.concat([h.digest(), last.seal.subarray(32)]), last.seq);
    });
    expect(verifyChain(app.db, 'full').finding).toMatchObject({ problem: 'chain_broken', table: 'settlements' });
  });
});

describe('a check that cannot run, or a schema that is not ours', () => {
  /** The store reopened after `work` on the attacker's connection: its start check failed, settling refused. */
  function refusedAfter(work: (raw: Db) => void, problem: string) {
    const s = storeWithSettlements(1);
    const app = asAttacker(s, s.service, work);
    const status = integrityStatus(app.db);
    expect(status).toMatchObject({ ok: false, problem });
    const cashier = app.operators.login({ code: 'cash1', pin: '135790' });
    const { person_id } = app.persons.record(cashier, dazhouPerson(5));
    const settle = refusal(() => app.settlements.settle(cashier, example1Bill(person_id)));
    expect(settle.code).toBe('integrity_failed');
    return { app, status, settle };
  }

  const TEXT_TAG =
    "INSERT INTO chain_checks (kind, ok, seq, mac, at, tag) VALUES ('start', 1, 0, NULL, 'x', '0123456789abcdef0123456789abcdef')";

  it('a checkpoint whose tag is TEXT of 32 characters: taken for no checkpoint (a full check), never a TypeError', () => {
    const s = storeWithSettlements(1);
    const app = asAttacker(s, s.service, (raw) => raw.exec(TEXT_TAG));
    // No row was changed: the full check the start ran instead passes.
    expect(integrityStatus(app.db)).toMatchObject({ ok: true, kind: 'full' });
    expect(verifyChain(app.db, 'full').ok).toBe(true);
  });

  it('a TEXT tag to crash the checks, and a settlement edited around the triggers: found at the next start, settling refused', () => {
    const s = storeWithSettlements(2);
    const target = s.settlementIds[0]!;
    const app = asAttacker(s, s.service, (raw) => {
      withTriggersDropped(raw, 'settlements', () =>
        raw.prepare("UPDATE settlements SET psn_cash_pay = '0.00' WHERE id = ?").run(target),
      );
      raw.exec(TEXT_TAG);
    });
    expect(integrityStatus(app.db)).toMatchObject({ ok: false, kind: 'full', problem: 'edited', row_id: target });
    const cashier = app.operators.login({ code: 'cash1', pin: '135790' });
    const { person_id } = app.persons.record(cashier, dazhouPerson(5));
    expect(refusal(() => app.settlements.settle(cashier, example1Bill(person_id))).code).toBe('integrity_failed');
  });

  it('DROP TABLE chain_checks: the start check fails (not a crash), settling refused with integrity_failed', () => {
    const { status, settle } = refusedAfter((raw) => raw.exec('DROP TABLE chain_checks'), 'chain_unverifiable');
    expect(status && !status.ok && status.message_en).toMatch(/could not be completed.*chain_checks/);
    expect(settle.message_en).toMatch(/could not be completed/);
  });

  it('a trigger injected to ignore the PIN lockout: found at the next start, naming it; settling refused', () => {
    const { app, status } = refusedAfter(
      (raw) =>
        raw.exec(
          'CREATE TRIGGER x BEFORE UPDATE OF locked_until ON operators WHEN NEW.locked_until IS NOT NULL BEGIN SELECT RAISE(IGNORE); END;',
        ),
      'schema_changed',
    );
    expect(status && !status.ok && status.message_en).toMatch(/schema differs.*extra trigger x/);
    expect(status && !status.ok && status.message).toMatch(/多出触发器 x/);
    expect(verifyChain(app.db, 'full').finding).toMatchObject({ problem: 'schema_changed', detail: 'extra trigger x' });
  });

  it('an index dropped or a view added: found', () => {
    const s = storeWithSettlements(1);
    const index = s.service.db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name LIMIT 1")
      .get() as { name: string; sql: string };
    let app = asAttacker(s, s.service, (raw) => raw.exec(`DROP INDEX "${index.name}"`));
    expect(integrityStatus(app.db)).toMatchObject({ ok: false, problem: 'schema_changed' });
    expect(verifyChain(app.db, 'full').finding?.detail).toBe(`missing index ${index.name}`);
    app = asAttacker(s, app, (raw) => raw.exec(`${index.sql}; CREATE VIEW v AS SELECT 1`));
    expect(verifyChain(app.db, 'full').finding?.detail).toBe('extra view v');
    app = asAttacker(s, app, (raw) => raw.exec('DROP VIEW v'));
    expect(verifyChain(app.db, 'full').ok).toBe(true);
  });
});

describe('the app over a tampered store', () => {
  it('the daily backup verifies in full and refuses; the status bar shows it; the window refuses to settle', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-tamper-app-'));
    const sup = { clientId: 'sup' };
    const cash = { clientId: 'cash' };
    const ok = (r: { ok: boolean; value?: unknown }) => {
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
      return r.value as Record<string, unknown>;
    };
    // The window's bill: what settleInput parsed, without the terminal's own offline flag.
    const windowBill = (id: number): Record<string, unknown> => {
      const bill: Record<string, unknown> = { ...example1Bill(id) };
      delete bill.offline;
      return bill;
    };
    let app = openDeskApp({ dataDir, platform: testPlatform(dataDir) });
    let call = (name: string, payload: unknown, ctx = sup) =>
      dispatch(app.handlers, name, payload, ctx, () => undefined);
    ok(await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }));
    ok(await call('operators.create', { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' }));
    ok(await call('auth.login', { code: 'cash1', pin: '135790' }, cash));
    const { person_id } = ok(await call('person.record', dazhouPerson(1), cash)) as { person_id: number };
    const asCashier = (name: string, payload: unknown) => call(name, payload, cash);
    ok(await call('settlement.settle', await previewed(asCashier, windowBill(person_id)), cash));
    await app.close();

    const raw = openStoreFile(join(dataDir, 'desk.sqlite'), { keyFile: join(dataDir, 'key') });
    try {
      withTriggersDropped(raw, 'settlements', () => raw.exec("UPDATE settlements SET psn_cash_pay = '0.00'"));
    } finally {
      raw.close();
    }

    app = openDeskApp({ dataDir, platform: testPlatform(dataDir) });
    call = (name: string, payload: unknown, ctx = sup) => dispatch(app.handlers, name, payload, ctx, () => undefined);
    try {
      await expect(app.dailyBackup()).rejects.toMatchObject({ body: { code: 'integrity_failed' } });
      ok(await call('auth.login', { code: 'cash1', pin: '135790' }, cash));
      const status = ok(await call('app.status', {}, cash));
      expect(status.integrity).toMatchObject({ ok: false, kind: 'full', problem: 'edited', table: 'settlements' });
      // F5 still answers (reading goes on); F8 is refused.
      const refused = await call('settlement.settle', await previewed(asCashier, windowBill(person_id)), cash);
      expect(refused).toMatchObject({ ok: false, error: { code: 'integrity_failed' } });
      // Reading goes on.
      ok(await call('app.status', {}, cash));
    } finally {
      await app.close();
    }
  });
});
