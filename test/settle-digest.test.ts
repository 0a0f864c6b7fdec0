/**
 * What you see is what you settle (issue 17 item 1), in the service: F5
 * (settlement.preview) answers with the digest of the bill it computed; F8
 * (settlement.settle, the window's channel) sends it back and the service
 * refuses a bill that differs (preview_stale) and writes nothing. A stay
 * across 1 January with all its typed costs in one year is refused at the
 * window's channels until split or confirmed (costs_not_split). The services'
 * other callers (the CLI) settle directly, without a digest.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/settings.js';
import { openDeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { previewDigest } from '../electron/worker/services/settlements.js';
import type { SettlementResult } from '../shared/engine/result.js';
import { testPlatform } from './test-platform.js';
import {
  TestClock,
  asBill,
  dazhouPerson,
  example1WindowBill,
  idNumber,
  makeStore,
  previewed,
  refusal,
} from './store-support.js';

const dataDir = mkdtempSync(join(tmpdir(), 'desk-digest-'));
writeFileSync(
  join(dataDir, 'config.json'),
  JSON.stringify({
    ...DEFAULT_CONFIG,
    terminal: { code: 'T01', hospital_code: 'H51010000001', hospital_name: '测试市第一人民医院' },
  }),
);
const app = openDeskApp({
  dataDir,
  platform: testPlatform(dataDir),
  clock: new TestClock(new Date('2026-03-20T02:00:00Z')),
});
afterAll(() => app.close());
const ctx = { clientId: 'window' };
type Answer = { ok: true; value: Record<string, unknown> } | { ok: false; error: Record<string, unknown> };
const call = async (name: string, payload: unknown) =>
  (await dispatch(app.handlers, name, payload, ctx, () => undefined)) as Answer;
const settlements = () => (app.service.db.prepare('SELECT count(*) n FROM settlements').get() as { n: number }).n;

let personId = 0;
beforeAll(async () => {
  expect(await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' })).toMatchObject({ ok: true });
  const person = await call('person.record', { ...dazhouPerson(), id_number: idNumber(5) });
  personId = (person as unknown as { value: { person_id: number } }).value.person_id;
});

const digestOf = async (bill: unknown) => {
  const r = await call('settlement.preview', bill);
  expect(r.ok).toBe(true);
  return (r as unknown as { value: { digest: string } }).value.digest;
};

describe('the preview digest (settlement.preview / settlement.settle)', () => {
  it('answers F5 with a SHA-256 of the bill, the same for the same bill whatever its key order', async () => {
    const bill = example1WindowBill(personId);
    const digest = await digestOf(bill);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const reordered = Object.fromEntries(Object.entries(bill).reverse());
    expect(await digestOf(reordered)).toBe(digest);
    expect(await digestOf({ ...bill, hospital_level: 2 })).not.toBe(digest);
  });

  it('refuses F8 of a bill changed after its preview (preview_stale), writing nothing', async () => {
    const seen = example1WindowBill(personId, {
      costs: [
        {
          date: '2026-03-20',
          medfee_sumamt: '10000.00',
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
      ],
    });
    const digest = await digestOf(seen);
    const changed = {
      ...seen,
      costs: [{ ...(seen['costs'] as object[])[0], medfee_sumamt: '50000.00' }],
    };
    const before = settlements();
    expect(await call('settlement.settle', { ...changed, preview_digest: digest })).toEqual({
      ok: false,
      error: {
        code: 'preview_stale',
        field: '',
        message: '预览后账单已改动，请按 F5 重新预览',
        message_en: 'the bill changed after its preview: press F5 to preview again',
      },
    });
    expect(settlements()).toBe(before);
    // The stay for the slip is part of the bill too.
    const stayEdited = { ...seen, stay: { inpatient_no: 'Z1', ward: '', bed: '', diagnosis: '' } };
    expect(await call('settlement.settle', { ...stayEdited, preview_digest: digest })).toMatchObject({
      ok: false,
      error: { code: 'preview_stale' },
    });
    expect(settlements()).toBe(before);
    // The bill that was previewed settles.
    expect(await call('settlement.settle', { ...seen, preview_digest: digest })).toMatchObject({ ok: true });
    expect(settlements()).toBe(before + 1);
  });

  it('refuses a bill without a digest or with a malformed one, by its field, and writes nothing', async () => {
    const before = settlements();
    for (const [preview_digest, code] of [
      [undefined, 'missing_field'],
      ['x', 'invalid_field'],
    ] as const)
      expect(await call('settlement.settle', { ...example1WindowBill(personId), preview_digest })).toMatchObject({
        ok: false,
        error: { code, field: 'preview_digest' },
      });
    expect(settlements()).toBe(before);
    expect(await call('settlement.settle', await previewed(call, example1WindowBill(personId)))).toMatchObject({
      ok: true,
    });
    expect(settlements()).toBe(before + 1);
  });

  it('covers the 2303 data at an NHSA terminal: the same bill with another 2303 has another digest', async () => {
    const bill = asBill(example1WindowBill(personId));
    const preview = (await call('settlement.preview', example1WindowBill(personId))) as unknown as {
      value: SettlementResult & { digest: string };
    };
    const { digest, ...result } = preview.value;
    expect(previewDigest(bill, result)).toBe(digest);
    const plain = previewDigest(bill, result);
    expect(previewDigest(bill, result, '{"mdtrt_id":"M1"}')).not.toBe(plain);
    expect(previewDigest(bill, result, '{"mdtrt_id":"M1"}')).toBe(previewDigest(bill, result, '{"mdtrt_id":"M1"}'));
    // offline is the terminal's, not the bill's: it does not change the digest.
    expect(previewDigest({ ...bill, offline: true }, result)).toBe(plain);
    // The amounts are part of it; the trace is not.
    expect(previewDigest(bill, { ...result, psn_cash_pay: '0.00' })).not.toBe(plain);
    expect(previewDigest(bill, { ...result, trace: [] })).toBe(plain);
  });

  it('refuses F8 when the amounts changed since F5 though the bill did not (another settlement moved the accumulators)', async () => {
    const bill = example1WindowBill(personId);
    const preview = await call('settlement.preview', bill);
    const digest = (preview as unknown as { value: { digest: string } }).value.digest;
    // Another window settles a stay of the same person meanwhile: this year's accumulators move.
    expect(await call('settlement.settle', await previewed(call, example1WindowBill(personId)))).toMatchObject({
      ok: true,
    });
    const before = settlements();
    expect(await call('settlement.settle', { ...bill, preview_digest: digest })).toMatchObject({
      ok: false,
      error: { code: 'preview_stale' },
    });
    expect(settlements()).toBe(before);
  });
});

describe('a stay across 1 January with all its costs in one year (issue 17 item 8)', () => {
  const oneLine = (extra: Record<string, unknown> = {}) => ({
    person_id: personId,
    hospital_level: 3,
    admission_date: '2025-12-20',
    discharge_date: '2026-01-10',
    costs: [
      {
        date: '2026-01-10',
        medfee_sumamt: '70000.00',
        fulamt_ownpay_amt: '0.00',
        overlmt_selfpay: '0.00',
        preselfpay_amt: '0.00',
      },
    ],
    ...extra,
  });

  it('is refused at F5 and F8 until confirmed, naming the confirmation box', async () => {
    // F8 with a well-formed digest: the stay is refused before any digest is compared.
    for (const [channel, bill] of [
      ['settlement.preview', oneLine()],
      ['settlement.settle', oneLine({ preview_digest: '0'.repeat(64) })],
    ] as const)
      expect(await call(channel, bill)).toMatchObject({
        ok: false,
        error: { code: 'costs_not_split', field: 'cross_year_confirmed', message: expect.stringContaining('跨年') },
      });
    const digest = await digestOf(oneLine({ cross_year_confirmed: true }));
    // The confirmation is part of the previewed bill: without it F8 is refused, with it the bill settles.
    expect(await call('settlement.settle', { ...oneLine(), preview_digest: digest })).toMatchObject({
      ok: false,
      error: { code: 'costs_not_split' },
    });
    expect(
      await call('settlement.settle', { ...oneLine({ cross_year_confirmed: true }), preview_digest: digest }),
    ).toMatchObject({ ok: true });
  });

  it('is settled split by date without a confirmation', async () => {
    const split = oneLine({
      costs: [
        {
          date: '2025-12-31',
          medfee_sumamt: '35000.00',
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
        {
          date: '2026-01-10',
          medfee_sumamt: '35000.00',
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
      ],
    });
    const digest = await digestOf(split);
    expect(await call('settlement.settle', { ...split, preview_digest: digest })).toMatchObject({ ok: true });
  });
});

describe('the services under the window (CLI and other callers)', () => {
  it('settle directly, without a digest; the date limits are the service’s own', () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    expect(s.service.settlements.settle(s.cashier, asBill(example1WindowBill(person_id))).number).toMatch(/^T01-S/);
    expect(
      refusal(() =>
        s.service.settlements.preview(
          s.cashier,
          asBill(example1WindowBill(person_id, { admission_date: '1900-01-01' })),
        ),
      ),
    ).toMatchObject({
      code: 'invalid_date',
      field: 'admission_date',
    });
    expect(
      refusal(() =>
        s.service.settlements.preview(
          s.cashier,
          asBill(
            example1WindowBill(person_id, {
              discharge_date: '2099-12-31',
              costs: [
                {
                  date: '2099-12-31',
                  medfee_sumamt: '100.00',
                  fulamt_ownpay_amt: '0.00',
                  overlmt_selfpay: '0.00',
                  preselfpay_amt: '0.00',
                },
              ],
            }),
          ),
        ),
      ),
    ).toMatchObject({ code: 'invalid_date', field: 'discharge_date' });
  });
});
