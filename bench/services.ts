/**
 * What the services worker thread costs and buys (electron/worker/): the
 * same calls through the worker and in-process, on fresh data folders with
 * durable commits. Prints:
 *  1. round trip of a light call (app.status): p50/p95/p99 over BENCH_CALLS (default 2,000);
 *  2. settle through the contract (settlement.settle): p50/p95/p99 over BENCH_SETTLES (default 400);
 *  3. the caller's event loop while 100 settlements are asked for at once:
 *     the worst gap of a 5 ms timer in the calling thread (with the worker it
 *     keeps ticking; in-process it stops for the whole batch).
 *
 *   npm run bench:services
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices } from '../electron/node/services-client.js';
import { openDeskApp } from '../electron/worker/desk-app.js';
import { dispatch, type Invoke } from '../electron/node/dispatch.js';
import { idCheckCharacter } from '../shared/sync/id-number.js';
import { businessDate } from '../electron/worker/store/clock.js';
import type { Platform } from '../electron/node/platform.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 2_000);
const SETTLES = Number(process.env['BENCH_SETTLES'] ?? 400);
const BURST = 100;
const key = new Uint8Array(32).fill(3);
/** Nothing is printed in this bench: the platform only holds the key. */
const platform: Platform = {
  print: () => Promise.reject(new Error('no printer in this bench')),
  publish: async () => null,
  listPrinters: null,
  keys: { masterKey: () => Buffer.from(key) },
  close: async () => undefined,
};
const ctx = { clientId: 'bench' };
const today = businessDate(new Date());

const idNumber = (n: number) => {
  const first17 = `5101021980${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
  return first17 + idCheckCharacter(first17);
};

function quantiles(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  return `p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms`;
}

async function ok(invoke: Invoke, name: string, payload: unknown): Promise<unknown> {
  const r = await invoke(name, payload, ctx);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.field} ${r.error.message_en}`);
  return r.value;
}

async function run(label: string, invoke: Invoke): Promise<void> {
  await ok(invoke, 'auth.setup', { code: 'sup1', name: '基准', pin: '246810' });
  const persons: number[] = [];
  // One person per settlement of the burst: each is previewed before the burst, and another settlement of the same
  // person in between would move its accumulators and make its F5 stale (preview_stale).
  for (let i = 0; i < BURST; i++) {
    const p = (await ok(invoke, 'person.record', {
      id_number: idNumber(i),
      name: `患者${i}`,
      gender: 'M',
      region: 'dazhou',
      scheme: 'employee',
      retired: false,
      medical_assistance: false,
      enrolled: {},
      accumulators: {},
      as_of: '2026-01-01T00:00:00+08:00',
      source: 'cashier',
    })) as { person_id: number };
    persons.push(p.person_id);
  }
  const bill = (i: number) => ({
    person_id: persons[i % persons.length]!,
    hospital_level: 3,
    admission_date: today,
    discharge_date: today,
    costs: [
      {
        date: today,
        medfee_sumamt: `${1000 + (i % 5000)}.00`,
        fulamt_ownpay_amt: '0.00',
        overlmt_selfpay: '0.00',
        preselfpay_amt: '0.00',
      },
    ],
  });

  const light: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await ok(invoke, 'app.status', {});
    light.push(performance.now() - t);
  }
  const settles: number[] = [];
  // F5 then F8, as the window does: the digest is required; only F8 is timed.
  const previewed = async (i: number) => ({
    ...bill(i),
    preview_digest: ((await ok(invoke, 'settlement.preview', bill(i))) as { digest: string }).digest,
  });
  for (let i = 0; i < SETTLES; i++) {
    const seen = await previewed(i);
    const t = performance.now();
    await ok(invoke, 'settlement.settle', seen);
    settles.push(performance.now() - t);
  }
  const burstBills = [];
  for (let i = 0; i < BURST; i++) burstBills.push(await previewed(SETTLES + i));
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  const started = performance.now();
  await Promise.all(burstBills.map((b) => ok(invoke, 'settlement.settle', b)));
  const burst = performance.now() - started;
  // The gap still open when the batch ends counts too (in-process, the timer never gets to fire during it).
  worst = Math.max(worst, performance.now() - last);
  clearInterval(timer);
  process.stdout.write(
    `${label}\n  app.status round trip: ${quantiles(light)} (${CALLS} calls)\n  settlement.settle: ${quantiles(settles)} (${SETTLES} calls)\n  ${BURST} settlements at once: ${burst.toFixed(0)} ms; worst gap of the caller's 5 ms timer ${worst.toFixed(1)} ms\n`,
  );
}

const workerDir = mkdtempSync(join(tmpdir(), 'bench-services-worker-'));
const services = await startServices({
  entry: new URL('./services-worker.cjs', import.meta.url),
  dataDir: workerDir,
  platform,
  backups: false,
});
await run('through the services worker (as the app runs):', services.call);
await services.close();

const inDir = mkdtempSync(join(tmpdir(), 'bench-services-inprocess-'));
const app = openDeskApp({ dataDir: inDir, platform });
await run('in-process (for comparison):', (name, payload, c) => dispatch(app.handlers, name, payload, c));
await app.close();
rmSync(workerDir, { recursive: true, force: true });
rmSync(inDir, { recursive: true, force: true });
