/**
 * NHSA drain benchmark (docs/nhsa.md §7): BENCH_NHSA_N (default 10,000) queued
 * OFFLINE settlements of item-level bills (5 fee lines each, feedetl_sn new per
 * settlement) in a real store, spread over the seeded persons the reference
 * insurer's NHSA gateway knows, drained by NhsaSync through 9001 → 1101 → 2401
 * → 2301 → 2402 → 2304 against that gateway on 127.0.0.1, durable commits on
 * both sides (WAL, synchronous=FULL). Prints settlements/s, requests per
 * settlement (nhsa_steps by infno, checked against the gateway's log), requests/s,
 * the rate and CPU per settlement in each tenth of the queue (work that grows
 * with the data shows there), and where the msgid sequence limits the rate: msgid = fixmedins_code
 * + Beijing second + slot digit + 3-digit counter (journal.ts nextMsgid), so
 * at most 1,000 msgids per second per terminal. The measured requests/s is
 * shown as a ratio of that ceiling, with the settlements/s ceiling it implies;
 * the ceiling itself is measured in the same run by bursts of
 * NhsaJournal.begin() on scratch stores: durably committed one by one as the
 * drain does (at most 2,000), and BENCH_NHSA_BURST (default 5,000) inside one
 * transaction; past 1,000 in a second the msgid moves on to the next second,
 * ahead of the wall clock.
 *
 *   npm run -s bench:nhsa            BENCH_NHSA_N=300 npm run -s bench:nhsa (smoke)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../electron/worker/store/db.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { DeskService } from '../electron/worker/services/desk-service.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { NhsaJournal } from '../electron/worker/sync/nhsa/journal.js';
import { startInsurer } from '../insurer/server.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { fromBeijingDateTime } from '../shared/nhsa/envelope.js';
import { terminalConfig, type NhsaConfig } from '../shared/settings.js';
import { parseInput, recordPersonInput, settleInput } from '../shared/store/inputs.js';

const N = Number(process.env['BENCH_NHSA_N'] ?? 10_000);
const BURST = Number(process.env['BENCH_NHSA_BURST'] ?? 5_000);
/** msgid: slot digit + 3-digit counter per Beijing second (docs/nhsa.md §7.5). */
const MSGIDS_PER_SECOND = 1_000;
const TERMINALS_PER_HOSPITAL = 10;
const SLOT = 3;
const WEEK = 7 * 400;

const root = mkdtempSync(join(tmpdir(), 'bench-nhsa-'));
const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One fee line as the HIS sends it, with no self-pay of its own (as test/nhsa-support.ts feeLine). */
const feeLine = (sn: string, code: string, cnt: string, pric: string, amount: string, day = '2026-03-12') => ({
  feedetl_sn: sn,
  init_feedetl_sn: '',
  fee_ocur_time: `${day} 09:30:00`,
  med_list_codg: code,
  medins_list_codg: `H-${code}`,
  name: `项目 ${sn}`,
  cnt,
  pric,
  det_item_fee_sumamt: amount,
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
  bilg_dept_codg: 'D01',
  bilg_dept_name: '心内科',
  bilg_dr_codg: '',
  bilg_dr_name: '',
});

/** The seconds (UTC epoch) a msgid names: its Beijing yyyyMMddHHmmss after the 12-character fixmedins_code. */
function msgidSecond(msgid: string): number {
  const s = msgid.slice(12, 26);
  const at = fromBeijingDateTime(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`,
  );
  if (!at) throw new Error(`msgid ${msgid}: no Beijing second in it`);
  return at.getTime() / 1000;
}

try {
  const insurer = await startInsurer({ dataDir: join(root, 'insurer'), port: 0, log: () => {} });
  const n = insurer.nhsa;
  // config.json's nhsa section for the gateway's single URL (as test/nhsa-support.ts nhsaSection), validated as the app does.
  const config: NhsaConfig = terminalConfig.parse({
    terminal: { code: 'T01', hospital_code: n.fixmedinsCode, hospital_name: n.fixmedinsName },
    nhsa: {
      gateway_url: n.url,
      paasid: n.paasid,
      pass_token: n.passToken,
      fixmedins_code: n.fixmedinsCode,
      fixmedins_name: n.fixmedinsName,
      mdtrtarea_admvs: n.mdtrtareaAdmvs,
      terminal_slot: SLOT,
    },
  }).nhsa!;
  const terminal = { code: 'T01', hospital_code: n.fixmedinsCode, hospital_name: n.fixmedinsName };
  const open = (dir: string) =>
    new DeskService({
      db: openDatabase(join(dir, 'desk.sqlite'), new FileKeyProvider(join(root, 'key'))),
      keys: new FileKeyProvider(join(root, 'key')),
      dataDir: dir,
      terminal,
    });

  // 1. Fill: N offline settlements through settle(), as the cashier at the window.
  const dir = join(root, 'terminal');
  mkdirSync(dir);
  const service = open(dir);
  try {
    service.operators.create(null, { code: 'sup1', name: '王主管', role: 'supervisor', pin: '246810' });
    const supervisor = service.operators.login({ code: 'sup1', pin: '246810' });
    service.operators.create(supervisor, { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' });
    const cashier = service.operators.login({ code: 'cash1', pin: '135790' });
    // Every seeded person: 1101 answers each (insurer/nhsa/insured.ts: every seeded region has its 医保区划).
    const persons = SEED_PERSONS.map((s) => {
      const { id_number, name, gender, region, scheme, retired, medical_assistance, enrolled } = s;
      return service.persons.record(
        cashier,
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
    const fillStarted = performance.now();
    for (let i = 0; i < N; i++) {
      service.settlements.settle(
        cashier,
        parseInput(settleInput, {
          person_id: persons[i % persons.length]!,
          hospital_level: n.hospitalLevel,
          admission_date: '2026-03-10',
          discharge_date: '2026-03-15',
          fee_lines: [
            feeLine(`${i}-1`, '001101000010000', '5', '60.00', '300.00', '2026-03-10'),
            feeLine(`${i}-2`, '001201000010000', '1', '1200.00', '1200.00', '2026-03-11'),
            feeLine(`${i}-3`, '002101000010000', '2', '450.50', '901.00'),
            feeLine(`${i}-4`, '003101000010000', '1', '2300.00', '2300.00'),
            feeLine(`${i}-5`, '004101000010000', '3', '33.333333', '100.00', '2026-03-15'),
          ],
          offline: true,
        }),
      );
    }
    out(
      `queued ${fmt(N)} offline settlements (5 fee lines each, ${persons.length} seeded persons) through settle() in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`,
    );

    // 2. Drain through NhsaSync until the queue is empty, sampling progress and the process's CPU time.
    const db = service.db;
    const doneStmt = db.prepare("SELECT count(*) FROM outbox WHERE status NOT IN ('queued', 'sending')").pluck();
    const samples: { wall: number; cpu: number; done: number }[] = [];
    const sample = () => {
      const u = process.cpuUsage();
      samples.push({ wall: performance.now(), cpu: (u.user + u.system) / 1000, done: doneStmt.get() as number });
    };
    const sync = new NhsaSync(service, config, { timeoutMs: 30_000, backoffBaseMs: 5 });
    const started = performance.now();
    sample();
    const sampler = setInterval(sample, 200);
    let runs = 0;
    try {
      while (sync.status().queued > 0) {
        if (++runs > 100) throw new Error(`not drained: ${sync.status().last_error}`);
        await sync.syncNow();
      }
    } finally {
      clearInterval(sampler);
    }
    sample();
    const seconds = (performance.now() - started) / 1000;
    const status = sync.status();
    const byStatus = db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status ORDER BY status').all() as {
      status: string;
      n: number;
    }[];
    out(
      `drained in ${seconds.toFixed(2)} s, ${runs} sync round(s); held ${status.held}; outbox ${byStatus.map((r) => `${r.status} ${r.n}`).join(', ')}`,
    );
    if (status.held > 0) {
      const first = status.work.slice(0, 3).map((w) => JSON.stringify(w));
      throw new Error(`${status.held} settlements held (the bench needs none): ${first.join(' | ')}`);
    }
    const settled = insurer.nhsaSettlements().filter((s) => s.status === 'settled').length;
    if (settled !== N) throw new Error(`${settled} settlements at the gateway, ${N} expected`);

    // 3. Rates and requests per settlement.
    const steps = db
      .prepare('SELECT infno, state, count(*) AS n FROM nhsa_steps GROUP BY infno, state ORDER BY infno')
      .all() as {
      infno: string;
      state: string;
      n: number;
    }[];
    const requests = steps.reduce((s, r) => s + r.n, 0);
    const atGateway = insurer.nhsaLog().length;
    if (atGateway !== requests) throw new Error(`${requests} requests journaled, ${atGateway} answered at the gateway`);
    const rate = N / seconds;
    const perSettlement = requests / N;
    const requestRate = requests / seconds;
    out('');
    out(
      `settlements/s            ${fmt(rate, 1).padStart(9)}   (${fmt(N)} in ${seconds.toFixed(2)} s; week offline ${fmt(WEEK)}: ${(WEEK / rate).toFixed(1)} s)`,
    );
    out(
      `requests/s               ${fmt(requestRate, 1).padStart(9)}   (${fmt(requests)} requests journaled and answered at the gateway, ${(1000 / requestRate).toFixed(2)} ms each end to end)`,
    );
    out(`requests per settlement  ${perSettlement.toFixed(4).padStart(9)}   batch_size ${config.batch_size}`);
    for (const r of steps)
      out(`  ${r.infno} ${r.state.padEnd(9)} ${fmt(r.n).padStart(7)}   ${(r.n / N).toFixed(4)} per settlement`);

    // Per tenth of the queue: wall rate and CPU per settlement (terminal and gateway share this process).
    // CPU per settlement that grows is work that grows with the data; a falling CPU share is waiting (fsync, other load).
    const at = (done: number) => {
      const i = samples.findIndex((x) => x.done >= done);
      const b = samples[i]!;
      const a = samples[Math.max(0, i - 1)]!;
      const f = b.done === a.done ? 1 : (done - a.done) / (b.done - a.done);
      return { wall: a.wall + f * (b.wall - a.wall), cpu: a.cpu + f * (b.cpu - a.cpu) };
    };
    out('');
    out('per tenth of the queue      settlements/s   CPU ms/settlement   CPU share');
    const tenths: { rate: number; cpu: number }[] = [];
    for (let k = 0; k < 10; k++) {
      const lo = Math.round((N * k) / 10);
      const hi = Math.round((N * (k + 1)) / 10);
      const from = at(lo);
      const to = at(hi);
      const wall = (to.wall - from.wall) / 1000;
      const t = { rate: (hi - lo) / wall, cpu: (to.cpu - from.cpu) / (hi - lo) };
      tenths.push(t);
      out(
        `  ${`${fmt(lo + 1)}–${fmt(hi)}`.padEnd(24)} ${fmt(t.rate, 1).padStart(13)}   ${fmt(t.cpu, 2).padStart(17)}   ${fmt((t.cpu * (hi - lo)) / 1000 / wall, 2).padStart(9)}`,
      );
    }
    const first = tenths[0]!;
    const last = tenths[9]!;
    out(
      `  last/first tenth: rate ${(last.rate / first.rate).toFixed(2)}, CPU per settlement ${(last.cpu / first.cpu).toFixed(2)}`,
    );

    // 4. The msgid ceiling during the drain.
    const rows = db.prepare('SELECT msgid, sent_at FROM nhsa_steps ORDER BY id').all() as {
      msgid: string;
      sent_at: string;
    }[];
    const perSecond = new Map<number, number>();
    let ahead = -Infinity;
    for (const r of rows) {
      const s = msgidSecond(r.msgid);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      ahead = Math.max(ahead, s - Math.floor(Date.parse(r.sent_at) / 1000));
    }
    const peak = Math.max(...perSecond.values());
    const ceilingSettlements = MSGIDS_PER_SECOND / perSettlement;
    out('');
    out(
      `msgid ceiling: ${fmt(MSGIDS_PER_SECOND)} msgids/s per terminal (slot ${config.terminal_slot} + 3-digit counter), ${TERMINALS_PER_HOSPITAL} terminals per hospital`,
    );
    out(
      `  drain: ${fmt(requestRate, 1)} requests/s = ${(requestRate / MSGIDS_PER_SECOND).toFixed(3)} of the ceiling; busiest msgid second ${fmt(peak)} (${(peak / MSGIDS_PER_SECOND).toFixed(3)}); msgid second ahead of sent_at by at most ${ahead} s`,
    );
    out(
      `  at ${perSettlement.toFixed(2)} requests per settlement the ceiling is ${fmt(ceilingSettlements, 1)} settlements/s per terminal (${fmt(ceilingSettlements * TERMINALS_PER_HOSPITAL, 0)}/s per hospital); measured ${fmt(rate, 1)} = ${(rate / ceilingSettlements).toFixed(3)} of it`,
    );
  } finally {
    service.db.close();
    await insurer.close();
  }

  // 5. The ceiling itself: bursts of NhsaJournal.begin() on scratch stores (one each), real clock.
  type Burst = {
    ms: number;
    rate: number;
    seconds: number;
    most: number;
    firstAhead: number;
    maxAhead: number;
    aheadAtEnd: number;
    last: string;
  };
  const burst = (name: string, count: number, oneTransaction: boolean): Burst => {
    const scratch = join(root, name);
    mkdirSync(scratch);
    const sdb = openDatabase(join(scratch, 'desk.sqlite'), new FileKeyProvider(join(root, 'key')));
    try {
      const journal = new NhsaJournal(sdb, config, () => new Date());
      const wall: number[] = [];
      const ids: string[] = [];
      const t0 = performance.now();
      if (oneTransaction) sdb.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < count; i++) {
        const p = journal.begin({ stay: null, outbox: null }, '9001', (msgid) => ({
          infno: '9001',
          msgid,
          body: '{}',
          sha256: '',
        }));
        ids.push(p.msgid);
        wall.push(Date.now());
      }
      if (oneTransaction) sdb.exec('COMMIT');
      const ms = performance.now() - t0;
      const endWall = Math.floor(Date.now() / 1000);
      const secs = ids.map(msgidSecond);
      const counts = new Map<number, number>();
      for (const s of secs) counts.set(s, (counts.get(s) ?? 0) + 1);
      let firstAhead = -1;
      let maxAhead = 0;
      for (let i = 0; i < secs.length; i++) maxAhead = Math.max(maxAhead, secs[i]! - Math.floor(wall[i]! / 1000));
      for (let i = 0; i < secs.length && firstAhead < 0; i++)
        if (secs[i]! > Math.floor(wall[i]! / 1000)) firstAhead = i;
      if (new Set(ids).size !== ids.length) throw new Error('a msgid repeated');
      return {
        ms,
        rate: count / (ms / 1000),
        seconds: counts.size,
        most: Math.max(...counts.values()),
        firstAhead,
        maxAhead,
        aheadAtEnd: secs[secs.length - 1]! - endWall,
        last: ids[ids.length - 1]!,
      };
    } finally {
      sdb.close();
    }
  };
  const show = (label: string, count: number, r: Burst) =>
    out(
      `  ${label.padEnd(30)} ${fmt(count).padStart(6)} in ${fmt(r.ms, 1).padStart(8)} ms = ${fmt(r.rate, 0).padStart(7)}/s (${(r.rate / MSGIDS_PER_SECOND).toFixed(2)} of the ceiling); ${r.seconds} msgid second(s), at most ${fmt(r.most)} in one; ` +
        (r.firstAhead >= 0
          ? `msgid #${fmt(r.firstAhead + 1)} first ahead of the wall clock, up to ${r.maxAhead} s ahead, ${r.aheadAtEnd} s at the end (last ${r.last})`
          : `never ahead of the wall clock`),
    );
  out('');
  out('msgid allocation, NhsaJournal.begin() on a scratch store (real clock):');
  // As the drain pays for it: one IMMEDIATE transaction, committed durably, per msgid.
  const durableN = Math.min(BURST, 2_000);
  show('durable, one commit per msgid', durableN, burst('scratch-durable', durableN, false));
  // The allocation alone: the whole burst inside one transaction (no fsync per msgid).
  const fast = burst('scratch-burst', BURST, true);
  show('burst in one transaction', BURST, fast);
  out(
    `  after a burst of ${fmt(BURST)} the msgid clock runs ${fast.aheadAtEnd} s ahead of the wall clock: msgids name a Beijing second that has not come yet`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
