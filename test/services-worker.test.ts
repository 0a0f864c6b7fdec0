/**
 * The services run in a worker thread (electron/worker/): calls cross into
 * it and come back with their errors intact, printing and publishing happen in
 * the parent, the parent's event loop stays free while the worker is busy, a
 * dead worker fails its calls clearly and is restarted, and a data folder the
 * app may not open is refused with its reason.
 */
import { groupedYuan } from '../shared/money.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId as mainThreadId } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { testPlatform } from './test-platform.js';
import { startServices, type Services } from '../electron/node/services-client.js';
import { DEV_WORKER_ENTRY } from '../electron/host/dev-worker-entry.js';
import { ChromiumSlipPrinter } from '../electron/host/chromium-printer.js';
import type { SlipPrinter } from '../electron/node/printer.js';
import { dazhouPerson, previewed } from './store-support.js';
import { businessDate } from '../electron/worker/store/clock.js';

const key = new Uint8Array(32).fill(7);
const open: Services[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

async function start(
  dataDir = mkdtempSync(join(tmpdir(), 'desk-worker-')),
  printer: SlipPrinter = new ChromiumSlipPrinter(),
  published: { html: string; pdf: Buffer }[] = [],
) {
  const services = await startServices({
    entry: DEV_WORKER_ENTRY,
    dataDir,
    platform: testPlatform(dataDir, {
      printer,
      keys: { masterKey: () => Buffer.from(key) },
      publish: (html, pdf) => {
        published.push({ html, pdf });
        return { html_url: `/documents/${published.length}.html`, pdf_url: `/documents/${published.length}.pdf` };
      },
    }),
    backups: false,
    log: () => undefined,
  });
  open.push(services);
  return services;
}

const ctx = { clientId: 'window-1' };

describe('services worker', () => {
  it('settles and prints through the worker; the slip is rendered by the parent and published', async () => {
    const published: { html: string; pdf: Buffer }[] = [];
    const services = await start(undefined, new ChromiumSlipPrinter(), published);
    expect(services.threadId()).toBeGreaterThan(0);
    expect(services.threadId()).not.toBe(mainThreadId);

    expect(await services.call('app.status', {}, ctx)).toMatchObject({
      ok: true,
      value: { needs_first_operator: true, operator: null },
    });
    expect(await services.call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, ctx)).toMatchObject({
      ok: true,
      value: { role: 'supervisor' },
    });
    // Another window has its own session.
    expect(await services.call('history.search', {}, { clientId: 'window-2' })).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    // Validation errors keep their code and field across the thread boundary.
    expect(await services.call('settlement.preview', { person_id: 1 }, ctx)).toMatchObject({
      ok: false,
      error: { field: 'hospital_level' },
    });

    const today = businessDate(new Date());
    const person = await services.call('person.record', dazhouPerson(3), ctx);
    expect(person.ok).toBe(true);
    const personId = (person as { value: { person_id: number } }).value.person_id;
    const bill = {
      person_id: personId,
      hospital_level: 3,
      admission_date: `${today.slice(0, 4)}-01-02`,
      discharge_date: today,
      costs: [
        {
          date: today,
          medfee_sumamt: '180000.00',
          fulamt_ownpay_amt: '6000.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '4000.00',
        },
      ],
    };
    const settled = await services.call(
      'settlement.settle',
      await previewed((c, x) => services.call(c, x, ctx), bill),
      ctx,
    );
    expect(settled).toMatchObject({ ok: true, value: { number: expect.stringMatching(/^T01-S\d{8}-\d{6}$/) } });
    const number = (settled as { value: { number: string } }).value.number;
    const cash = (settled as { value: { result: { psn_cash_pay: string } } }).value.result.psn_cash_pay;

    const printed = await services.call('slip.print', { number, layout: 'a5' }, ctx);
    expect(printed).toMatchObject({
      ok: true,
      value: { kind: 'original', html_url: '/documents/1.html', pdf_url: '/documents/1.pdf' },
    });
    expect(published).toHaveLength(1);
    expect(published[0]!.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(published[0]!.html).toContain(number);
    expect(published[0]!.html).toContain(groupedYuan(cash)); // the slip groups thousands
  });

  it('a printer failure in the parent reaches the window as a clear error, and no reprint is counted', async () => {
    // Prints once (a stand-in PDF; real rendering is covered above), then the printer goes offline.
    let prints = 0;
    const flaky: SlipPrinter = {
      toPdf: () =>
        prints++ === 0
          ? Promise.resolve({ pdf: Buffer.from('%PDF-1.4\n%stand-in\n'), widthMm: 148, heightMm: 210 })
          : Promise.reject(new Error('打印失败：printer offline')),
      close: async () => undefined,
    };
    const services = await start(undefined, flaky);
    await services.call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, ctx);
    const person = (await services.call('person.record', dazhouPerson(4), ctx)) as { value: { person_id: number } };
    const today = businessDate(new Date());
    const settled = (await services.call(
      'settlement.settle',
      await previewed((c, x) => services.call(c, x, ctx), {
        person_id: person.value.person_id,
        hospital_level: 3,
        admission_date: today,
        discharge_date: today,
        costs: [
          {
            date: today,
            medfee_sumamt: '1000.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '0.00',
          },
        ],
      }),
      ctx,
    )) as { value: { number: string } };
    const number = settled.value.number;
    expect(await services.call('slip.print', { number, layout: 'a5' }, ctx)).toMatchObject({
      ok: true,
      value: { kind: 'original' },
    });
    expect(await services.call('slip.print', { number, layout: 'a5' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'print_failed', message: '打印失败：printer offline' },
    });
    const record = (await services.call('settlement.get', { number }, ctx)) as {
      value: { record: { reprints: number } };
    };
    expect(record.value.record.reprints).toBe(0);
  });

  it("keeps the parent's event loop free while the worker is busy", async () => {
    const services = await start(undefined, {
      toPdf: () => Promise.reject(new Error('unused')),
      close: async () => undefined,
    });
    await services.call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, ctx);
    // Ten PIN checks: scrypt is synchronous and takes tens of milliseconds of CPU each.
    let last = Date.now();
    let worstGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const started = Date.now();
    // All at once: run in this thread, the ten synchronous checks would hold it for the whole time.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => services.call('auth.login', { code: 'sup1', pin: '246810' }, ctx)),
    );
    const busy = Date.now() - started;
    clearInterval(timer);
    for (const r of results) expect(r).toMatchObject({ ok: true });
    // The timer kept firing: the worst gap is a small fraction of the time the worker was busy.
    expect(worstGap).toBeLessThan(busy / 3);
  });

  it('a dead worker fails its calls in flight and is restarted on the next call', async () => {
    const services = await start(undefined, {
      toPdf: () => Promise.reject(new Error('unused')),
      close: async () => undefined,
    });
    await services.call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, ctx);
    const first = services.threadId();
    const inFlight = services.call('auth.login', { code: 'sup1', pin: '246810' }, ctx);
    await services.terminate();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'service_unavailable' } });
    // The new worker opens the same data: the supervisor exists, the session does not.
    expect(await services.call('app.status', {}, ctx)).toMatchObject({
      ok: true,
      value: { needs_first_operator: false, operator: null },
    });
    expect(services.threadId()).not.toBe(first);
  });

  it('refuses a data folder it may not open, with the reason', async () => {
    const newer = mkdtempSync(join(tmpdir(), 'desk-worker-newer-'));
    const db = new Database(join(newer, 'desk.sqlite'));
    db.pragma('user_version = 999');
    db.close();
    await expect(start(newer)).rejects.toThrow(/newer version of the app/);

    const broken = mkdtempSync(join(tmpdir(), 'desk-worker-config-'));
    writeFileSync(join(broken, 'config.json'), '{"terminal": {"code": "t 1"}');
    await expect(start(broken)).rejects.toThrow(/config\.json: not valid JSON/);
  });
});
