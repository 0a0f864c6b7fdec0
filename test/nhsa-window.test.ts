/**
 * Online at the window through the national interface (issue 14 item 1,
 * docs/nhsa.md §7.6): 1101 at lookup, F5 = 2401/2301/2303 beside the local
 * preview, edits after 2301 cost a 2302 of the edited lines only, F8 = 2402 +
 * 2304 with exactly the 2303's input, and a link that drops mid-flow leaves
 * the record in the queue from the step reached. A real store, the reference
 * insurer's strict gateway on 127.0.0.1.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../insurer/faults.js';
import { Decimal, negatedAmount } from '../shared/money.js';
import { businessDate } from '../electron/worker/store/clock.js';
import { DEFAULT_PATHS, parseNhsaJson, stringifyNhsaJson } from '../shared/nhsa/index.js';
import { DeskError } from '../shared/errors.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { settlementHandlers } from '../electron/worker/services/settlements.js';
import type { AppContext } from '../electron/worker/app-context.js';
import { SlipService } from '../electron/worker/slips/slip-service.js';
import { testPlatform } from './test-platform.js';
import { asBill, asReversal, makeStore, recordSeeded, type TestStore } from './store-support.js';
import { NHSA_PERSON, feeLine, nhsaConfig, nhsaGateways, settleOffline } from './nhsa-support.js';

const gateway = nhsaGateways();

/** A bill of three fee lines; the drug line is 乙类 with 10% 先行自付 in the platform's catalogue, not in the HIS's. */
const bill = (personId: number, level: 1 | 2 | 3, drugAmount = '20000.00') =>
  asBill({
    person_id: personId,
    hospital_level: level,
    admission_date: '2026-03-10',
    discharge_date: '2026-03-15',
    stay: { inpatient_no: 'ZY-77' },
    fee_lines: [
      feeLine('w-1', '001101000010000', '5', '2000.00', '10000.00', '2026-03-10'),
      feeLine('w-2', 'XB01ABE075B002010100001', '100', new Decimal(drugAmount).div(100).toFixed(2), drugAmount),
      feeLine('w-3', '003101000010000', '1', '2300.00', '2300.00'),
    ],
  });

/** A terminal store with the seeded person, its NHSA sync against a fresh gateway (with these faults). */
async function terminal(faults: FaultRule[] = []) {
  const insurer = await gateway(faults);
  const store = makeStore();
  const personId = recordSeeded(store, NHSA_PERSON);
  const sync = new NhsaSync(store.service, nhsaConfig(insurer), { timeoutMs: 3000 });
  return { insurer, store, personId, sync };
}

const businessDay = (store: TestStore) => businessDate(store.clock.now());
const slipsOf = (store: TestStore) => new SlipService(store.service, testPlatform(store.dir), store.dir, store.clock);

const steps = (store: TestStore) =>
  store.service.db.prepare('SELECT infno, state, request FROM nhsa_steps ORDER BY id').all() as {
    infno: string;
    state: string;
    request: string;
  }[];
const infnos = (store: TestStore) => steps(store).map((s) => s.infno);
const dataOf = (request: string) =>
  stringifyNhsaJson((parseNhsaJson(request) as { input: { data: unknown } }).input.data);

/** The window's F8 as settlementHandlers does it: settled here with the stay adopted, then 2402/2304 at once. */
async function f8(store: TestStore, sync: NhsaSync, b: ReturnType<typeof bill>) {
  const stay = sync.window.stayFor(b);
  if (!stay?.presettled) throw new Error('not presettled');
  const done = store.service.settlements.settle(store.cashier, { ...b, offline: false }, (r) =>
    sync.window.adopt(stay, b, r.result, r.outboxId, true),
  );
  return { ...done, ...(await sync.window.settleNow(done.outboxId, done.result)) };
}

describe('NHSA online at the window', () => {
  it('a failure after F8 saved the record (a full disk taking the sync lease) says it is saved and queued, never "结算未保存"', async () => {
    const { insurer, store, personId, sync } = await terminal();
    // The window's own handler, as dispatch runs it: the cashier reads its answer.
    const handlers = settlementHandlers({
      service: store.service,
      sessions: { current: () => store.cashier },
      sync,
      online: () => true,
      live: { started: { nhsa: {} }, current: { nhsa: {} } },
    } as unknown as AppContext);
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    // F5 through the window's channel: its digest covers the bill and the 2303 shown (issue 17); F8 sends it back.
    const { digest } = await handlers['settlement.presettle'](b, { clientId: 'w' });
    sync.window.settleNow = () =>
      Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    const answer = await handlers['settlement.settle']({ ...b, preview_digest: digest }, { clientId: 'w' });
    expect(answer.provisional).toContain('本单已结算并保存');
    expect(answer.provisional).toContain('磁盘空间不足');
    expect(answer.platform).toBeNull();
    // Saved once and queued: a second F8 would be a second settlement, so the answer must not invite one.
    expect(store.service.records.record(answer.number).kind).toBe('settlement');
    expect(store.service.db.prepare("SELECT count(*) FROM settlements WHERE kind = 'settlement'").pluck().get()).toBe(
      1,
    );
    await insurer.close();
  });

  it('1101 at lookup, F5 = 2401 → 2301 → 2303 beside the local preview, F8 = 2402 → 2304 with the same input', async () => {
    const { insurer, store, personId, sync } = await terminal();

    await sync.fetchPerson(store.cashier, NHSA_PERSON);
    const view = sync.window.personView(personId);
    expect(view).toMatchObject({ psn_insu_stas: '1' });
    expect(view!.psn_no).not.toBe('');

    const b = bill(personId, insurer.nhsa.hospitalLevel);
    const local = store.service.settlements.preview(store.cashier, b);
    const preview = await sync.window.presettle(store.cashier, b, local);
    expect(infnos(store)).toEqual(['9001', '1101', '2401', '2301', '2301', '2303']);
    // The platform's 先行自付 on the drug: the basic fund and the cash differ, and the rows say so.
    expect(preview.differs).toBe(true);
    const cash = preview.rows.find((r) => r.key === 'psn_cash_pay')!;
    expect(cash.terminal).toBe(local.psn_cash_pay);
    expect(new Decimal(cash.difference).isPositive() && !new Decimal(cash.difference).isZero()).toBe(true);
    expect(preview.rows.find((r) => r.key === 'basic')!.explanation).toMatch(/^本机：/);

    const settled = await f8(store, sync, b);
    expect(settled.provisional).toBeNull();
    expect(infnos(store).slice(6)).toEqual(['2402', '2304']);
    const s = steps(store);
    expect(dataOf(s.find((x) => x.infno === '2304')!.request)).toBe(dataOf(s.find((x) => x.infno === '2303')!.request));
    expect(settled.platform!.setl_id).toBe(insurer.nhsaSettlements()[0]!.setl_id);
    expect(settled.platform!.medins_setl_id).toMatch(/^H\d{11}\d{14}\d{4}$/);
    expect(settled.platform!.rows.find((r) => r.key === 'psn_cash_pay')!.platform).toBe(cash.platform);
    // Settled once at the platform, and the record is answered (adjusted), not queued; the patient paid the
    // platform's cash at the window, so nothing is left to 多退少补 and the day counts what was collected.
    expect(insurer.nhsaSettlements()).toHaveLength(1);
    expect(store.service.outbox.counts()).toMatchObject({ queued: 0, adjusted: 1 });
    expect(sync.status().work).toEqual([]);
    const day = store.service.day.totals(store.cashier.operatorId, businessDay(store));
    expect(day.psn_cash_pay).toBe(cash.platform);
    // The slip prints the platform's identifiers and amounts, and what the terminal computed otherwise.
    const slip = await slipsOf(store).slipData(settled.number, 'original', 0, new Date().toISOString());
    expect(slip.platform).toMatchObject({ setl_id: settled.platform!.setl_id });
    expect(slip.psn_cash_pay).toBe(cash.platform);
    expect(slip.platform!.differences.map((d) => d.name)).toContain('个人现金支付');
  });

  it('an edit after 2301 sends 2302 and 2301 for the edited line only; an unchanged bill sends only 2303', async () => {
    const { insurer, store, personId, sync } = await terminal();
    const level = insurer.nhsa.hospitalLevel;
    const presettle = (b: ReturnType<typeof bill>) =>
      sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));

    await presettle(bill(personId, level));
    const first = infnos(store).length;
    await presettle(bill(personId, level));
    expect(infnos(store).slice(first)).toEqual(['2303']);

    const edited = bill(personId, level, '15000.00');
    await presettle(edited);
    const after = steps(store).slice(first + 1);
    expect(after.map((s) => s.infno)).toEqual(['2302', '2301', '2303']);
    expect(JSON.parse(after[0]!.request).input.data.map((d: { feedetl_sn: string }) => d.feedetl_sn)).toEqual(['w-2']);
    expect(JSON.parse(after[1]!.request).input.feedetail.map((d: { feedetl_sn: string }) => d.feedetl_sn)).toEqual([
      'w-2',
    ]);
    // The platform holds the edited bill once: its 2304 settles 27,300.00, not the first bill.
    const settled = await f8(store, sync, edited);
    expect(insurer.nhsaSettlements().map((x) => x.medfee_sumamt)).toEqual(['27300.00']);
    expect(settled.platform!.rows.find((r) => r.key === 'psn_cash_pay')!.terminal).toBe(settled.result.psn_cash_pay);
    expect(infnos(store).filter((i) => i === '2401')).toHaveLength(1);
  });

  it('F8 on a bill changed after F5 is refused and writes nothing', async () => {
    const { insurer, store, personId, sync } = await terminal();
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const changed = bill(personId, insurer.nhsa.hospitalLevel, '15000.00');
    const stay = sync.window.stayFor(changed)!;
    expect(stay).not.toBeNull(); // same stay (person, admission, inpatient no.), other lines
    const err = (() => {
      try {
        store.service.settlements.settle(store.cashier, { ...changed, offline: false }, (r) =>
          sync.window.adopt(stay, changed, r.result, r.outboxId, true),
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DeskError);
    expect((err as DeskError).body.code).toBe('presettle_stale');
    expect(store.service.db.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(0);
    expect(store.service.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
  });

  it('the link drops at 2304: the record is settled here, provisional, and the queue finishes it from the step reached', async () => {
    const { insurer, store, personId, sync } = await terminal([
      { fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2304'] },
    ]);
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const settled = await f8(store, sync, b);
    expect(settled.platform).toBeNull();
    expect(settled.provisional).toMatch(/医保平台未完成/);
    expect(store.service.outbox.counts().queued).toBe(1);
    const slip = await slipsOf(store).slipData(settled.number, 'original', 0, new Date().toISOString());
    expect(slip.platform_pending).toBe(true);

    await sync.syncNow();
    // 2601 of the unknown 2304, then 2304 again with the presettled input; no second 2401, 2301 or 2402.
    expect(infnos(store).slice(-3)).toEqual(['2304', '2601', '2304']);
    expect(infnos(store).filter((i) => ['2401', '2301', '2402'].includes(i))).toEqual(['2401', '2301', '2301', '2402']);
    expect(insurer.nhsaSettlements().filter((s) => s.status !== 'cancelled')).toHaveLength(1);
    expect(store.service.outbox.counts().queued).toBe(0);
  });

  it('no answer to 2401 at F5: told at the window, resolved by 2601 at the next F5, admitted once', async () => {
    const { insurer, store, personId, sync } = await terminal([
      { fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2401'] },
    ]);
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    const local = store.service.settlements.preview(store.cashier, b);
    await expect(sync.window.presettle(store.cashier, b, local)).rejects.toMatchObject({
      body: { code: 'insurer_unreachable' },
    });
    const preview = await sync.window.presettle(store.cashier, b, local);
    expect(preview.mdtrt_id).not.toBe('');
    expect(infnos(store).filter((i) => i === '2401' || i === '2601')).toEqual(['2401', '2601', '2401']);
  });

  it('F5 gets as far as 2301, then no answer to 2303: F8 settles offline on the same stay; the queue never admits twice', async () => {
    const { insurer, store, personId, sync } = await terminal([
      { fault: 'error_500_before_commit', count: 1, path: DEFAULT_PATHS['2303'] },
    ]);
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await expect(
      sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b)),
    ).rejects.toMatchObject({ body: { code: 'insurer_unreachable' } });
    // As settlementHandlers does without a presettlement: settled offline, the window's stay adopted.
    const stay = sync.window.stayFor(b)!;
    expect(stay.presettled).toBeNull();
    const done = store.service.settlements.settle(store.cashier, { ...b, offline: true }, (r) =>
      sync.window.adopt(stay, b, r.result, r.outboxId, false),
    );
    await sync.syncNow();
    expect(infnos(store)).toEqual(['9001', '1101', '2401', '2301', '2301', '2303', '2402', '2304']);
    expect(insurer.nhsaSettlements()).toHaveLength(1);
    expect(store.service.outbox.counts().queued).toBe(0);
    const slip = await slipsOf(store).slipData(done.number, 'original', 0, new Date().toISOString());
    expect(slip.offline).toBe(true);
    expect(slip.platform?.setl_id).toBe(insurer.nhsaSettlements()[0]!.setl_id);
  });

  it('no answer to the 2302 of an edited line: the next F5 cancels it again, reads "不存在" as done, uploads it once', async () => {
    const { insurer, store, personId, sync } = await terminal([
      { fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2302'] },
    ]);
    const level = insurer.nhsa.hospitalLevel;
    const presettle = (b: ReturnType<typeof bill>) =>
      sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    await presettle(bill(personId, level));
    const first = infnos(store).length;
    const edited = bill(personId, level, '15000.00');
    await expect(presettle(edited)).rejects.toMatchObject({ body: { code: 'insurer_unreachable' } });
    await presettle(edited);
    expect(infnos(store).slice(first)).toEqual(['2302', '2302', '2301', '2303']);
    const settled = await f8(store, sync, edited);
    expect(settled.provisional).toBeNull();
    expect(insurer.nhsaSettlements().map((x) => x.medfee_sumamt)).toEqual(['27300.00']);
  });

  it('结算撤销 online: the platform undoes the stay at once (2305 → 2405 → 2302 → 2404); the patient can settle again', async () => {
    const { insurer, store, personId, sync } = await terminal();
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const settled = await f8(store, sync, b);
    const before = infnos(store).length;
    const reversal = store.service.settlements.reverse(
      store.supervisor,
      asReversal({ number: settled.number, reason: '费用录入错误' }),
    );
    expect(await sync.window.reverseNow(reversal.outboxId)).toBeNull();
    expect(infnos(store).slice(before)).toEqual(['2305', '2405', '2302', '2404']);
    expect(insurer.nhsaSettlements().map((x) => x.status)).toEqual(['cancelled']);
    expect(store.service.outbox.counts().queued).toBe(0);
    // The refund is what was collected: the platform's cash, negated; the day nets to zero.
    const refund = await slipsOf(store).slipData(reversal.number, 'reversal', 0, new Date().toISOString());
    expect(refund.psn_cash_pay).toBe(
      negatedAmount(settled.platform!.rows.find((r) => r.key === 'psn_cash_pay')!.platform),
    );
    expect(store.service.day.totals(store.cashier.operatorId, businessDay(store)).psn_cash_pay).toBe('0.00');
    // Settled again at the window: a new stay (2401), the same bill.
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const again = await f8(store, sync, b);
    expect(again.provisional).toBeNull();
    expect(insurer.nhsaSettlements().map((x) => x.status)).toEqual(['cancelled', 'settled']);
  });

  it('结算撤销 with the link down: the reversal waits in the queue and is undone there later', async () => {
    const { insurer, store, personId, sync } = await terminal([
      { fault: 'error_500_before_commit', count: 1, path: DEFAULT_PATHS['2305'] },
    ]);
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const settled = await f8(store, sync, b);
    const reversal = store.service.settlements.reverse(
      store.supervisor,
      asReversal({ number: settled.number, reason: '费用录入错误' }),
    );
    expect(await sync.window.reverseNow(reversal.outboxId)).toMatch(/上传队列中继续/);
    expect(store.service.outbox.counts().queued).toBe(1);
    await sync.syncNow();
    expect(store.service.outbox.counts().queued).toBe(0);
    expect(insurer.nhsaSettlements().map((x) => x.status)).toEqual(['cancelled']);
    expect(infnos(store).filter((i) => i === '2305')).toHaveLength(2); // the first unanswered (500 before commit), 2601, then again
  });

  it('online follows the exchanges: an empty round signs in (9001) to find the link up; an unanswered F5 shows offline', async () => {
    const { insurer, store, personId, sync } = await terminal();
    expect(sync.isOnline()).toBe(false);
    await sync.syncNow();
    expect(sync.isOnline()).toBe(true);
    expect(insurer.nhsaLog().map((l) => l.infno)).toEqual(['9001']);
    await sync.syncNow(); // known online, nothing to send: no request at all
    expect(insurer.nhsaLog()).toHaveLength(1);
    await insurer.close();
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await expect(
      sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b)),
    ).rejects.toMatchObject({ body: { code: 'insurer_unreachable' } });
    expect(sync.isOnline()).toBe(false);
  });

  it('F8 and a timer round on the same record at once: one 2304, the record answered once', async () => {
    const { insurer, store, personId, sync } = await terminal();
    const b = bill(personId, insurer.nhsa.hospitalLevel);
    await sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
    const stay = sync.window.stayFor(b)!;
    const done = store.service.settlements.settle(store.cashier, { ...b, offline: false }, (r) =>
      sync.window.adopt(stay, b, r.result, r.outboxId, true),
    );
    const [now] = await Promise.all([sync.window.settleNow(done.outboxId, done.result), sync.syncNow()]);
    expect(now.provisional).toBeNull();
    expect(infnos(store).filter((i) => i === '2304')).toHaveLength(1);
    expect(store.service.outbox.counts()).toMatchObject({ queued: 0, held: 0, adjusted: 1 });
    expect(insurer.nhsaSettlements()).toHaveLength(1);
  });

  it('结算撤销 at the window while a round holds the queued original: neither goes to the platform', async () => {
    const { insurer, store, personId, sync } = await terminal();
    await sync.syncNow(); // online (9001)
    const number = settleOffline(store, personId, insurer.nhsa.hospitalLevel);
    const reversal = store.service.settlements.reverse(
      store.supervisor,
      asReversal({ number, reason: '费用录入错误' }),
    );
    await Promise.all([sync.window.reverseNow(reversal.outboxId), sync.syncNow()]);
    expect(infnos(store).filter((i) => i !== '9001')).toEqual([]);
    expect(insurer.nhsaSettlements()).toEqual([]);
    expect(store.service.outbox.counts()).toMatchObject({ queued: 0, held: 0 });
  });

  /**
   * The fault matrix on the online steps: whatever happens to one exchange at F5 (2401, 2301, 2303) or F8 (2402,
   * 2304), the cashier is told, the next F5 or the queue resolves it by the protocol's means, and the platform ends
   * with exactly one admission, one copy of each line and one settlement.
   */
  describe('fault matrix at the window', () => {
    const faults: { fault: FaultRule['fault']; style?: 'invalid_json' }[] = [
      { fault: 'drop_after_commit' },
      { fault: 'error_500_after_commit' },
      { fault: 'error_500_before_commit' },
      { fault: 'malformed_body', style: 'invalid_json' },
    ];
    for (const infno of ['2401', '2301', '2303', '2402', '2304'] as const)
      for (const f of faults)
        it(`${infno} with ${f.fault}: told at the window, resolved, settled once`, async () => {
          const { insurer, store, personId, sync } = await terminal([{ ...f, count: 1, path: DEFAULT_PATHS[infno] }]);
          const b = bill(personId, insurer.nhsa.hospitalLevel);
          const presettle = () =>
            sync.window.presettle(store.cashier, b, store.service.settlements.preview(store.cashier, b));
          if (infno === '2402' || infno === '2304') {
            await presettle();
            const settled = await f8(store, sync, b);
            expect(settled.provisional).not.toBeNull();
            await sync.syncNow();
          } else {
            await expect(presettle()).rejects.toMatchObject({ body: { code: 'insurer_unreachable' } });
            await presettle();
            const settled = await f8(store, sync, b);
            expect(settled.provisional).toBeNull();
          }
          expect(store.service.outbox.counts()).toMatchObject({ queued: 0, held: 0 });
          expect(insurer.nhsaSettlements().filter((x) => x.status === 'settled')).toHaveLength(1);
          const db = new Database(join(insurer.dataDir, 'insurer.sqlite'), { readonly: true });
          try {
            expect(db.prepare("SELECT count(*) FROM nhsa_stays WHERE status != 'void'").pluck().get()).toBe(1);
            expect(db.prepare('SELECT count(*) FROM nhsa_fee_lines WHERE cancelled_by IS NULL').pluck().get()).toBe(3);
          } finally {
            db.close();
          }
        });
  });
});
