/**
 * Store benchmark: the real DeskService on real database files in a temporary
 * folder (WAL, synchronous=FULL, foreign keys on, as openDatabase sets). Prints:
 *  1. settle() latency end to end with durable commits: p50/p95/p99/max over
 *     BENCH_SETTLE_N calls (default 2,000) cycling through persons and bills of
 *     the five regions (goal: p99 < 20 ms);
 *     The same run on a clear (unencrypted) store, as before issue 15, gives
 *     what encryption costs: settle() and the raw-commit floor on both, with
 *     their ratio;
 *  2. history() over BENCH_HISTORY_ROWS settlements (default 1,000,000): a few
 *     hundred settled through the service, the rest bulk-inserted copies of
 *     them (new numbers, ~365 business dates, ~50,000 persons, ~1% reversed),
 *     then each kind of search 50 times through the service with a real
 *     session (goal: p99 < 100 ms), with its query plan: once warm (the file
 *     in the page cache), once cold (the file dropped from the page cache
 *     before each kind, as after a restart of the PC; Linux, GNU dd). Then the
 *     same searches on a decrypted copy (the ratio is what encryption costs),
 *     the time to encrypt that clear copy as a clear store is converted at its
 *     first open, and a backup of each (VACUUM INTO, and the app's verified
 *     backup of the encrypted one).
 *
 *   npm run bench:store      (npm run bench runs the engine's and this one)
 *
 * BENCH_HISTORY_PERSONS (default 50,000) sets the number of persons.
 * BENCH_TRY_INDEX="CREATE INDEX …" also measures the searches again on a scratch
 * copy of the history database with that index added (the schema itself is
 * not changed). The files are deleted at the end.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import {
  encryptClearDatabase,
  migrate,
  openDatabase,
  openKeyed,
  storeKey,
  type Db,
} from '../electron/worker/store/db.js';
import { chainKey, registerChain } from '../electron/worker/store/chain.js';
import { backupDatabase } from '../electron/worker/store/backup.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { IdentityVault, maskIdNumber } from '../electron/worker/store/pii.js';
import { DeskService, type Session } from '../electron/worker/services/desk-service.js';
import { businessDate, systemClock, type Clock } from '../electron/worker/store/clock.js';
import { Decimal, ZERO, formatAmount, type Money } from '../shared/money.js';
import { parseInput, historyQuery, recordPersonInput, settleInput } from '../shared/store/inputs.js';

const SETTLE_N = Number(process.env['BENCH_SETTLE_N'] ?? 2_000);
const HISTORY_ROWS = Number(process.env['BENCH_HISTORY_ROWS'] ?? 1_000_000);
const HISTORY_PERSONS = Number(process.env['BENCH_HISTORY_PERSONS'] ?? 50_000);
const TRY_INDEX = process.env['BENCH_TRY_INDEX'] ?? '';
const SETTLE_GOAL_MS = 20;
const HISTORY_GOAL_MS = 100;
const REPEAT = 50;

const TERMINAL = { code: 'T01', hospital_code: 'H510100001', hospital_name: '基准测试市第一人民医院' };

const PROFILES = [
  { region: 'dazhou', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'kaifeng', scheme: 'employee', enrolled: { large_amount: true } },
  { region: 'qingyang', scheme: 'employee', enrolled: { supplementary: true } },
  { region: 'deyang', scheme: 'resident', enrolled: { supplementary: true } },
  { region: 'jiangyin', scheme: 'resident', enrolled: {} },
] as const;

// ── Helpers ─────────────────────────────────────────────────────────────────

class BenchClock implements Clock {
  constructor(public at: number) {}
  now(): Date {
    return new Date(this.at);
  }
}

/** Deterministic pseudo-random integers in [0, n) (mulberry32: 32-bit integer steps, no loss of precision). */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** A valid, unique 18-digit identity number per seed (< 27 million): birth date from the seed, check digit by GB 11643. */
function idNumberFor(seed: number): string {
  const birth = new Date(Date.UTC(1940, 0, 1) + Math.floor(seed / 900) * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const body = `510102${birth}${String(100 + (seed % 900))}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i]!;
  return body + '10X98765432'[sum % 11]!;
}

const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳'];

function personInput(seed: number, rand: (n: number) => number) {
  const p = PROFILES[seed % PROFILES.length]!;
  return {
    id_number: idNumberFor(seed),
    name: `${SURNAMES[seed % SURNAMES.length]}${GIVEN[(seed >> 3) % GIVEN.length]}`,
    gender: seed % 2 === 0 ? ('M' as const) : ('F' as const),
    region: p.region,
    scheme: p.scheme,
    retired: rand(4) === 0,
    medical_assistance: rand(8) === 0,
    enrolled: p.enrolled,
    accumulators: {
      '2026': { basic: { paid: formatAmount(new Decimal(rand(2_000_000)).div(100)), admissions: rand(3) } },
    },
    as_of: '2026-01-01T00:00:00+08:00',
    source: 'insurer' as const,
  };
}

/** Two-digit month and day. */
const d2 = (n: number) => String(n).padStart(2, '0');

/** A bill of 1,000 to 600,000 yuan; about one in ten a stay across the new year (not in deyang, whose package starts 2026-01-01). */
function billInput(personId: number, profile: number, rand: (n: number) => number) {
  const total = new Decimal(rand(59_900_000) + 100_000).div(100).toDecimalPlaces(2);
  const part = (of: Money, percent: number): Money => of.times(percent).div(100).toDecimalPlaces(2, Decimal.ROUND_DOWN);
  const line = (date: string, medfee: Money, full: Money, over: Money, pre: Money) => ({
    date,
    medfee_sumamt: formatAmount(medfee),
    fulamt_ownpay_amt: formatAmount(full),
    overlmt_selfpay: formatAmount(over),
    preselfpay_amt: formatAmount(pre),
  });
  // Self-paid parts of a cost line: up to 19% + 4% + 9% of it, so never more than the line.
  const selfPaid = (of: Money) => [part(of, rand(20)), part(of, rand(5)), part(of, rand(10))] as const;
  const level = (1 + rand(3)) as 1 | 2 | 3;
  if (PROFILES[profile]!.region !== 'deyang' && rand(10) === 0) {
    const first = part(total, rand(60) + 20);
    const rest = total.minus(first);
    return {
      person_id: personId,
      hospital_level: level,
      admission_date: '2025-12-20',
      discharge_date: '2026-01-08',
      costs: [line('2025-12-31', first, ZERO, ZERO, ZERO), line('2026-01-08', rest, ...selfPaid(rest))],
    };
  }
  const month = 1 + rand(10);
  const admit = 1 + rand(10);
  const discharge = admit + 3 + rand(15);
  const end = `2026-${d2(month)}-${d2(discharge)}`;
  return {
    person_id: personId,
    hospital_level: level,
    admission_date: `2026-${d2(month)}-${d2(admit)}`,
    discharge_date: end,
    costs: [line(end, total, ...selfPaid(total))],
  };
}

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of durations in ms. */
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]! };
}

const ms = (x: number) => x.toFixed(2).padStart(8);
const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function fileBytes(path: string): number {
  return [path, `${path}-wal`, `${path}-shm`].reduce((sum, p) => sum + (existsSync(p) ? statSync(p).size : 0), 0);
}

type StoreMode = 'encrypted' | 'clear';

/**
 * The store as the app opens it (encrypted), or as it was before issue 15: a clear file with the same
 * pragmas (WAL, synchronous=FULL, foreign keys) and schema; only for measuring what encryption costs.
 */
function openStore(dir: string, dbPath: string, mode: StoreMode): Db {
  if (mode === 'encrypted') return openDatabase(dbPath, new FileKeyProvider(join(dir, 'key')));
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // The keyed chain's triggers call these functions (store/chain.ts): the clear store writes through them too.
  registerChain(db, chainKey(new FileKeyProvider(join(dir, 'key'))));
  migrate(db, db.pragma('user_version', { simple: true }) as number);
  return db;
}

/** A decrypted copy of an encrypted store (rekey to no key needs journal_mode DELETE, as encrypting does). */
function clearCopy(dir: string, from: string, to: string): void {
  copyFileSync(from, to);
  const db = openKeyed(to, storeKey(new FileKeyProvider(join(dir, 'key'))));
  db.pragma('journal_mode = DELETE');
  db.pragma(`rekey = ''`);
  db.close();
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

function openService(dir: string, dbPath: string, clock: Clock, mode: StoreMode = 'encrypted'): DeskService {
  return new DeskService({
    db: openStore(dir, dbPath, mode),
    keys: new FileKeyProvider(join(dir, 'key')),
    dataDir: dir,
    terminal: TERMINAL,
    clock,
  });
}

/** A supervisor and `cashiers` cashiers, all signed in. */
function staff(service: DeskService, cashiers: number): { supervisor: Session; cashiers: Session[] } {
  service.operators.create(null, { code: 'sup1', name: '王主管', role: 'supervisor', pin: '246810' });
  const supervisor = service.operators.login({ code: 'sup1', pin: '246810' });
  const sessions: Session[] = [];
  for (let i = 1; i <= cashiers; i++) {
    service.operators.create(supervisor, { code: `cash${i}`, name: `收费员${i}`, role: 'cashier', pin: '135790' });
    sessions.push(service.operators.login({ code: `cash${i}`, pin: '135790' }));
  }
  return { supervisor, cashiers: sessions };
}

// ── 1. settle() latency ─────────────────────────────────────────────────────

/** The floor under every settle(): one tiny durable commit (WAL, synchronous=FULL) on the same disk. */
function commitFloor(dir: string, mode: StoreMode): Stats {
  const db = openStore(dir, join(dir, `floor-${mode}.sqlite`), mode);
  db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = process.hrtime.bigint();
    db.transaction(() => insert.run(i)).immediate();
    times.push(elapsedMs(start));
  }
  db.close();
  return stats(times);
}

interface SettleRun {
  settle: Stats;
  floor: Stats;
}

function benchSettle(dir: string, mode: StoreMode, round: number): SettleRun {
  mkdirSync(dir);
  const dbPath = join(dir, `settle-${mode}.sqlite`);
  const service = openService(dir, dbPath, systemClock, mode);
  const { cashiers } = staff(service, 4);
  const rand = generator(7);
  const persons: { id: number; profile: number }[] = [];
  for (let seed = 0; seed < 300; seed++) {
    persons.push({
      id: service.persons.record(
        cashiers[seed % cashiers.length]!,
        parseInput(recordPersonInput, personInput(seed, rand)),
      ).person_id,
      profile: seed % PROFILES.length,
    });
  }
  const bills = (count: number, offset: number) =>
    Array.from({ length: count }, (_, i) => {
      const p = persons[(i + offset) % persons.length]!;
      return { session: cashiers[(i + offset) % cashiers.length]!, input: billInput(p.id, p.profile, rand) };
    });
  const WARMUP = 50;
  for (const b of bills(WARMUP, 0)) service.settlements.settle(b.session, parseInput(settleInput, b.input));
  const work = bills(SETTLE_N, WARMUP);
  const times: number[] = [];
  const perRegion = new Map<string, number[]>();
  work.forEach((b, i) => {
    const start = process.hrtime.bigint();
    service.settlements.settle(b.session, parseInput(settleInput, b.input));
    const t = elapsedMs(start);
    times.push(t);
    const region = PROFILES[persons[(i + WARMUP) % persons.length]!.profile]!.region;
    perRegion.set(region, [...(perRegion.get(region) ?? []), t]);
  });
  // The same requests built and settled without writing: what of the latency is computing, not recording.
  const computing = work.slice(0, 500).map((b) => {
    const start = process.hrtime.bigint();
    service.settlements.preview(b.session, parseInput(settleInput, b.input));
    return elapsedMs(start);
  });
  service.db.close();
  const s = stats(times);
  const c = stats(computing);
  const floor = commitFloor(dir, mode);
  console.log(
    `\n1.${round + 1} settle() end to end on ${mode === 'clear' ? 'a CLEAR store (as before issue 15; for comparison)' : 'the encrypted store'}, durable commits (WAL, synchronous=FULL): ${SETTLE_N} calls after ${WARMUP} warm-up, ${persons.length} persons, 4 cashiers`,
  );
  console.log(
    `   p50 ${ms(s.p50)} ms   p95 ${ms(s.p95)} ms   p99 ${ms(s.p99)} ms   max ${ms(s.max)} ms   goal p99 < ${SETTLE_GOAL_MS} ms: ${s.p99 < SETTLE_GOAL_MS ? 'met' : 'NOT met'}`,
  );
  for (const [region, t] of perRegion) {
    const r = stats(t);
    console.log(
      `   ${region.padEnd(9)} (${String(t.length).padStart(4)})  p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   max ${ms(r.max)}`,
    );
  }
  console.log(
    `   for scale, preview() of ${computing.length} of the same bills (read + engine, no write): p50 ${ms(c.p50)} ms   p99 ${ms(c.p99)} ms   max ${ms(c.max)} ms`,
  );
  console.log(
    `   for scale, one empty durable commit on this disk: p50 ${ms(floor.p50)} ms   p99 ${ms(floor.p99)} ms   max ${ms(floor.max)} ms`,
  );
  console.log(`   database after the run: ${mib(fileBytes(dbPath))}`);
  return { settle: s, floor };
}

/**
 * Both stores in one run, so that the ratio is what encryption costs on this machine now; in the order
 * encrypted, clear, clear, encrypted (each mode's better run counts), so warm-up favours neither.
 */
function benchSettleBoth(dir: string): void {
  const runs = (['encrypted', 'clear', 'clear', 'encrypted'] as const).map((mode, i) => ({
    mode,
    run: benchSettle(join(dir, `settle-${i}`), mode, i),
  }));
  const best = (mode: StoreMode) =>
    runs
      .filter((r) => r.mode === mode)
      .map((r) => r.run)
      .sort((a, b) => a.settle.p50 - b.settle.p50)[0]!;
  const encrypted = best('encrypted');
  const clear = best('clear');
  console.log('\n1c. what encryption costs (encrypted ÷ clear, the better run of each, same run):');
  console.log(
    `   settle()          p50 ${ratio(encrypted.settle.p50, clear.settle.p50)}   p99 ${ratio(encrypted.settle.p99, clear.settle.p99)}`,
  );
  console.log(
    `   raw commit floor  p50 ${ratio(encrypted.floor.p50, clear.floor.p50)}   p99 ${ratio(encrypted.floor.p99, clear.floor.p99)}`,
  );
}

// ── 1d/1e. settle() against a raw transaction, and against a person's history (issue 18) ──────────────────

/** The raw durable transaction: three small inserts (settlement, ledger, outbox-like rows) on an encrypted store. */
function rawTransaction(db: Db): () => void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS raw_a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE IF NOT EXISTS raw_b (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE IF NOT EXISTS raw_c (id INTEGER PRIMARY KEY, v TEXT)',
  );
  const a = db.prepare('INSERT INTO raw_a (v) VALUES (?)');
  const b = db.prepare('INSERT INTO raw_b (v) VALUES (?)');
  const c = db.prepare('INSERT INTO raw_c (v) VALUES (?)');
  const tx = db.transaction((i: number) => {
    a.run(`a${i}`);
    b.run(`b${i}`);
    c.run(`c${i}`);
  });
  let i = 0;
  return () => tx.immediate(i++);
}

/**
 * settle() p50/p99 against a raw durable 3-insert transaction on the same kind of connection (encrypted, WAL,
 * synchronous=FULL, a separate file in the same folder), interleaved in batches of 20 so both see the same disk.
 * Target (issue 18): p50 ≤ 3×, p99 ≤ 4×.
 */
function benchSettleVsRaw(dir: string): void {
  mkdirSync(dir);
  const service = openService(dir, join(dir, 'settle.sqlite'), systemClock);
  const { cashiers } = staff(service, 4);
  const rand = generator(11);
  const persons = Array.from({ length: 200 }, (_, seed) => ({
    id: service.persons.record(cashiers[seed % 4]!, parseInput(recordPersonInput, personInput(seed, rand))).person_id,
    profile: seed % PROFILES.length,
  }));
  const raw = openDatabase(join(dir, 'raw.sqlite'), new FileKeyProvider(join(dir, 'key')));
  const rawTx = rawTransaction(raw);
  const bills = Array.from({ length: SETTLE_N + 100 }, (_, i) => {
    const p = persons[i % persons.length]!;
    return { session: cashiers[i % 4]!, input: parseInput(settleInput, billInput(p.id, p.profile, rand)) };
  });
  for (const b of bills.slice(0, 100)) service.settlements.settle(b.session, b.input);
  for (let i = 0; i < 100; i++) rawTx();
  const settleTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let i = 100; i < bills.length; i += 20) {
    for (const b of bills.slice(i, i + 20)) {
      const start = process.hrtime.bigint();
      service.settlements.settle(b.session, b.input);
      settleTimes.push(elapsedMs(start));
    }
    for (let j = 0; j < 20; j++) {
      const start = process.hrtime.bigint();
      rawTx();
      rawTimes.push(elapsedMs(start));
    }
  }
  service.db.close();
  raw.close();
  const s = stats(settleTimes);
  const r = stats(rawTimes);
  console.log(
    `\n1d. settle() vs a raw durable 3-insert transaction, both encrypted (WAL, synchronous=FULL), interleaved, ${settleTimes.length} each:`,
  );
  console.log(`   settle()         p50 ${ms(s.p50)} ms   p99 ${ms(s.p99)} ms`);
  console.log(`   raw transaction  p50 ${ms(r.p50)} ms   p99 ${ms(r.p99)} ms`);
  const p50 = s.p50 / r.p50;
  const p99 = s.p99 / r.p99;
  console.log(
    `   ratio            p50 ${ratio(s.p50, r.p50)} (target ≤ 3×: ${p50 <= 3 ? 'met' : 'NOT met'})   p99 ${ratio(s.p99, r.p99)} (target ≤ 4×: ${p99 <= 4 ? 'met' : 'NOT met'})`,
  );
}

/**
 * settle() latency for a person with 0, 150 and 1,500 earlier settlements in the year (the running totals make it
 * flat; before issue 18 ytd() re-added the whole ledger). Interleaved: one settle of each kind per round.
 * Target: 1,500 within 10% of 0.
 */
function benchSettleHistory(dir: string): void {
  mkdirSync(dir);
  const service = openService(dir, join(dir, 'history.sqlite'), systemClock);
  const { cashiers } = staff(service, 1);
  const cashier = cashiers[0]!;
  const rand = generator(13);
  let seed = 1_000;
  const newPerson = () =>
    service.persons.record(cashier, parseInput(recordPersonInput, personInput(seed++, rand))).person_id;
  // Every bill the same shape (one region, one year), so only the history differs.
  const bill = (personId: number) =>
    parseInput(
      settleInput,
      billInput(personId, 0, (n) => (n > 3 ? 3 : 0)),
    );
  const ROUNDS = Number(process.env['BENCH_HISTORY_ROUNDS'] ?? 200);
  const with150 = Array.from({ length: 10 }, newPerson);
  const with1500 = newPerson();
  for (const p of with150) for (let i = 0; i < 150; i++) service.settlements.settle(cashier, bill(p));
  for (let i = 0; i < 1500; i++) service.settlements.settle(cashier, bill(with1500));
  const fresh = Array.from({ length: ROUNDS }, newPerson);
  const times = { 0: [] as number[], 150: [] as number[], 1500: [] as number[] };
  const timed = (into: number[], personId: number) => {
    const input = bill(personId);
    const start = process.hrtime.bigint();
    service.settlements.settle(cashier, input);
    into.push(elapsedMs(start));
  };
  for (let i = 0; i < ROUNDS; i++) {
    timed(times[0], fresh[i]!);
    timed(times[150], with150[i % with150.length]!);
    timed(times[1500], with1500);
  }
  // What ytd() cost before (the ledger re-added per settle) for the same person, beside what it costs now.
  const ytdTime = (f: () => unknown) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) f();
    return elapsedMs(start) / 50;
  };
  const now = ytdTime(() => service.persons.ytd(with1500, [2026]));
  const before = ytdTime(() => service.persons.ytdFromLedger(with1500, [2026]));
  service.db.close();
  const s0 = stats(times[0]);
  console.log(
    `\n1e. settle() for a person with 0, 150 and 1,500 earlier settlements this year, ${ROUNDS} each, interleaved:`,
  );
  for (const k of [0, 150, 1500] as const) {
    const s = stats(times[k]);
    console.log(
      `   ${String(k).padStart(5)} earlier   p50 ${ms(s.p50)} ms   p99 ${ms(s.p99)} ms   p50 ÷ none ${ratio(s.p50, s0.p50)}`,
    );
  }
  const r = stats(times[1500]).p50 / s0.p50;
  console.log(`   1,500 within 10% of none (p50): ${r <= 1.1 ? 'met' : 'NOT met'}`);
  console.log(
    `   ytd() of the 1,500-settlement person: ${now.toFixed(3)} ms from the running totals, ${before.toFixed(3)} ms re-adding the ledger (as before)`,
  );
}

// ── 2. history() over a million settlements ─────────────────────────────────

interface SettlementRow {
  id: number;
  number: string;
  kind: string;
  person_id: number;
  region: string;
  rule_versions: string;
  offline: number;
  hospital_level: number;
  admission_date: string;
  discharge_date: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  request: string;
  result: string;
  reason: string | null;
}

const negate = (s: string) => {
  const x = new Decimal(s);
  return x.isZero() ? formatAmount(ZERO) : formatAmount(x.negated());
};

const DAY_MS = 86_400_000;
/** 2026-01-01 00:00 in China Standard Time. */
const FIRST_DAY = Date.parse('2026-01-01T00:00:00+08:00');
const DAYS = 365;

interface Population {
  dbPath: string;
  knownIds: { personId: number; idNumber: string }[];
  seconds: number;
  realSettled: number;
}

function populate(dir: string): Population {
  const started = process.hrtime.bigint();
  const dbPath = join(dir, 'history.sqlite');
  // The real ones are settled on the last business day, 09:00 onwards.
  const clock = new BenchClock(FIRST_DAY + (DAYS - 1) * DAY_MS + 9 * 3_600_000);
  const service = openService(dir, dbPath, clock);
  const { supervisor, cashiers } = staff(service, 6);
  const rand = generator(11);
  const REAL_PERSONS = 300;
  const profileOf = new Map<number, number>();
  const knownIds: Population['knownIds'] = [];
  for (let seed = 0; seed < REAL_PERSONS; seed++) {
    const input = personInput(seed, rand);
    const { person_id } = service.persons.record(
      cashiers[seed % cashiers.length]!,
      parseInput(recordPersonInput, input),
    );
    profileOf.set(person_id, seed % PROFILES.length);
    knownIds.push({ personId: person_id, idNumber: input.id_number });
  }
  const realNumbers: string[] = [];
  for (let i = 0; i < 600; i++) {
    const personId = knownIds[i % REAL_PERSONS]!.personId;
    realNumbers.push(
      service.settlements.settle(
        cashiers[i % cashiers.length]!,
        parseInput(settleInput, billInput(personId, profileOf.get(personId)!, rand)),
      ).number,
    );
    clock.at += 30_000;
  }
  for (let i = 0; i < 6; i++)
    service.settlements.reverse(supervisor, { number: realNumbers[i * 97]!, reason: '患者要求更正费用后重新结算' });
  const db = service.db;
  const templates = db
    .prepare("SELECT * FROM settlements WHERE kind = 'settlement' ORDER BY id")
    .all() as SettlementRow[];
  const reversalTemplate = db
    .prepare("SELECT * FROM settlements WHERE kind = 'reversal' ORDER BY id LIMIT 1")
    .get() as SettlementRow;
  const byProfile = PROFILES.map((_, p) => templates.filter((t) => profileOf.get(t.person_id) === p));
  const negated = new Map(
    templates.map((t) => [
      t.id,
      { medfee: negate(t.medfee_sumamt), funds: negate(t.fund_pay_sumamt), cash: negate(t.psn_cash_pay) },
    ]),
  );
  const operatorIds = cashiers.map((c) => c.operatorId);
  const realRows = (db.prepare('SELECT count(*) AS n FROM settlements').get() as { n: number }).n;
  db.close();

  // Bulk load on its own connection: durability is not needed to build a fixture, so synchronous=OFF and big transactions.
  const loader = openDatabase(dbPath, new FileKeyProvider(join(dir, 'key')));
  loader.pragma('synchronous = OFF');
  loader.pragma('cache_size = -262144');
  const vault = new IdentityVault(new FileKeyProvider(join(dir, 'key')));
  const createdAt = new Date(FIRST_DAY - 30 * DAY_MS).toISOString();
  const insertPerson = loader.prepare(
    'INSERT INTO persons (id_hash, id_cipher, id_masked, name, gender, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertSnapshot = loader.prepare(
    `INSERT INTO person_snapshots (person_id, region, scheme, retired, medical_assistance, enrolled, accumulators, as_of, source, operator_id, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'insurer', NULL, ?)`,
  );
  const persons: { id: number; profile: number }[] = knownIds.map((k) => ({
    id: k.personId,
    profile: profileOf.get(k.personId)!,
  }));
  loader.transaction(() => {
    for (let seed = REAL_PERSONS; seed < HISTORY_PERSONS; seed++) {
      const p = personInput(seed, rand);
      const id = Number(
        insertPerson.run(
          vault.lookupHash(p.id_number),
          vault.encrypt(p.id_number),
          maskIdNumber(p.id_number),
          p.name,
          p.gender,
          createdAt,
        ).lastInsertRowid,
      );
      insertSnapshot.run(
        id,
        p.region,
        p.scheme,
        p.retired ? 1 : 0,
        p.medical_assistance ? 1 : 0,
        JSON.stringify(p.enrolled),
        JSON.stringify(p.accumulators),
        new Date(p.as_of).toISOString(),
        createdAt,
      );
      persons.push({ id, profile: seed % PROFILES.length });
      if (seed % 997 === 0) knownIds.push({ personId: id, idNumber: p.id_number });
    }
  })();

  const insert = loader.prepare(
    `INSERT INTO settlements (number, kind, reverses_id, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
       admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sequence = loader.prepare('SELECT value FROM sequences WHERE name = ?').pluck();
  const setSequence = loader.prepare(
    'INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)',
  );
  // Rows are spread evenly over the days (a reversal counts as a row of its day), in time order as a window writes them.
  const bulk = HISTORY_ROWS - realRows;
  let inserted = 0;
  const OPEN_MS = 8 * 3_600_000;
  const WORKDAY_MS = 10 * 3_600_000;
  for (let day = 0; day < DAYS; day++) {
    const dayStart = FIRST_DAY + day * DAY_MS;
    const date = businessDate(new Date(dayStart));
    const compact = date.replaceAll('-', '');
    let s = (sequence.get(`S:${date}`) as number | undefined) ?? 0;
    let r = (sequence.get(`R:${date}`) as number | undefined) ?? 0;
    const target = Math.floor((bulk * (day + 1)) / DAYS);
    const expected = Math.max(1, target - inserted);
    loader.transaction(() => {
      for (let i = 0; inserted < target; i++) {
        const person = persons[rand(persons.length)]!;
        const group = byProfile[person.profile]!;
        const t = group[rand(group.length)]!;
        const at = dayStart + OPEN_MS + Math.floor((Math.min(i, expected) * WORKDAY_MS) / expected) + rand(1000);
        const number = `${TERMINAL.code}-S${compact}-${String(++s).padStart(6, '0')}`;
        const id = insert.run(
          number,
          'settlement',
          null,
          person.id,
          operatorIds[rand(operatorIds.length)],
          date,
          new Date(at).toISOString(),
          t.region,
          t.rule_versions,
          t.offline,
          t.hospital_level,
          t.admission_date,
          t.discharge_date,
          t.medfee_sumamt,
          t.fund_pay_sumamt,
          t.psn_cash_pay,
          t.request,
          t.result,
          null,
        ).lastInsertRowid;
        inserted++;
        if (rand(100) === 0 && inserted < target) {
          const n = negated.get(t.id)!;
          const reversal = `${TERMINAL.code}-R${compact}-${String(++r).padStart(6, '0')}`;
          insert.run(
            reversal,
            'reversal',
            id,
            person.id,
            supervisor.operatorId,
            date,
            new Date(at + 1).toISOString(),
            t.region,
            t.rule_versions,
            0,
            t.hospital_level,
            t.admission_date,
            t.discharge_date,
            n.medfee,
            n.funds,
            n.cash,
            t.request,
            JSON.stringify({ reverses: number }),
            reversalTemplate.reason,
          );
          inserted++;
        }
      }
      setSequence.run(`S:${date}`, s);
      if (r > 0) setSequence.run(`R:${date}`, r);
    })();
  }
  loader.pragma('wal_checkpoint(TRUNCATE)');
  loader.close();
  return { dbPath, knownIds, seconds: elapsedMs(started) / 1000, realSettled: realNumbers.length };
}

interface QueryKind {
  label: string;
  inputs: Record<string, unknown>[];
}

/** Query inputs: drawn once, so that the scratch copy with an index answers the very same searches. */
function queryKinds(db: Db, knownIds: Population['knownIds']): QueryKind[] {
  const rand = generator(23);
  const maxId = (db.prepare('SELECT max(id) FROM settlements').pluck().get() as number) ?? 1;
  const numberAt = db.prepare('SELECT number FROM settlements WHERE id = ?').pluck();
  const personWithRows = db.prepare('SELECT person_id FROM settlements WHERE id = ?').pluck();
  const day = (d: number) => businessDate(new Date(FIRST_DAY + d * DAY_MS));
  const many = (make: (i: number) => Record<string, unknown>) => Array.from({ length: REPEAT }, (_, i) => make(i));
  const month = () => {
    const start = rand(DAYS - 30);
    return { from: day(start), to: day(start + 29) };
  };
  return [
    { label: 'by number', inputs: many(() => ({ number: numberAt.get(1 + rand(maxId)) as string })) },
    { label: 'by id_number', inputs: many(() => ({ id_number: knownIds[rand(knownIds.length)]!.idNumber })) },
    {
      label: 'by person_id + 6 months',
      inputs: many(() => ({ person_id: personWithRows.get(1 + rand(maxId)) as number, from: day(60), to: day(240) })),
    },
    {
      label: 'by id_number + 6 months',
      inputs: many(() => ({ id_number: knownIds[rand(knownIds.length)]!.idNumber, from: day(60), to: day(240) })),
    },
    { label: '30 days, status=settled, 50', inputs: many(() => ({ ...month(), status: 'settled', limit: 50 })) },
    { label: '30 days, status=reversed, 50', inputs: many(() => ({ ...month(), status: 'reversed', limit: 50 })) },
    { label: '30 days, status=reversal, 50', inputs: many(() => ({ ...month(), status: 'reversal', limit: 50 })) },
    {
      label: '1 day, any status, 50',
      inputs: many(() => ({ ...((d) => ({ from: d, to: d }))(day(rand(DAYS))), limit: 50 })),
    },
    { label: 'newest first, page 1', inputs: many(() => ({ limit: 50 })) },
    { label: 'newest first, page 20', inputs: many(() => ({ limit: 50, offset: 950 })) },
  ];
}

interface Measured {
  label: string;
  first: number;
  stats: Stats;
  rows: number;
  plan: string[];
}

/**
 * Drops the database file from the operating system's page cache, as after a
 * restart of the PC (GNU dd: posix_fadvise DONTNEED, no privileges needed);
 * false where that is not available.
 */
function dropFromPageCache(path: string): boolean {
  try {
    for (const p of [path, `${path}-wal`]) {
      if (!existsSync(p)) continue;
      const fd = openSync(p, 'r+');
      fsyncSync(fd); // dirty pages are not dropped
      closeSync(fd);
      execFileSync('dd', [`if=${p}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs every kind through service.records.history(); warm: then once more capturing the
 * SQL and arguments it ran, for EXPLAIN QUERY PLAN; cold: the file is dropped
 * from the page cache before each kind (its first search reads from disk).
 */
function measureHistory(
  service: DeskService,
  session: Session,
  kinds: QueryKind[],
  coldFile: string | null,
): Measured[] {
  const out: Measured[] = [];
  for (const kind of kinds) {
    if (coldFile) dropFromPageCache(coldFile);
    const times: number[] = [];
    let rows = 0;
    for (const input of kind.inputs) {
      const start = process.hrtime.bigint();
      rows += service.records.history(session, parseInput(historyQuery, input)).length;
      times.push(elapsedMs(start));
    }
    const plan = coldFile ? [] : explain(service, session, kind.inputs[0]!);
    out.push({ label: kind.label, first: times[0]!, stats: stats(times), rows: rows / kind.inputs.length, plan });
  }
  return out;
}

function explain(service: DeskService, session: Session, input: Record<string, unknown>): string[] {
  const db = service.db;
  const prepare = db.prepare.bind(db);
  let captured: { sql: string; args: unknown[] } | null = null;
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    if (!sql.includes('FROM settlements s')) return statement;
    const all = statement.all.bind(statement);
    statement.all = ((...args: unknown[]) => {
      captured = { sql, args };
      return all(...args);
    }) as typeof statement.all;
    return statement;
  }) as typeof db.prepare;
  try {
    service.records.history(session, parseInput(historyQuery, input));
  } finally {
    db.prepare = prepare as typeof db.prepare;
  }
  const c = captured as { sql: string; args: unknown[] } | null;
  if (!c) return ['(no query captured)'];
  return (
    db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.args) as { id: number; parent: number; detail: string }[]
  ).map((r) => r.detail);
}

/** A line per kind; under it how settlements are reached (when `access`), or the whole plan when the goal is not met. */
function printHistory(title: string, results: Measured[], access: boolean): void {
  console.log(title);
  for (const r of results) {
    const met = r.stats.p99 < HISTORY_GOAL_MS;
    console.log(
      `   ${r.label.padEnd(30)} first ${ms(r.first)}   p50 ${ms(r.stats.p50)}   p99 ${ms(r.stats.p99)}   max ${ms(r.stats.max)} ms   ${String(Math.round(r.rows)).padStart(3)} rows   goal p99 < ${HISTORY_GOAL_MS} ms: ${met ? 'met' : 'NOT met'}`,
    );
    for (const line of met ? (access ? r.plan.filter((l) => / s /.test(l)) : []) : r.plan)
      console.log(`        plan: ${line}`);
  }
}

/** The warm pass (with plans) and, where the page cache can be dropped, the cold pass. */
function searches(heading: string, service: DeskService, dbPath: string, kinds: QueryKind[]): Measured[] {
  const session = service.operators.login({ code: 'cash1', pin: '135790' });
  if (heading) console.log(heading);
  const warm = measureHistory(service, session, kinds, null);
  printHistory(
    `   warm (the file in the page cache), ${REPEAT} searches each through service.records.history(), cashier's session; how settlements are reached (the whole plan when slow):`,
    warm,
    true,
  );
  if (dropFromPageCache(dbPath)) {
    const cold = measureHistory(service, session, kinds, dbPath).map((r, i) => ({ ...r, plan: warm[i]!.plan }));
    printHistory(
      `   cold (the file dropped from the page cache before each kind, as after a restart; "first" read from disk):`,
      cold,
      false,
    );
  } else {
    console.log('   cold pass skipped: dropping a file from the page cache needs GNU dd (Linux)');
  }
  return warm;
}

const seconds = (start: bigint) => elapsedMs(start) / 1000;

/**
 * What encryption costs the history searches, a backup, and the conversion of a clear store at its
 * first open: a decrypted copy of the same database searched and copied in the same run.
 */
async function encryptionCosts(
  dir: string,
  dbPath: string,
  kinds: QueryKind[],
  warm: Measured[],
  clock: Clock,
): Promise<void> {
  const clearPath = join(dir, 'history-clear.sqlite');
  clearCopy(dir, dbPath, clearPath);
  const clear = openService(dir, clearPath, clock, 'clear');
  const clearWarm = searches(
    `\n2b. the same searches on a CLEAR copy of the same database (as before issue 15; for comparison):`,
    clear,
    clearPath,
    kinds,
  );
  console.log(`\n2c. what encryption costs the searches (encrypted ÷ clear, warm, same run):`);
  warm.forEach((w, i) => {
    const c = clearWarm[i]!;
    console.log(
      `   ${w.label.padEnd(30)} p50 ${ratio(w.stats.p50, c.stats.p50)}   p99 ${ratio(w.stats.p99, c.stats.p99)}`,
    );
  });

  const backups = join(dir, 'backups');
  let start = process.hrtime.bigint();
  clear.db.prepare('VACUUM INTO ?').run(join(dir, 'clear-copy.sqlite'));
  const clearVacuum = seconds(start);
  clear.db.close();
  const encrypted = openStore(dir, dbPath, 'encrypted');
  start = process.hrtime.bigint();
  encrypted.prepare('VACUUM INTO ?').run(join(dir, 'encrypted-copy.sqlite'));
  const encryptedVacuum = seconds(start);
  start = process.hrtime.bigint();
  await backupDatabase(encrypted, backups, clock, 'bench');
  const verified = seconds(start);
  encrypted.close();
  console.log(`\n2d. backup of ${mib(fileBytes(dbPath))}:`);
  console.log(`   VACUUM INTO, clear store          ${clearVacuum.toFixed(2)} s`);
  console.log(
    `   VACUUM INTO, encrypted store      ${encryptedVacuum.toFixed(2)} s   (${ratio(encryptedVacuum, clearVacuum)} the clear copy)`,
  );
  console.log(
    `   the app's backup (VACUUM INTO + verification with the key), encrypted: ${verified.toFixed(2)} s   (${ratio(verified, clearVacuum)})`,
  );

  const clearBytes = fileBytes(clearPath);
  start = process.hrtime.bigint();
  encryptClearDatabase(clearPath, storeKey(new FileKeyProvider(join(dir, 'key'))));
  console.log(
    `\n2e. converting a clear store of ${mib(clearBytes)} at its first open (rekey + integrity check + row counts): ${seconds(start).toFixed(1)} s`,
  );
}

async function benchHistory(dir: string): Promise<void> {
  const population = populate(dir);
  const clock = new BenchClock(FIRST_DAY + DAYS * DAY_MS + 9 * 3_600_000);
  const service = openService(dir, population.dbPath, clock);
  const counts = service.db
    .prepare(
      "SELECT count(*) AS total, sum(kind = 'reversal') AS reversals, count(DISTINCT person_id) AS persons, count(DISTINCT business_date) AS days FROM settlements",
    )
    .get() as {
    total: number;
    reversals: number;
    persons: number;
    days: number;
  };
  console.log(
    `\n2. history() over ${counts.total.toLocaleString('en')} settlements (${counts.reversals.toLocaleString('en')} reversals), ${counts.persons.toLocaleString('en')} persons, ${counts.days} business dates`,
  );
  console.log(
    `   population: ${population.realSettled} settled through the service, the rest bulk-inserted copies: ${population.seconds.toFixed(1)} s; database file ${mib(fileBytes(population.dbPath))}`,
  );
  const kinds = queryKinds(service.db, population.knownIds);
  const warm = searches('', service, population.dbPath, kinds);
  service.db.close();
  await encryptionCosts(dir, population.dbPath, kinds, warm, clock);

  if (TRY_INDEX) {
    const scratch = join(dir, 'scratch.sqlite');
    copyFileSync(population.dbPath, scratch);
    const db = openDatabase(scratch, new FileKeyProvider(join(dir, 'key')));
    const start = process.hrtime.bigint();
    db.exec(TRY_INDEX);
    const built = elapsedMs(start) / 1000;
    db.close();
    const copy = openService(dir, scratch, clock);
    searches(
      `\n   SCRATCH COPY with ${TRY_INDEX} (built in ${built.toFixed(1)} s; file ${mib(fileBytes(scratch))}), the same searches:`,
      copy,
      scratch,
      kinds,
    );
    copy.db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'desk-bench-'));
try {
  const started = process.hrtime.bigint();
  // BENCH_STORE_ONLY=settle: only sections 1d and 1e (the issue 18 ratios), not the encryption and history runs.
  const only = process.env['BENCH_STORE_ONLY'] ?? '';
  benchSettleVsRaw(join(dir, 'vs-raw'));
  benchSettleHistory(join(dir, 'person-history'));
  if (only !== 'settle') {
    benchSettleBoth(dir);
    if (HISTORY_ROWS > 0) await benchHistory(dir);
  }
  console.log(`\nwhole run: ${(elapsedMs(started) / 1000).toFixed(0)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
