/**
 * A reversal through the national interface (issue 14 item 2, docs/nhsa.md
 * §7.3–7.4): the original's stay undone at the platform as far as the patient
 * needs to be settled again (2305 → 2405 → 2302 → 2404), every step journaled
 * on the original's stay, unknown outcomes resolved by 2601 (2305) or by
 * state (2405/2302/2404 sent again, "already undone" read as done), and a
 * settlement reversed before it reached the platform never sent at all.
 * A real terminal store, the reference gateway on 127.0.0.1, its database
 * read back to check what the platform holds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningInsurer } from '../insurer/server.js';
import type { FaultRule } from '../insurer/faults.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { Decimal } from '../shared/money.js';
import { DEFAULT_PATHS, makeMsgid, type Infno } from '../shared/nhsa/index.js';
import { type NhsaConfig } from '../shared/settings.js';
import { NhsaClient, type Output } from '../electron/worker/sync/nhsa/client.js';
import { insuranceOf, personInput } from '../electron/worker/sync/nhsa/steps.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { migrate } from '../electron/worker/store/db.js';
import { asBill, asReversal, makeStore, recordSeeded, type TestStore } from './store-support.js';
import { NHSA_PERSON, drain, feeLine, nhsaConfig, nhsaGateways, settleOffline } from './nhsa-support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Gateway {
  insurer: RunningInsurer;
  /** What the platform holds, read from the gateway's own database. */
  stayStatus(mdtrtId: string): string | undefined;
  /** The stay's fee lines: how many are live, and how many requests cancelled the others. */
  lines(mdtrtId: string): { live: number; cancelledBy: number };
}

const startGateway = nhsaGateways();

async function gateway(faults: FaultRule[] = []): Promise<Gateway> {
  const insurer = await startGateway(faults);
  const db = new Database(join(insurer.dataDir, 'insurer.sqlite'), { readonly: true });
  cleanup.push(() => void db.close());
  return {
    insurer,
    stayStatus: (mdtrtId) =>
      db.prepare('SELECT status FROM nhsa_stays WHERE mdtrt_id = ?').pluck().get(mdtrtId) as string | undefined,
    lines: (mdtrtId) =>
      db
        .prepare(
          'SELECT sum(cancelled_by IS NULL) AS live, count(DISTINCT cancelled_by) AS cancelledBy FROM nhsa_fee_lines WHERE mdtrt_id = ?',
        )
        .get(mdtrtId) as { live: number; cancelledBy: number },
  };
}

const newSync = (service: TestStore['service'], insurer: RunningInsurer) =>
  new NhsaSync(service, nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });

const reverse = (store: TestStore, number: string) =>
  store.service.settlements.reverse(store.supervisor, asReversal({ number, reason: '费用录入错误' })).number;

/** The terminal's view of a record: its outbox row and, for a settlement, its stay. */
function record(store: TestStore, number: string) {
  const db = store.service.db;
  const row = db.prepare('SELECT id, status FROM outbox WHERE idempotency_key = ?').get(number) as {
    id: number;
    status: string;
  };
  const stay = db.prepare('SELECT id, mdtrt_id, discharged, undone FROM nhsa_stays WHERE outbox_id = ?').get(row.id) as
    { id: number; mdtrt_id: string; discharged: number; undone: string | null } | undefined;
  return { ...row, stay };
}

/** The requests the gateway answered after `from` (an index into its log), as infno:infcode. */
const logSince = (insurer: RunningInsurer, from: number) =>
  insurer
    .nhsaLog()
    .slice(from)
    .map((l) => `${l.infno}:${l.infcode}`);

/**
 * The person's accumulators at the platform that are not zero (year/layer/field = value): [] when nothing has moved,
 * or all moved back. Compared as decimals (amounts are decimal strings; admissions a count).
 */
const moved = (insurer: RunningInsurer) =>
  Object.entries(insurer.persons().find((x) => x.id_number === NHSA_PERSON)!.accumulators).flatMap(([year, layers]) =>
    Object.entries(layers).flatMap(([layer, acc]) =>
      Object.entries(acc)
        .filter(([, v]) => !new Decimal(v ?? 0).isZero())
        .map(([field, v]) => `${year}/${layer}/${field}=${String(v)}`),
    ),
  );

/** A settlement drained and settled at the platform; returns its number and where the gateway's log stood after. */
async function settledOnline(g: Gateway, store: TestStore, personId: number) {
  const number = settleOffline(store, personId, g.insurer.nhsa.hospitalLevel);
  const sync = newSync(store.service, g.insurer);
  await drain(sync);
  expect(g.insurer.nhsaSettlements().map((s) => s.status)).toEqual(['settled']);
  return { number, sync, mark: g.insurer.nhsaLog().length };
}

describe('a reversal through the national interface', () => {
  it('undoes a settled stay 2305 → 2405 → 2302 → 2404, each once; the same person is then admitted and settled again', async () => {
    const g = await gateway();
    const store = makeStore();
    const personId = recordSeeded(store, NHSA_PERSON);
    expect(moved(g.insurer)).toEqual([]);
    const { number, sync, mark } = await settledOnline(g, store, personId);
    expect(moved(g.insurer)).not.toEqual([]);
    const settled = g.insurer.nhsaSettlements()[0]!;
    const reversal = reverse(store, number);
    await drain(sync);

    expect(logSince(g.insurer, mark)).toEqual(['2305:0', '2405:0', '2302:0', '2404:0']);
    const original = record(store, number);
    // The platform: the settlement cancelled, the stay void, every line cancelled by the one 2302, accumulators back.
    expect(g.insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled']);
    expect(g.stayStatus(original.stay!.mdtrt_id)).toBe('void');
    expect(g.lines(original.stay!.mdtrt_id)).toEqual({ live: 0, cancelledBy: 1 });
    expect(moved(g.insurer)).toEqual([]);
    // The terminal: every undo step journaled on the ORIGINAL's stay, for the reversal's row; the stay taken back.
    const rev = record(store, reversal);
    const journal = store.service.db
      .prepare('SELECT infno, stay_id, state FROM nhsa_steps WHERE outbox_id = ? ORDER BY id')
      .all(rev.id);
    expect(journal).toEqual(
      ['2305', '2405', '2302', '2404'].map((infno) => ({ infno, stay_id: original.stay!.id, state: 'answered' })),
    );
    expect(original.stay).toMatchObject({ discharged: 0, undone: 'admission' });
    expect(
      store.service.db
        .prepare('SELECT count(*) FROM nhsa_fee_uploads WHERE stay_id = ? AND cancelled = 0')
        .pluck()
        .get(original.stay!.id),
    ).toBe(0);
    expect(rev.status).toBe('accepted');
    const answer = store.service.db
      .prepare('SELECT claim_id FROM outbox_answers WHERE outbox_id = ?')
      .pluck()
      .get(rev.id);
    expect(answer).toMatch(/^\d{30}$/);
    expect(sync.status()).toMatchObject({ queued: 0, held: 0 });

    // The same bill again, same person, same dates: a new stay (1101, 2401), settled for the same amounts.
    const again = settleOffline(store, personId, g.insurer.nhsa.hospitalLevel);
    const mark2 = g.insurer.nhsaLog().length;
    await drain(sync);
    expect(logSince(g.insurer, mark2)).toEqual(['1101:0', '2401:0', '2301:0', '2301:0', '2301:0', '2402:0', '2304:0']);
    const platform = g.insurer.nhsaSettlements();
    expect(platform.map((s) => s.status)).toEqual(['cancelled', 'settled']);
    expect(platform[1]!.mdtrt_id).not.toBe(settled.mdtrt_id);
    expect(platform[1]).toMatchObject({
      medfee_sumamt: settled.medfee_sumamt,
      fund_pay_sumamt: settled.fund_pay_sumamt,
      psn_cash_pay: settled.psn_cash_pay,
    });
    expect(record(store, again).status).toMatch(/^(accepted|adjusted)$/);
  });

  it('a stay the HIS admitted (the bill’s mdtrt_id): 2305, 2405, 2302 and no 2404; settled again on the same mdtrt_id', async () => {
    const g = await gateway();
    const config = nhsaConfig(g.insurer);
    const mdtrtId = await hisAdmission(config);
    const store = makeStore();
    const personId = recordSeeded(store, NHSA_PERSON);
    const bill = () => store.service.settlements.settle(store.cashier, hisBill(personId, g, mdtrtId)).number;
    const number = bill();
    const sync = newSync(store.service, g.insurer);
    await drain(sync);
    // The one 2401 at the platform is the HIS's.
    expect(g.insurer.nhsaLog().filter((l) => l.infno === '2401')).toHaveLength(1);
    const mark = g.insurer.nhsaLog().length;
    const reversal = reverse(store, number);
    await drain(sync);

    expect(logSince(g.insurer, mark)).toEqual(['2305:0', '2405:0', '2302:0']);
    // The HIS's admission stays, without our lines; here the stay stops at 'fees'.
    expect(g.stayStatus(mdtrtId)).toBe('admitted');
    expect(g.lines(mdtrtId).live).toBe(0);
    expect(record(store, number).stay).toMatchObject({ mdtrt_id: mdtrtId, discharged: 0, undone: 'fees' });
    expect(record(store, reversal).status).toBe('accepted');

    const again = bill();
    const mark2 = g.insurer.nhsaLog().length;
    await drain(sync);
    expect(logSince(g.insurer, mark2)).toEqual(['1101:0', '2301:0', '2301:0', '2301:0', '2402:0', '2304:0']);
    expect(g.insurer.nhsaSettlements().map((s) => [s.mdtrt_id, s.status])).toEqual([
      [mdtrtId, 'cancelled'],
      [mdtrtId, 'settled'],
    ]);
    expect(record(store, again).status).toMatch(/^(accepted|adjusted)$/);
  });

  it('a settlement reversed while still queued: neither is sent, both leave the queue withdrawn; the next record still goes', async () => {
    const g = await gateway();
    const store = makeStore();
    const personId = recordSeeded(store, NHSA_PERSON);
    const number = settleOffline(store, personId, g.insurer.nhsa.hospitalLevel);
    const reversal = reverse(store, number);
    expect(store.service.outbox.counts()).toMatchObject({ queued: 2, held: 0 });
    const sync = newSync(store.service, g.insurer);
    await sync.syncNow();

    // Nothing of either record went out; the round's only request is the 9001 that tells whether the link is up.
    expect(g.insurer.nhsaLog().map((l) => l.infno)).toEqual(['9001']);
    expect(store.service.db.prepare("SELECT count(*) FROM nhsa_steps WHERE infno != '9001'").pluck().get()).toBe(0);
    expect([record(store, number).status, record(store, reversal).status]).toEqual(['withdrawn', 'withdrawn']);
    expect(store.service.outbox.withdrawal(number)).toMatchObject({ reason: '未上传：已在本机撤销', pair: reversal });
    expect(store.service.outbox.withdrawal(reversal)).toMatchObject({ reason: '未上传：已在本机撤销', pair: number });
    // Counted as neither queued, held nor answered; not open work.
    expect(store.service.outbox.counts()).toEqual({ queued: 0, held: 0, accepted: 0, rejected: 0, adjusted: 0 });
    expect(sync.status()).toMatchObject({ queued: 0, held: 0, work: [] });

    // The same bill settled again behind the withdrawn pair goes up as usual.
    const again = settleOffline(store, personId, g.insurer.nhsa.hospitalLevel);
    await drain(sync);
    expect(g.insurer.nhsaLog().map((l) => l.infno)).toEqual([
      '9001',
      '1101',
      '2401',
      '2301',
      '2301',
      '2301',
      '2402',
      '2304',
    ]);
    expect(g.insurer.nhsaSettlements().map((s) => s.status)).toEqual(['settled']);
    expect(record(store, again).status).toMatch(/^(accepted|adjusted)$/);
    expect(store.service.outbox.withdrawal(again)).toBeNull();
  });

  it('a settlement that partly reached the platform (2401 and 2301 answered, the 2402 lost) and is then reversed: no 2304 ever, the stay undone, both withdrawn', async () => {
    const g = await gateway([{ fault: 'error_500_before_commit', count: 1, path: DEFAULT_PATHS['2402'] }]);
    const store = makeStore();
    const number = settleOffline(store, recordSeeded(store, NHSA_PERSON), g.insurer.nhsa.hospitalLevel);
    const sync = newSync(store.service, g.insurer);
    expect((await sync.syncNow()).ok).toBe(false);
    const mdtrtId = record(store, number).stay!.mdtrt_id;
    expect(g.stayStatus(mdtrtId)).toBe('admitted');
    expect(g.lines(mdtrtId).live).toBe(5);
    const mark = g.insurer.nhsaLog().length;

    const reversal = reverse(store, number);
    await drain(sync);
    // The 2402 whose outcome was unknown is settled first (2601: the platform never had it), then the stay is undone.
    expect(logSince(g.insurer, mark)).toEqual(['2601:-1', '2302:0', '2404:0']);
    expect(g.insurer.nhsaLog().map((l) => l.infno)).not.toContain('2304');
    expect(g.insurer.nhsaSettlements()).toEqual([]);
    expect(g.stayStatus(mdtrtId)).toBe('void');
    expect(g.lines(mdtrtId)).toEqual({ live: 0, cancelledBy: 1 });
    expect([record(store, number).status, record(store, reversal).status]).toEqual(['withdrawn', 'withdrawn']);
    expect(record(store, number).stay).toMatchObject({ undone: 'admission' });
    expect(store.service.outbox.withdrawal(number)!.reason).toBe('未结算：已上传的部分已撤销（2601、2302、2404）');
    expect(sync.status()).toMatchObject({ queued: 0, held: 0, work: [] });
    // Nothing more is sent for either, ever.
    const mark2 = g.insurer.nhsaLog().length;
    await sync.syncNow();
    expect(g.insurer.nhsaLog().length).toBe(mark2);
  });

  const undoSteps: { infno: Infno; applied: (fault: FaultRule['fault']) => boolean }[] = [
    { infno: '2305', applied: (f) => f !== 'error_500_before_commit' },
    { infno: '2405', applied: (f) => f !== 'error_500_before_commit' },
    { infno: '2302', applied: (f) => f !== 'error_500_before_commit' },
    { infno: '2404', applied: (f) => f !== 'error_500_before_commit' },
  ];
  const outcomes: { fault: FaultRule['fault']; style?: 'invalid_json' | 'wrong_shape' }[] = [
    { fault: 'drop_after_commit' },
    { fault: 'error_500_after_commit' },
    { fault: 'error_500_before_commit' },
    { fault: 'malformed_body', style: 'invalid_json' },
    { fault: 'malformed_body', style: 'wrong_shape' },
    { fault: 'oversized_body' },
  ];
  for (const step of undoSteps)
    for (const o of outcomes)
      it(`${step.infno} with ${o.fault}${o.style ? ` (${o.style})` : ''}: resolved ${step.infno === '2305' ? 'by 2601' : 'by sending it again'}; each effect once at the platform`, async () => {
        const g = await gateway();
        const store = makeStore();
        const personId = recordSeeded(store, NHSA_PERSON);
        const { number, sync, mark } = await settledOnline(g, store, personId);
        expect(moved(g.insurer)).not.toEqual([]);
        g.insurer.faults.add({
          fault: o.fault,
          count: 1,
          path: DEFAULT_PATHS[step.infno],
          ...(o.style ? { style: o.style } : {}),
        });
        const reversal = reverse(store, number);
        await drain(sync);

        const log = g.insurer.nhsaLog().slice(mark);
        const tried = log.filter((l) => l.infno === step.infno);
        const applied = step.applied(o.fault);
        // A request the gateway never handled (500 before commit) is not in its log; each one logged has its own msgid.
        expect(tried).toHaveLength(applied ? 2 : 1);
        expect(new Set(tried.map((t) => t.msgid)).size).toBe(tried.length);
        expect(log.filter((l) => l.infno === '2601')).toHaveLength(step.infno === '2305' ? 1 : 0);
        if (applied && (step.infno === '2405' || step.infno === '2404')) {
          // The second is refused with the platform's "already undone" words, read as done.
          expect(tried.map((t) => t.infcode)).toEqual([0, -1]);
          expect(tried[1]!.err_msg).toContain(step.infno === '2405' ? '出院已撤销' : '入院已撤销');
        }
        // Every other undo step once, answered 0.
        for (const other of ['2305', '2405', '2302', '2404'].filter((i) => i !== step.infno))
          expect(log.filter((l) => l.infno === other).map((l) => l.infcode)).toEqual([0]);

        const mdtrtId = record(store, number).stay!.mdtrt_id;
        expect(g.insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled']);
        expect(g.stayStatus(mdtrtId)).toBe('void');
        expect(g.lines(mdtrtId)).toEqual({ live: 0, cancelledBy: 1 });
        expect(moved(g.insurer)).toEqual([]);
        expect(record(store, number).stay).toMatchObject({ discharged: 0, undone: 'admission' });
        expect(record(store, reversal).status).toBe('accepted');
        expect(store.service.db.prepare("SELECT count(*) FROM nhsa_steps WHERE state = 'sent'").pluck().get()).toBe(0);
        expect(sync.status()).toMatchObject({ queued: 0, held: 0 });
      });

  it('a crash mid-reversal (2302 committed at the platform, its answer lost): a new process goes on from the step reached', async () => {
    const g = await gateway();
    const store = makeStore();
    const { number, sync, mark } = await settledOnline(g, store, recordSeeded(store, NHSA_PERSON));
    g.insurer.faults.add({ fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2302'] });
    reverse(store, number);
    expect((await sync.syncNow()).ok).toBe(false);
    await sync.stop();
    // The journal in the file: 2305 and 2405 answered, their effects recorded; 2302 sent, its outcome unknown.
    const reopened = store.reopen();
    const steps = () =>
      reopened.db
        .prepare(
          "SELECT infno, state FROM nhsa_steps WHERE outbox_id = (SELECT id FROM outbox WHERE kind = 'reversal') ORDER BY id",
        )
        .all();
    expect(steps()).toEqual([
      { infno: '2305', state: 'answered' },
      { infno: '2405', state: 'answered' },
      { infno: '2302', state: 'sent' },
    ]);
    const stayOf = () =>
      reopened.db
        .prepare(
          'SELECT discharged, undone FROM nhsa_stays WHERE outbox_id = (SELECT id FROM outbox WHERE idempotency_key = ?)',
        )
        .get(number);
    expect(stayOf()).toEqual({ discharged: 0, undone: 'discharge' });

    const second = newSync(reopened, g.insurer);
    await drain(second);
    // Neither 2305 nor 2405 again; 2302 "0000" again (nothing left to cancel: answered 0), then 2404.
    expect(logSince(g.insurer, mark)).toEqual(['2305:0', '2405:0', '2302:0', '9001:0', '2302:0', '2404:0']);
    expect(steps()).toEqual([
      { infno: '2305', state: 'answered' },
      { infno: '2405', state: 'answered' },
      { infno: '2302', state: 'unknown' },
      { infno: '2302', state: 'answered' },
      { infno: '2404', state: 'answered' },
    ]);
    expect(stayOf()).toEqual({ discharged: 0, undone: 'admission' });
    const mdtrtId = record(store, number).stay!.mdtrt_id;
    expect(g.stayStatus(mdtrtId)).toBe('void');
    expect(g.lines(mdtrtId)).toEqual({ live: 0, cancelledBy: 1 });
    expect(second.status()).toMatchObject({ queued: 0, held: 0 });
  });
});

describe('migration 0010: the outbox can hold withdrawn rows', () => {
  it('keeps every row and reference; withdrawn only with its withdrawal, and for good', () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-mig-'));
    const db = new Database(join(dir, 'm.sqlite'));
    cleanup.push(() => void db.close());
    db.pragma('foreign_keys = ON');
    migrate(db, 0, 9);
    const at = '2026-03-20T00:00:00.000Z';
    db.prepare(
      "INSERT INTO outbox (id, kind, ref_id, idempotency_key, payload, status, created_at, updated_at, held_reason) VALUES (7, 'settlement', 1, 'S1', '{}', 'accepted', ?, ?, NULL), (8, 'reversal', 2, 'R1', '{}', 'queued', ?, ?, 'held')",
    ).run(at, at, at, at);
    db.prepare(
      "INSERT INTO outbox_answers (outbox_id, status, claim_id, answer, answered_at, recorded_at) VALUES (7, 'accepted', 'C', '{}', ?, ?)",
    ).run(at, at);
    db.prepare('INSERT INTO nhsa_stays (outbox_id, updated_at) VALUES (7, ?)').run(at);
    const before = db.prepare('SELECT * FROM outbox ORDER BY id').all();
    migrate(db, 9, 10);

    expect(db.prepare('SELECT * FROM outbox ORDER BY id').all()).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare('DELETE FROM outbox WHERE id = 8').run()).toThrow(/never deleted/);
    expect(() => db.prepare("UPDATE outbox SET status = 'withdrawn' WHERE id = 8").run()).toThrow(
      /only with its withdrawal/,
    );
    db.prepare("INSERT INTO outbox_withdrawals (outbox_id, pair_id, reason, withdrawn_at) VALUES (8, 7, 'x', ?)").run(
      at,
    );
    db.prepare("UPDATE outbox SET status = 'withdrawn', held_reason = NULL WHERE id = 8").run();
    expect(() => db.prepare("UPDATE outbox SET status = 'queued' WHERE id = 8").run()).toThrow(/stays withdrawn/);
    expect(() => db.prepare("UPDATE outbox_withdrawals SET reason = 'y'").run()).toThrow(/immutable/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO outbox_answers (outbox_id, status, claim_id, answer, answered_at, recorded_at) VALUES (99, 'accepted', 'C', '{}', ?, ?)",
        )
        .run(at, at),
    ).toThrow(/FOREIGN KEY/);
  });
});

/** The HIS registers the stay itself (its own 9001, 1101, 2401 as another sender of the hospital): the mdtrt_id the bill will carry. */
async function hisAdmission(config: NhsaConfig): Promise<string> {
  const client = new NhsaClient(config, 3000, () => new Date());
  let sequence = 9000; // slot 9: never one of the terminal's msgids (slot 3)
  const sender = { opter: 'his01', opter_name: 'HIS', insuplc_admdvs: '' };
  let signNo = '';
  const send = async <I extends Infno>(infno: I, input: Record<string, unknown>): Promise<Output<I>> => {
    const p = client.prepare(infno, makeMsgid(config.fixmedins_code, new Date(), sequence++), input, sender, signNo);
    const a = await client.send(p as typeof p & { infno: I });
    if (a.kind !== 'ok') throw new Error(`${infno}: ${a.errMsg}`);
    return a.output;
  };
  signNo = (await send('9001', { signIn: { opter_no: 'his01', mac: '', ip: '' } })).signinoutb.sign_no;
  const name = SEED_PERSONS.find((p) => p.id_number === NHSA_PERSON)!.name;
  const person = await send('1101', personInput(NHSA_PERSON, name));
  const insu = insuranceOf(person, 'employee');
  sender.insuplc_admdvs = insu.insuplc_admdvs;
  const admitted = await send('2401', {
    mdtrtinfo: {
      psn_no: person.baseinfo.psn_no,
      insutype: insu.insutype,
      begntime: '2026-03-10 08:00:00',
      mdtrt_cert_type: '02',
      mdtrt_cert_no: NHSA_PERSON,
      med_type: '21',
      ipt_no: 'HIS-ZY-0001',
      atddr_no: '',
      chfpdr_name: '',
      adm_diag_dscr: '冠心病',
      adm_dept_codg: 'D01',
      adm_dept_name: '心内科',
      adm_bed: '12',
      dscg_maindiag_code: '',
      dscg_maindiag_name: '冠心病',
    },
    diseinfo: [],
  });
  return admitted.result.mdtrt_id;
}

/** settleOffline's bill, with the HIS's mdtrt_id. */
const hisBill = (personId: number, g: Gateway, mdtrtId: string) =>
  asBill({
    person_id: personId,
    hospital_level: g.insurer.nhsa.hospitalLevel,
    admission_date: '2026-03-10',
    discharge_date: '2026-03-15',
    mdtrt_id: mdtrtId,
    fee_lines: [
      feeLine('h-1', '001101000010000', '5', '60.00', '300.00', '2026-03-10'),
      feeLine('h-2', '001201000010000', '1', '1200.00', '1200.00', '2026-03-11'),
      feeLine('h-3', '002101000010000', '2', '450.50', '901.00'),
      feeLine('h-4', '003101000010000', '1', '2300.00', '2300.00'),
      feeLine('h-5', '004101000010000', '3', '33.333333', '100.00', '2026-03-15'),
    ],
    offline: true,
  });
