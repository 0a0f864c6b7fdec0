/**
 * The offline queue drained through the national interface exactly once
 * (issue 13 item 5–6): a real terminal store, the reference insurer's strict
 * NHSA gateway on 127.0.0.1, the whole fault matrix; every record ends settled
 * once at the platform, and 2601 冲正 is sent exactly where an outcome was
 * unknown, and only there.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../insurer/faults.js';
import { DEFAULT_PATHS } from '../shared/nhsa/index.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { asBill, asPerson, asReversal, makeStore, recordSeeded, type TestStore } from './store-support.js';
import {
  NHSA_PERSON,
  drain,
  feeLine,
  nhsaConfig,
  nhsaGateways,
  settleOffline,
  submitManualClaim,
} from './nhsa-support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const gateway = nhsaGateways();

const steps = (store: TestStore) =>
  store.service.db.prepare('SELECT infno, state FROM nhsa_steps ORDER BY id').all() as {
    infno: string;
    state: string;
  }[];

describe('the offline queue through the national interface', () => {
  it('9001 → 1101 → 2401 → 2301 in batches → 2402 → 2304, the platform answer stored beside the local split', async () => {
    const insurer = await gateway();
    const store = makeStore();
    const number = settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer, 'single'), { timeoutMs: 3000, backoffBaseMs: 5 });
    await drain(sync);

    expect(steps(store).map((s) => s.infno)).toEqual(['9001', '1101', '2401', '2301', '2301', '2301', '2402', '2304']);
    expect(steps(store).every((s) => s.state === 'answered')).toBe(true);
    const platform = insurer.nhsaSettlements();
    expect(platform).toHaveLength(1);
    expect(platform[0]).toMatchObject({ status: 'settled', medfee_sumamt: '4801.00' });
    const answer = store.service.db
      .prepare(
        'SELECT o.status, a.claim_id FROM outbox o JOIN outbox_answers a ON a.outbox_id = o.id WHERE o.idempotency_key = ?',
      )
      .get(number) as { status: string; claim_id: string };
    expect(['accepted', 'adjusted']).toContain(answer.status);
    expect(answer.claim_id).toBe(platform[0]!.setl_id);
    // Every msgid: fixmedins_code + Beijing second + this terminal's slot 3 + counter; none twice.
    const msgids = store.service.db.prepare('SELECT msgid FROM nhsa_steps').pluck().all() as string[];
    expect(new Set(msgids).size).toBe(msgids.length);
    for (const m of msgids) expect(m).toMatch(new RegExp(`^${insurer.nhsa.fixmedinsCode}\\d{14}3\\d{3}$`));
    // opter is the cashier who settled the record (李收费, cash1), not whoever runs the queue.
    for (const body of store.service.db
      .prepare("SELECT request FROM nhsa_steps WHERE infno != '9001'")
      .pluck()
      .all() as string[])
      expect(JSON.parse(body)).toMatchObject({ opter: 'cash1', opter_name: '李收费', opter_type: '1' });
    // Amounts travel as JSON numbers, written from the decimal strings.
    const settleBody = store.service.db
      .prepare("SELECT request FROM nhsa_steps WHERE infno = '2304'")
      .pluck()
      .get() as string;
    expect(settleBody).toMatch(/"medfee_sumamt":4801\.00[,}]/);
  });

  const reversible: { name: string; path: string; infno: string }[] = [
    { name: '2401', path: DEFAULT_PATHS['2401'], infno: '2401' },
    { name: '2402', path: DEFAULT_PATHS['2402'], infno: '2402' },
    { name: '2304', path: DEFAULT_PATHS['2304'], infno: '2304' },
  ];
  const outcomes: { fault: FaultRule['fault']; style?: 'invalid_json' | 'wrong_shape'; applied: boolean }[] = [
    { fault: 'drop_after_commit', applied: true },
    { fault: 'error_500_after_commit', applied: true },
    { fault: 'error_500_before_commit', applied: false },
    { fault: 'malformed_body', style: 'invalid_json', applied: true },
    { fault: 'malformed_body', style: 'wrong_shape', applied: true },
    { fault: 'oversized_body', applied: true },
  ];
  for (const step of reversible)
    for (const o of outcomes)
      it(`${step.name} with ${o.fault}${o.style ? ` (${o.style})` : ''}: resolved by 2601, then the step again with a new msgid; settled once`, async () => {
        const insurer = await gateway([
          { fault: o.fault, count: 1, path: step.path, ...(o.style ? { style: o.style } : {}) },
        ]);
        const store = makeStore();
        settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
        const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });
        await drain(sync);

        const settled = insurer.nhsaSettlements().filter((s) => s.status === 'settled');
        expect(settled).toHaveLength(1);
        const log = insurer.nhsaLog();
        const reversals = log.filter((l) => l.infno === '2601');
        expect(reversals).toHaveLength(1);
        // The 冲正 names the request whose outcome was unknown; the step then went again under a new msgid.
        const tried = log.filter((l) => l.infno === step.infno);
        expect(tried.length).toBe(o.applied ? 2 : 1 + (o.fault === 'error_500_before_commit' ? 0 : 1));
        expect(new Set(tried.map((t) => t.msgid)).size).toBe(tried.length);
        expect(sync.status()).toMatchObject({ queued: 0, held: 0 });
      });

  it('an unknown 2301 batch is cleared with 2302 "0000" and every line uploaded again, never duplicated', async () => {
    const insurer = await gateway([{ fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2301'] }]);
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });
    await drain(sync);
    const log = insurer.nhsaLog();
    expect(log.filter((l) => l.infno === '2302')).toHaveLength(1);
    expect(log.filter((l) => l.infno === '2601')).toHaveLength(0);
    expect(log.filter((l) => l.infno === '2301' && l.infcode !== 0)).toEqual([]);
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
  });

  it('a crash after the platform committed 2304: a new process finds the sent step, sends 2601, settles once', async () => {
    const insurer = await gateway([{ fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2304'] }]);
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const first = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    expect((await first.syncNow()).ok).toBe(false);
    await first.stop();
    // The process is gone; the journal in the file says 2304 was sent and never answered.
    const reopened = store.reopen();
    const sent = reopened.db.prepare("SELECT infno FROM nhsa_steps WHERE state = 'sent'").pluck().all();
    expect(sent).toEqual(['2304']);
    const second = new NhsaSync(reopened, nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });
    await drain(second);
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2601')).toHaveLength(1);
  });

  it('a refusal (infcode -1) holds the record with the gateway’s words; nothing is sent twice', async () => {
    const insurer = await gateway();
    const store = makeStore();
    // A person the gateway does not know: 1101 answers -1.
    const personId = store.service.persons.record(
      store.cashier,
      asPerson({
        id_number: '11010519491231002X',
        name: '未参保',
        region: 'dazhou',
        scheme: 'employee',
        retired: false,
        medical_assistance: false,
        as_of: '2026-01-01T00:00:00+08:00',
        source: 'cashier',
      }),
    ).person_id;
    settleOffline(store, personId, insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    await sync.syncNow();
    const st = sync.status();
    expect(st).toMatchObject({ queued: 0, held: 1 });
    expect(st.work[0]).toMatchObject({ status: 'held' });
    expect(st.work[0]!.message).toMatch(/^1101：/);
    await sync.syncNow();
    expect(insurer.nhsaLog().filter((l) => l.infno === '1101')).toHaveLength(1);
  });

  it('no answer within the timeout (the gateway applies the 2304 after the terminal gave up): 2601, then 2304 again; settled once', async () => {
    const insurer = await gateway([{ fault: 'delay', delay_ms: 1500, count: 1, path: DEFAULT_PATHS['2304'] }]);
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 700, backoffBaseMs: 5 });
    expect((await sync.syncNow()).ok).toBe(false);
    expect(sync.isOnline()).toBe(false);
    await expect.poll(() => insurer.nhsaSettlements().length, { timeout: 5000 }).toBe(1); // the late 2304 lands
    await drain(sync);
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2601')).toHaveLength(1);
  });

  it('the platform splits an item differently (乙类 10% 先行自付): an adjusted work item with per-fund differences', async () => {
    const insurer = await gateway();
    const store = makeStore();
    const personId = recordSeeded(store, NHSA_PERSON);
    const number = store.service.settlements.settle(
      store.cashier,
      asBill({
        person_id: personId,
        hospital_level: insurer.nhsa.hospitalLevel,
        admission_date: '2026-03-10',
        discharge_date: '2026-03-15',
        fee_lines: [
          feeLine('a-1', '001101000010000', '5', '2000.00', '10000.00', '2026-03-10'),
          // The HIS sends the drug as fully in scope; the platform's catalogue has it 乙类 with 10% 先行自付.
          feeLine('a-2', 'XB01ABE075B002010100001', '100', '200.00', '20000.00'),
        ],
        offline: true,
      }),
    ).number;
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    await drain(sync);
    const work = sync.status().work;
    expect(work).toHaveLength(1);
    expect(work[0]).toMatchObject({ status: 'adjusted', number });
    expect(Number(work[0]!.psn_cash_difference)).toBeGreaterThan(0);
    const adj = store.service.db.prepare('SELECT fund_differences FROM adjustments').pluck().get() as string;
    expect(Object.keys(JSON.parse(adj) as object)).toContain('basic');
    // The platform's answer is kept as it came, beside the local split.
    const kept = store.service.db.prepare('SELECT setlinfo FROM nhsa_settlements').pluck().get() as string;
    expect(JSON.parse(kept)).toMatchObject({ preselfpay_amt: '2000.00' });
  });

  it('a reversal goes up as 2305 after its settlement; the platform cancels it once', async () => {
    const insurer = await gateway();
    const store = makeStore();
    const number = settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    // Settled at the platform first: a pair reversed while both are queued is never sent (test/nhsa-reversal.test.ts).
    await drain(sync);
    const reversal = store.service.settlements.reverse(
      store.supervisor,
      asReversal({ number, reason: '费用录入错误' }),
    );
    await drain(sync);
    expect(insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled']);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2305')).toHaveLength(1);
    const journal = store.service.db
      .prepare('SELECT infno FROM nhsa_steps WHERE outbox_id = (SELECT id FROM outbox WHERE idempotency_key = ?)')
      .pluck()
      .all(reversal.number);
    // Then the stay is undone as far as the patient can be settled again (docs/nhsa.md §7.4).
    expect(journal).toEqual(['2305', '2405', '2302', '2404']);
    // The 2305 was sent for the supervisor who reversed it.
    const body = store.service.db
      .prepare("SELECT request FROM nhsa_steps WHERE infno = '2305'")
      .pluck()
      .get() as string;
    expect(JSON.parse(body)).toMatchObject({ opter: 'sup1' });
    expect(sync.status()).toMatchObject({ queued: 0, held: 0 });
    // Only the original can be open work (its bed fee is over the platform's price limit: 多退少补); the reversal is not.
    expect(sync.status().work.filter((w) => w.number !== number)).toEqual([]);
  });

  it('a manual claim is not a 定点医药机构 transaction: held with the reason, not sent', async () => {
    const insurer = await gateway();
    const store = makeStore();
    const personId = recordSeeded(store, NHSA_PERSON);
    submitManualClaim(store, personId);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    await sync.syncNow();
    expect(sync.status()).toMatchObject({ queued: 0, held: 1 });
    expect(sync.status().work[0]!.message).toMatch(/手工报销/);
    // Nothing of the claim went out; the round's only request is the 9001 that tells whether the link is up.
    expect(insurer.nhsaLog().map((l) => l.infno)).toEqual(['9001']);
  });

  it('sign_no no longer valid: 9001 again and the step goes on; nothing held', async () => {
    const insurer = await gateway();
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    // As if the gateway had dropped this terminal's sign-in (a new day, a gateway restart).
    (sync as unknown as { context: { session: { signNo: string } } }).context.session.signNo = 'SIGN-EXPIRED-000001';
    await drain(sync);
    const log = insurer.nhsaLog();
    expect(log[0]).toMatchObject({ infno: '1101', infcode: -1, err_msg: '签到编号无效' });
    expect(log[1]).toMatchObject({ infno: '9001', infcode: 0 });
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
    expect(sync.status().held).toBe(0);
  });

  it('a real crash: the process is killed while the platform holds its 2304; a new process sends 2601 and settles once', async () => {
    // The gateway handles this 2304 only after 2.5 s: the terminal is killed before the answer, the platform commits after.
    const insurer = await gateway([{ fault: 'delay', delay_ms: 2500, count: 1, path: DEFAULT_PATHS['2304'] }]);
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/nhsa-drain-worker.ts', store.dir, JSON.stringify(nhsaConfig(insurer))],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore', timeout: 60_000, killSignal: 'SIGKILL' },
    );
    cleanup.push(() => void child.kill('SIGKILL'));
    const sent2304 = () =>
      store.service.db.prepare("SELECT count(*) FROM nhsa_steps WHERE infno = '2304' AND state = 'sent'").pluck().get();
    await expect.poll(sent2304, { timeout: 30_000, interval: 20 }).toBe(1);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await expect.poll(() => insurer.nhsaSettlements().length, { timeout: 10_000 }).toBe(1);

    const sync = new NhsaSync(store.reopen(), nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });
    await drain(sync);
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2601')).toHaveLength(1);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2304')).toHaveLength(2);
  });

  it('a replayed answer (the previous 2301 batch’s) is not taken as this batch’s: 2302 "0000", the lines again, settled once', async () => {
    const insurer = await gateway([{ fault: 'replay_previous', count: 1, path: DEFAULT_PATHS['2301'] }]);
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000, backoffBaseMs: 5 });
    await drain(sync);
    const log = insurer.nhsaLog();
    expect(log.filter((l) => l.infno === '2302')).toHaveLength(1);
    expect(log.filter((l) => l.infno === '2301' && l.infcode !== 0)).toEqual([]);
    expect(insurer.nhsaSettlements().filter((s) => s.status === 'settled')).toHaveLength(1);
    // What the terminal recorded as uploaded is exactly the bill's lines, once each.
    const uploaded = store.service.db
      .prepare('SELECT feedetl_sn FROM nhsa_fee_uploads WHERE cancelled = 0 ORDER BY feedetl_sn')
      .pluck()
      .all();
    expect(uploaded).toEqual(['0-1', '0-2', '0-3', '0-4', '0-5']);
  });

  it('one process drains the queue at a time: a second one is told so and sends nothing; a dead holder is taken over', async () => {
    const insurer = await gateway();
    const store = makeStore();
    settleOffline(store, recordSeeded(store, NHSA_PERSON), insurer.nhsa.hospitalLevel);
    const app = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
    const other = new NhsaSync(store.reopen(), nhsaConfig(insurer), { timeoutMs: 3000 });
    const first = app.syncNow();
    const second = await other.syncNow();
    expect(second).toMatchObject({ ok: false, error: expect.stringMatching(/another process is syncing/) });
    expect((await first).ok).toBe(true);
    expect(insurer.nhsaLog().filter((l) => l.infno === '2304')).toHaveLength(1);
    // A holder whose process is gone (a crash) does not block the queue until its lease runs out.
    store.service.db
      .prepare(
        "UPDATE sync_state SET lease_pid = 2147483646, lease_token = 'dead', lease_until = '2999-01-01T00:00:00.000Z'",
      )
      .run();
    expect((await other.syncNow()).ok).toBe(true);
  });
});
