/**
 * Sync benchmark: drain BENCH_SYNC_N (default 10,000) queued claims from a real
 * store to the reference insurer on 127.0.0.1, batches of 100, durable commits
 * on both sides. Once clean, once with BENCH_SYNC_FAULT (default 5% of
 * uploads answered 500 after the insurer committed: every such batch is sent
 * again and answered `duplicate`). The claims are real settle() calls (the
 * insurer recomputes and accepts each); the queued database is copied so both
 * runs drain the same outbox. Prints claims per second and what a week
 * offline (7 × 400 claims) takes to sync at that rate; at each queue length
 * also the first batch's time and the rate of the batches after it (the first
 * pays for the connection and code not yet optimised, once per drain).
 *
 *   npx esbuild bench/sync.ts --bundle --platform=node --format=esm --outfile=out/bench/sync.mjs --external:better-sqlite3-multiple-ciphers --log-level=warning && node out/bench/sync.mjs
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../electron/worker/store/db.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { DeskService } from '../electron/worker/services/desk-service.js';
import { SyncWorker } from '../electron/worker/sync/worker.js';
import { ENDPOINTS, MAX_BATCH_ITEMS } from '../shared/sync/protocol.js';
import { startInsurer } from '../insurer/server.js';
import { parseFaultSpec, type FaultRule } from '../insurer/faults.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { parseInput, recordPersonInput, settleInput } from '../shared/store/inputs.js';

const N = Number(process.env['BENCH_SYNC_N'] ?? 10_000);
const FAULT = process.env['BENCH_SYNC_FAULT'] ?? 'error_500_after_commit:p=0.05,path=/v1/claims';
const WEEK = 7 * 400;
const BATCH = MAX_BATCH_ITEMS;
const TERMINAL = { code: 'T01', hospital_code: 'H510100001', hospital_name: '基准测试医院' };
const CREDENTIAL = { hospital_code: 'H510100001', terminal_code: 'T01', secret: 'bench-secret-T01-0123456789' };
/** Seeded persons without insurer-side extra accumulators: their claims are accepted. */
const PLAIN = [
  '511702197509210021',
  '410202197001050037',
  '410202198812300049',
  '621002196204180055',
  '621002197907070068',
  '510603199002140078',
  '320281198305270096',
  '320281195808090106',
];

class Done extends Error {}

const root = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const open = (dir: string) =>
  new DeskService({
    db: openDatabase(join(dir, 'desk.sqlite'), new FileKeyProvider(join(root, 'key'))),
    keys: new FileKeyProvider(join(root, 'key')),
    dataDir: dir,
    terminal: TERMINAL,
  });

function fill(dir: string, n: number = N): void {
  const service = open(dir);
  service.operators.create(null, { code: 'sup1', name: '主管', role: 'supervisor', pin: '246810' });
  const op = service.operators.login({ code: 'sup1', pin: '246810' });
  const persons = PLAIN.map((id) => {
    const s = SEED_PERSONS.find((x) => x.id_number === id)!;
    const { id_number, name, gender, region, scheme, retired, medical_assistance, enrolled } = s;
    return service.persons.record(
      op,
      parseInput(recordPersonInput, {
        id_number,
        name,
        gender,
        region,
        scheme,
        retired,
        medical_assistance,
        enrolled,
        accumulators: {},
        as_of: '2026-01-01T00:00:00+08:00',
        source: 'cashier',
      }),
    ).person_id;
  });
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const cents = String(i % 100).padStart(2, '0');
    service.settlements.settle(
      op,
      parseInput(settleInput, {
        person_id: persons[i % persons.length]!,
        hospital_level: 2,
        admission_date: '2026-03-10',
        discharge_date: '2026-03-15',
        costs: [
          {
            date: '2026-03-15',
            medfee_sumamt: `${800 + (i % 400)}.${cents}`,
            fulamt_ownpay_amt: '50.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '20.00',
          },
        ],
        offline: true,
      }),
    );
  }
  process.stdout.write(
    `queued ${n} claims through settle() in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  service.db.pragma('wal_checkpoint(TRUNCATE)');
  service.db.close();
}

interface Drained {
  seconds: number;
  runs: number;
  attempts: number;
  /** Seconds from the start of the drain to the end of each upload's answer (fetch), in order. */
  answered: number[];
}

async function drain(dir: string, faults: FaultRule[]): Promise<Drained> {
  const insurer = await startInsurer({
    dataDir: join(dir, 'insurer'),
    port: 0,
    terminals: [CREDENTIAL],
    faults,
    log: () => {},
  });
  const service = open(dir);
  const realFetch = globalThis.fetch;
  try {
    const worker = new SyncWorker(service, {
      url: insurer.url,
      ...CREDENTIAL,
      pinnedKeysSpkiBase64: [insurer.publicKeySpkiBase64],
      timeoutMs: 30_000,
    });
    await worker.pullRules(); // sign-in and the rule check out of the timing
    // When each claim upload's answer (its headers) came back: the first batch against the rest shows what a drain's
    // start costs. Other calls (a token refresh) are not batches.
    const answered: number[] = [];
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      const r = await realFetch(...args);
      if (String(args[0]).endsWith(ENDPOINTS.claims.path)) answered.push((performance.now() - started) / 1000);
      return r;
    }) as typeof fetch;
    const started = performance.now();
    let runs = 0;
    while (worker.status().queued > 0) {
      if (++runs > 10_000) throw new Error(`not drained: ${worker.status().last_error}`);
      await worker.syncNow();
    }
    const seconds = (performance.now() - started) / 1000;
    const bad = service.db.prepare("SELECT count(*) FROM outbox WHERE status <> 'accepted'").pluck().get() as number;
    if (bad > 0) throw new Error(`${bad} rows not accepted: ${JSON.stringify(worker.status().work.slice(0, 3))}`);
    const attempts = service.db.prepare('SELECT sum(attempts) FROM outbox').pluck().get() as number;
    return { seconds, runs, attempts, answered };
  } finally {
    globalThis.fetch = realFetch;
    service.db.close();
    await insurer.close();
  }
}

function report(label: string, r: Drained, n: number = N): number {
  const rate = n / r.seconds;
  process.stdout.write(
    `${label.padEnd(44)} ${r.seconds.toFixed(2).padStart(7)} s  ${rate.toFixed(0).padStart(6)} claims/s  runs ${String(r.runs).padStart(4)}  sends/claim ${(r.attempts / n).toFixed(3)}  week offline (${WEEK}): ${(WEEK / rate).toFixed(2)} s\n`,
  );
  return rate;
}

/**
 * The drain at several queue lengths (issue 18: the insurer re-added every earlier move of the person per claim,
 * so the rate fell with the queue). Target: flat within 20% from 500 to 10,000 and ≥ 1,000 claims/s.
 */
async function scaling(sizes: number[]): Promise<void> {
  const rates: number[] = [];
  const steady: number[] = [];
  for (const n of sizes) {
    const dir = join(root, `scale-${n}`);
    mkdirSync(dir);
    fill(dir, n);
    const r = await drain(dir, []);
    rates.push(report(`clean loopback, ${n} queued`, r, n));
    // After the first batch (its answer): the claims of the other batches over the time they took.
    const first = r.answered[0]!;
    if (r.answered.length < 2) continue; // one batch: nothing after the first
    const rest = (n - BATCH) / (r.seconds - first);
    steady.push(rest);
    process.stdout.write(
      `   the first batch of ${BATCH} answered after ${(first * 1000).toFixed(0)} ms; the other ${r.answered.length - 1} batches ${rest.toFixed(0)} claims/s\n`,
    );
  }
  const steadySpread = steady.length > 0 ? Math.max(...steady) / Math.min(...steady) : NaN;
  process.stdout.write(
    `after the first batch: spread (max ÷ min) ${steadySpread.toFixed(2)}×  flat within 20%: ${steadySpread <= 1.2 ? 'met' : 'NOT met'}  ≥ 1,000 claims/s: ${Math.min(...steady) >= 1000 ? 'met' : 'NOT met'}\n`,
  );
  const lowest = Math.min(...rates);
  const highest = Math.max(...rates);
  process.stdout.write(
    `scaling ${sizes.join(' / ')}: rate at the largest ÷ at the smallest ${(rates.at(-1)! / rates[0]!).toFixed(2)}×, spread (max ÷ min) ${(highest / lowest).toFixed(2)}×  flat within 20%: ${highest / lowest <= 1.2 ? 'met' : 'NOT met'}  ≥ 1,000 claims/s: ${lowest >= 1000 ? 'met' : 'NOT met'}\n`,
  );
}

const SIZES = (process.env['BENCH_SYNC_SIZES'] ?? '500,2000,10000').split(',').map(Number);
try {
  await scaling(SIZES);
  // BENCH_SYNC_ONLY=scale: the scaling run only (not the clean and faulty drains of BENCH_SYNC_N).
  if (process.env['BENCH_SYNC_ONLY'] === 'scale') throw new Done();
  const a = join(root, 'clean');
  const b = join(root, 'faulty');
  mkdirSync(a);
  mkdirSync(b);
  fill(a);
  for (const suffix of ['', '-wal'])
    if (existsSync(join(a, `desk.sqlite${suffix}`)))
      copyFileSync(join(a, `desk.sqlite${suffix}`), join(b, `desk.sqlite${suffix}`));
  report('clean loopback', await drain(a, []));
  report(`with faults: ${FAULT}`, await drain(b, FAULT.split(';').map(parseFaultSpec)));
} catch (e) {
  if (!(e instanceof Done)) throw e;
} finally {
  rmSync(root, { recursive: true, force: true });
}
