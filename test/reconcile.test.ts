/** Daily reconciliation against the reference insurer: balanced after a sync; a settlement not yet uploaded is named. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { SyncWorker } from '../electron/worker/sync/worker.js';
import { terminalDayTotals } from '../electron/worker/sync/reconcile.js';
import { TERMINAL, asBill, makeStore, recordSeeded } from './store-support.js';

const CREDENTIAL = {
  hospital_code: TERMINAL.hospital_code,
  terminal_code: TERMINAL.code,
  secret: 'reconcile-secret-0123456789',
};
let insurer: RunningInsurer;
afterAll(() => insurer?.close());

describe('reconciliation (3201 / 3202)', () => {
  it('balances after the outbox is uploaded and names the record the insurer has not received', async () => {
    insurer = await startInsurer({
      dataDir: mkdtempSync(join(tmpdir(), 'insurer-rec-')),
      port: 0,
      terminals: [CREDENTIAL],
      log: () => {},
    });
    const store = makeStore();
    const worker = new SyncWorker(store.service, {
      url: insurer.url,
      terminal_code: CREDENTIAL.terminal_code,
      hospital_code: CREDENTIAL.hospital_code,
      secret: CREDENTIAL.secret,
      pinnedKeysSpkiBase64: [insurer.publicKeySpkiBase64],
      timeoutMs: 5000,
    });
    const person_id = recordSeeded(store, '410202197001050037');
    const bill = (total: string) => ({
      person_id,
      hospital_level: 2,
      admission_date: '2026-03-10',
      discharge_date: '2026-03-15',
      costs: [
        {
          date: '2026-03-15',
          medfee_sumamt: total,
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
      ],
    });
    const first = store.service.settlements.settle(store.cashier, asBill(bill('1200.00'))).number;
    store.service.settlements.settle(store.cashier, asBill(bill('900.00')));
    store.service.settlements.reverse(store.supervisor, { number: first, reason: '重复结算' });
    expect((await worker.syncNow()).ok).toBe(true);

    const balanced = await worker.reconcile(store.supervisor, '2026-03-20');
    expect(balanced.result).toBe('balanced');
    expect(balanced.terminal).toEqual(terminalDayTotals(store.service.db, '2026-03-20'));
    expect(balanced.terminal).toMatchObject({ settlements: 2, reversals: 1 });

    const late = store.service.settlements.settle(store.cashier, asBill(bill('700.00'))).number;
    const mismatch = await worker.reconcile(store.supervisor, '2026-03-20');
    expect(mismatch.result).toBe('mismatch');
    expect(mismatch.differences.map((d) => d.field)).toContain('settlements');
    expect(mismatch.records).toEqual([
      {
        number: late,
        code: 'not_received',
        problem: '医保未收到（尚未上传）',
        terminal: expect.stringMatching(/^\d+\.\d{2}$/),
        insurer: null,
      },
    ]);
    await expect(worker.reconcile(store.cashier, '2026-03-20')).rejects.toMatchObject({ body: { code: 'forbidden' } });
    await worker.stop();
  });
});
