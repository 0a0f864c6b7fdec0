/**
 * The terminal's sync client (electron/worker/sync/) against the real reference
 * insurer on 127.0.0.1 and a real store: a fault matrix over claim and
 * reversal upload, a crash between the insurer's commit and the local
 * acknowledgement, an adjusted claim (多退少补), the person snapshot, and rule
 * packages, genuine and crafted (a fake server for the crafted ones).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Decimal } from '../shared/money.js';
import * as p from '../shared/sync/protocol.js';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import type { FaultRule } from '../insurer/faults.js';
import { openDatabase } from '../electron/worker/store/db.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { DeskService } from '../electron/worker/services/desk-service.js';
import { SyncWorker } from '../electron/worker/sync/worker.js';
import { readState } from '../electron/worker/sync/state.js';
import { InsurerSession } from '../electron/worker/sync/session.js';
import { SyncError } from '../electron/worker/sync/http.js';
import { DeskError } from '../shared/errors.js';
import type { SyncConfig } from '../electron/node/sync-config.js';
import { TERMINAL, asBill, makeStore, type TestStore, recordSeeded } from './store-support.js';

const CREDENTIAL = {
  hospital_code: TERMINAL.hospital_code,
  terminal_code: TERMINAL.code,
  secret: 'test-secret-T01-0123456789',
};
/** Seeded persons the insurer knows no extra accumulators for: their claims come back accepted. */
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
const ZHANG = '511702196803120014'; // insurer-side 2026 accumulators from another hospital
const DAY = '2026-03-20';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function insurerFor(faults: FaultRule[] = []): Promise<RunningInsurer> {
  const insurer = await startInsurer({
    dataDir: mkdtempSync(join(tmpdir(), 'insurer-sync-')),
    port: 0,
    terminals: [CREDENTIAL],
    faults,
    adminToken: 'admin-token-for-tests-0123456789',
    log: () => {},
  });
  cleanup.push(() => insurer.close());
  return insurer;
}

const configFor = (url: string, pinned: string[], extra: Partial<SyncConfig> = {}): SyncConfig => ({
  url,
  terminal_code: CREDENTIAL.terminal_code,
  hospital_code: CREDENTIAL.hospital_code,
  secret: CREDENTIAL.secret,
  pinnedKeysSpkiBase64: pinned,
  timeoutMs: 5000,
  batchSize: 5,
  backoffBaseMs: 10,
  backoffMaxMs: 50,
  ...extra,
});

function smallBill(personId: number, i: number) {
  return {
    person_id: personId,
    hospital_level: 2,
    admission_date: '2026-03-10',
    discharge_date: '2026-03-15',
    costs: [
      {
        date: '2026-03-15',
        medfee_sumamt: `${800 + i * 37}.${String(i % 100).padStart(2, '0')}`,
        fulamt_ownpay_amt: '50.00',
        overlmt_selfpay: '0.00',
        preselfpay_amt: '20.00',
      },
    ],
    offline: true,
  };
}

/** n claims over the plain persons, plus one reversal of the second: the outbox order is settlements, then the reversal. */
function settleBatch(store: TestStore, n: number): string[] {
  const persons = PLAIN.map((id) => recordSeeded(store, id));
  const numbers = Array.from(
    { length: n },
    (_, i) =>
      store.service.settlements.settle(store.cashier, asBill(smallBill(persons[i % persons.length]!, i))).number,
  );
  store.service.settlements.reverse(store.supervisor, { number: numbers[1]!, reason: '患者要求重新结算' });
  return numbers;
}

/** Syncs until nothing is pending (bounded), returns how many runs it took. */
async function drain(worker: SyncWorker, maxRuns = 40): Promise<number> {
  for (let run = 1; run <= maxRuns; run++) {
    await worker.syncNow();
    if (worker.status().queued === 0) return run;
  }
  throw new Error(`outbox not drained after ${maxRuns} runs: ${worker.status().last_error}`);
}

/** What the insurer holds for this terminal and day (reconciliation details, paged). */
async function insurerRecords(insurer: RunningInsurer): Promise<p.DetailItem[]> {
  const session = new InsurerSession(configFor(insurer.url, []), () => new Date());
  const items: p.DetailItem[] = [];
  let after: string | null = null;
  do {
    const page: p.DetailsResponse = await session.call(p.ENDPOINTS.details.response, {
      method: 'POST',
      path: p.ENDPOINTS.details.path,
      body: { business_date: DAY, after, limit: 500 },
    });
    items.push(...page.items);
    after = page.next_after;
  } while (after);
  return items;
}

const outboxRows = (service: DeskService) =>
  service.db
    .prepare(
      'SELECT o.id, o.kind, o.idempotency_key, o.status, o.attempts, a.status AS answer FROM outbox o LEFT JOIN outbox_answers a ON a.outbox_id = o.id ORDER BY o.id',
    )
    .all() as {
    id: number;
    kind: string;
    idempotency_key: string;
    status: string;
    attempts: number;
    answer: string | null;
  }[];

// ── Fault matrix ─────────────────────────────────────────────────────────────

const both = (rule: Omit<FaultRule, 'path'>): FaultRule[] => [
  { ...rule, path: '/v1/claims' },
  { ...rule, path: '/v1/reversals' },
];
const MATRIX: { name: string; faults: FaultRule[]; timeoutMs?: number; hit: boolean }[] = [
  { name: 'none', faults: [], hit: false },
  { name: 'error_500_before_commit', faults: both({ fault: 'error_500_before_commit', count: 1 }), hit: true },
  { name: 'error_500_after_commit', faults: both({ fault: 'error_500_after_commit', count: 1 }), hit: true },
  { name: 'drop_after_commit', faults: both({ fault: 'drop_after_commit', count: 1 }), hit: true },
  {
    name: 'delay beyond the timeout',
    faults: both({ fault: 'delay', delay_ms: 1500, count: 1 }),
    timeoutMs: 600,
    hit: true,
  },
  { name: 'malformed_body (invalid JSON)', faults: both({ fault: 'malformed_body', count: 1 }), hit: true },
  {
    name: 'malformed_body (wrong shape)',
    faults: both({ fault: 'malformed_body', style: 'wrong_shape', count: 1 }),
    hit: true,
  },
  { name: 'oversized_body', faults: both({ fault: 'oversized_body', count: 1 }), hit: true },
  { name: 'replay_previous', faults: [{ fault: 'replay_previous', count: 1, path: '/v1/claims' }], hit: true },
  {
    name: 'error_500_after_commit p=0.3',
    faults: both({ fault: 'error_500_after_commit', probability: 0.3 }),
    hit: true,
  },
];

describe('outbox upload under faults: nothing lost, nothing doubled', () => {
  it.each(MATRIX)('$name', async ({ faults, timeoutMs, hit }) => {
    let r = 0;
    const insurer = await startInsurer({
      dataDir: mkdtempSync(join(tmpdir(), 'insurer-sync-')),
      port: 0,
      terminals: [CREDENTIAL],
      faults,
      log: () => {},
      // Deterministic "random" faults: this sequence fires on the first draw and now and then after.
      random: () => [0.1, 0.9, 0.5, 0.2, 0.8, 0.95][r++ % 6]!,
    });
    // close() waits for the delayed request still in the insurer's hands.
    cleanup.push(() => insurer.close());
    const store = makeStore();
    const numbers = settleBatch(store, 12);
    const worker = new SyncWorker(
      store.service,
      configFor(insurer.url, [insurer.publicKeySpkiBase64], timeoutMs ? { timeoutMs } : {}),
    );
    const runs = await drain(worker);

    const rows = outboxRows(store.service);
    expect(rows).toHaveLength(13);
    expect(rows.every((x) => x.status === 'accepted' && x.answer === 'accepted')).toBe(true);
    expect(rows.at(-1)!.kind).toBe('reversal');
    if (hit) {
      expect(runs).toBeGreaterThan(1);
      expect(rows.some((x) => x.attempts > 1)).toBe(true);
      expect(worker.status().last_error).toBeNull();
    } else {
      expect(rows.every((x) => x.attempts === 1)).toBe(true);
    }
    // The insurer holds each record once: the same keys, none missing, none extra.
    const held = await insurerRecords(insurer);
    expect(held.map((x) => x.idempotency_key).sort()).toEqual(rows.map((x) => x.idempotency_key).sort());
    expect(held.filter((x) => x.kind === 'settlement')).toHaveLength(12);
    expect(held.find((x) => x.kind === 'reversal')!.reverses).toBe(numbers[1]);
    expect(held.every((x) => x.status === 'accepted')).toBe(true);
    const st = worker.status();
    expect(st).toMatchObject({ online: true, queued: 0, held: 0, work: [] });
    expect(st.last_success_at).not.toBeNull();
  });
});

// ── Crash between the insurer's commit and the local acknowledgement ──────────

/** A loopback proxy that, when the insurer's answer to a claims upload arrives, runs `onAnswer` before relaying it. */
async function proxy(target: string, onAnswer: () => void): Promise<string> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      fetch(new URL(req.url!, target), {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
        .then(async (up) => {
          const text = await up.text();
          if (req.url === '/v1/claims') onAnswer();
          res.writeHead(up.status, { 'Content-Type': 'application/json' });
          res.end(text);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanup.push(() => new Promise<void>((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the terminal anchor with every upload batch (issue 16, item 2)', () => {
  it('each claim and reversal batch carries the chain head and the numbers issued; the insurer keeps them', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    const numbers = settleBatch(store, 7); // 7 settlements, 1 reversal, batches of 5
    await drain(new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64])));
    const kept = insurer.anchors();
    expect(kept.length).toBe(3); // two claim batches, one reversal batch
    const last = kept.at(-1)!;
    expect(last).toMatchObject({
      hospital_code: CREDENTIAL.hospital_code,
      terminal_code: CREDENTIAL.terminal_code,
      behind: false,
      sequences: { [`S:${DAY}`]: numbers.length, [`R:${DAY}`]: 1 },
    });
    // The head the terminal had when it sent the batch: an entry of its chain, MAC and all.
    const mac = store.service.db.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(last.seq) as Buffer;
    expect(last.mac).toBe(mac.toString('hex'));
    expect(kept.map((a) => a.seq)).toEqual([...kept.map((a) => a.seq)].sort((a, b) => a - b));
  });
});

describe('a terminal that crashes after the insurer committed', () => {
  it('resends the rows left in "sending", gets duplicate, marks them accepted and counts nothing twice', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    settleBatch(store, 4);
    // The "crash": a copy of the database files taken when the insurer's answer is on its way, before the terminal applies it.
    const crashDir = mkdtempSync(join(tmpdir(), 'desk-crash-'));
    let copied = false;
    const url = await proxy(insurer.url, () => {
      if (copied) return;
      for (const suffix of ['', '-wal'])
        if (existsSync(store.dbPath + suffix))
          copyFileSync(store.dbPath + suffix, join(crashDir, `desk.sqlite${suffix}`));
      copyFileSync(join(store.dir, 'key'), join(crashDir, 'key'));
      copied = true;
    });
    await new SyncWorker(store.service, configFor(url, [insurer.publicKeySpkiBase64])).syncNow();
    expect(copied).toBe(true);

    // Restart on the crashed copy: the first batch is still 'sending' there.
    const service = new DeskService({
      db: openDatabase(join(crashDir, 'desk.sqlite'), new FileKeyProvider(join(crashDir, 'key'))),
      keys: new FileKeyProvider(join(crashDir, 'key')),
      dataDir: crashDir,
      terminal: TERMINAL,
      clock: store.clock,
    });
    cleanup.push(() => void service.db.close());
    // The copy still holds the sync lease of the process that "crashed"; a real crash leaves a dead process id there.
    service.db.prepare('UPDATE sync_state SET lease_pid = 2147483646 WHERE lease_pid IS NOT NULL').run();
    const before = outboxRows(service);
    expect(before.filter((x) => x.status === 'sending').length).toBeGreaterThan(0);
    const worker = new SyncWorker(service, configFor(insurer.url, [insurer.publicKeySpkiBase64]));
    await drain(worker);
    const after = outboxRows(service);
    expect(after.every((x) => x.status === 'accepted')).toBe(true);
    // The retried rows were answered duplicate: their stored answer is the original (answered before the crash).
    const answers = service.db.prepare('SELECT outbox_id, answer FROM outbox_answers').all() as {
      outbox_id: number;
      answer: string;
    }[];
    for (const row of before.filter((x) => x.status === 'sending')) {
      expect(after.find((x) => x.id === row.id)!.attempts).toBe(row.attempts + 1);
      const stored = JSON.parse(answers.find((a) => a.outbox_id === row.id)!.answer) as { answered_at: string };
      expect(Date.parse(stored.answered_at)).toBeLessThan(
        Date.parse(service.db.prepare('SELECT updated_at FROM outbox WHERE id = ?').pluck().get(row.id) as string) + 1,
      );
    }
    const held = await insurerRecords(insurer);
    expect(held).toHaveLength(5);
    expect(new Set(held.map((x) => x.idempotency_key)).size).toBe(5);
  });
});

// ── Adjusted claims and the person snapshot ─────────────────────────────────

describe('an adjusted claim (多退少补)', () => {
  it('records an open adjustment with insurer − terminal, resolvable once by a supervisor; the snapshot then gives accepted claims', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    const zhang = recordSeeded(store, ZHANG);
    const settled = store.service.settlements.settle(
      store.cashier,
      asBill({
        person_id: zhang,
        hospital_level: 3,
        admission_date: '2026-03-02',
        discharge_date: '2026-03-20',
        costs: [
          {
            date: '2026-03-20',
            medfee_sumamt: '180000.00',
            fulamt_ownpay_amt: '6000.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '4000.00',
          },
        ],
        offline: true,
      }),
    );
    expect(settled.result.fund_pay_sumamt).toBe('159758.75');
    const changes: number[] = [];
    const worker = new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64]), (s) =>
      changes.push(s.work.length),
    );
    await drain(worker);
    expect(outboxRows(store.service)[0]!.status).toBe('adjusted');
    const adj = store.service.db.prepare('SELECT * FROM adjustments').get() as Record<string, string | number | null>;
    expect(adj).toMatchObject({
      number: settled.number,
      status: 'open',
      fund_pay_difference: '-3155.96',
      psn_cash_difference: '3155.96',
      medfee_difference: '0.00',
    });
    const terminal = JSON.parse(adj['terminal_amounts'] as string) as p.Amounts;
    const insurerAmounts = JSON.parse(adj['insurer_amounts'] as string) as p.Amounts;
    expect(insurerAmounts.fund_pay_sumamt).toBe('156602.79');
    expect(
      new Decimal(insurerAmounts.fund_pay_sumamt)
        .minus(terminal.fund_pay_sumamt)
        .eq(adj['fund_pay_difference'] as string),
    ).toBe(true);
    const funds = JSON.parse(adj['fund_differences'] as string) as Record<string, string>;
    const sum = Object.values(funds).reduce((a, b) => a.plus(b), new Decimal(0));
    expect(sum.eq(adj['fund_pay_difference'] as string)).toBe(true);
    expect((JSON.parse(adj['reasons'] as string) as p.AdjustmentReason[]).map((x) => x.field)).toContain(
      'ytd.2026.basic.paid',
    );
    const work = worker.status().work;
    expect(work).toEqual([
      expect.objectContaining({
        number: settled.number,
        status: 'adjusted',
        fund_pay_difference: '-3155.96',
        psn_cash_difference: '3155.96',
      }),
    ]);
    expect(changes.at(-1)).toBe(1);

    // The amounts never change; only a supervisor resolves, once.
    expect(() => store.service.db.prepare("UPDATE adjustments SET fund_pay_difference = '0.00'").run()).toThrow(
      /open to resolved/,
    );
    expect(() => worker.resolveAdjustment(store.cashier, work[0]!.adjustment_id!, '已补收')).toThrow();
    worker.resolveAdjustment(store.supervisor, work[0]!.adjustment_id!, '已向患者补收 3155.96 元');
    expect(worker.status().work).toEqual([]);
    expect(() =>
      store.service.db.prepare("UPDATE adjustments SET status = 'open', resolved_by = NULL, resolved_at = NULL").run(),
    ).toThrow(/open to resolved/);
    expect(() => store.service.db.prepare('DELETE FROM adjustments').run()).toThrow(/never deleted/);

    // With the insurer's snapshot the next claim uses its accumulators and is accepted as settled.
    const snap = await worker.fetchPerson(store.cashier, ZHANG, [2026]);
    expect(snap.person_id).toBe(zhang);
    expect(store.service.persons.summary(store.cashier, zhang).source).toBe('insurer');
    store.service.settlements.settle(store.cashier, asBill({ ...smallBill(zhang, 3), hospital_level: 3 }));
    await drain(worker);
    expect(outboxRows(store.service).map((x) => x.status)).toEqual(['adjusted', 'accepted']);
  });

  it('refuses a snapshot while the person has records still to upload, and an unknown person is an error that records nothing', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    const li = recordSeeded(store, PLAIN[0]!);
    store.service.settlements.settle(store.cashier, asBill(smallBill(li, 1)));
    const worker = new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64]));
    await expect(worker.fetchPerson(store.cashier, PLAIN[0]!, [2026])).rejects.toThrow(/sync first/);
    await expect(worker.fetchPerson(store.cashier, '110101199003070011', [2026])).rejects.toMatchObject({
      kind: 'client',
      code: 'person_not_found',
    });
    expect(store.service.persons.findByIdNumber(store.cashier, '110101199003070011')).toBeNull();
  });
});

describe('a person of another region (异地就医)', () => {
  it('the insurer’s 403 out_of_region reaches the cashier as out_of_region naming 异地就医; nothing is recorded', async () => {
    // A 达州 hospital (通川区 511702 in its code): the insurer scopes its lookups to 达州.
    const dazhou = { hospital_code: 'H51170200001', terminal_code: 'T01', secret: 'test-secret-T01-dazhou-0123' };
    const insurer = await startInsurer({
      dataDir: mkdtempSync(join(tmpdir(), 'insurer-sync-')),
      port: 0,
      terminals: [dazhou],
      log: () => {},
    });
    cleanup.push(() => insurer.close());
    const store = makeStore();
    const worker = new SyncWorker(store.service, {
      ...configFor(insurer.url, [insurer.publicKeySpkiBase64]),
      hospital_code: dazhou.hospital_code,
      secret: dazhou.secret,
    });
    const kaifeng = '410202197001050037';
    const refused = await worker.fetchPerson(store.cashier, kaifeng, [2026]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DeskError);
    expect((refused as DeskError).body).toMatchObject({ code: 'out_of_region', field: 'id_number' });
    expect((refused as DeskError).body.message).toContain('异地就医');
    expect(store.service.persons.findByIdNumber(store.cashier, kaifeng)).toBeNull();
    // One of its own region is answered.
    expect((await worker.fetchPerson(store.cashier, ZHANG, [2026])).person_id).toBeGreaterThan(0);
  });
});

describe('a terminal locked out for wrong secrets', () => {
  it('waits as long as the insurer’s Retry-After says, not its own short backoff', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    settleBatch(store, 2);
    const worker = new SyncWorker(store.service, {
      ...configFor(insurer.url, [insurer.publicKeySpkiBase64]),
      secret: 'not-the-secret-0123456789',
    });
    const errors: (string | null)[] = [];
    for (let i = 0; i < 6; i++) errors.push((await worker.syncNow()).error);
    expect(errors.at(-1)).toMatch(/HTTP 429/);
    const state = readState(store.service.db);
    // configFor's backoff is at most 50 ms; the insurer's lockout is 60 s.
    expect(Date.parse(state.next_attempt_at!) - Date.now()).toBeGreaterThan(50_000);
  });
});

describe('the worker itself', () => {
  it('goes offline on a network failure, backs off, keeps the rows queued, and comes back', async () => {
    const store = makeStore();
    settleBatch(store, 2);
    const changes: boolean[] = [];
    const down = new SyncWorker(store.service, configFor('http://127.0.0.1:9', []), (s) => changes.push(s.online));
    const r = await down.syncNow();
    expect(r.ok).toBe(false);
    const st = down.status();
    expect(st).toMatchObject({ online: false, queued: 3 });
    expect(st.last_error).toMatch(/connection failed/);
    expect(Date.parse(st.next_attempt_at!)).toBeGreaterThan(Date.now() - 1000);
    // The first batch (the two claims) was tried once and put back; the reversal waits behind it.
    expect(outboxRows(store.service).map((x) => [x.status, x.attempts])).toEqual([
      ['queued', 1],
      ['queued', 1],
      ['queued', 0],
    ]);

    const insurer = await insurerFor();
    const up = new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64], { intervalMs: 20 }));
    up.start();
    await expect.poll(() => up.status().queued).toBe(0);
    await up.stop();
    expect(up.status()).toMatchObject({ online: true, queued: 0, last_error: null, next_attempt_at: null });
  });

  it('signs in again on 401 (an expired session) and retries', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    settleBatch(store, 2);
    const worker = new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64]));
    await drain(worker);
    // A token the terminal believes valid but the insurer no longer knows (as after the insurer's restart).
    (worker as unknown as { session: { token: string } }).session.token = 'x'.repeat(43);
    store.service.settlements.settle(store.cashier, asBill(smallBill(recordSeeded(store, PLAIN[1]!), 9)));
    expect(await drain(worker)).toBe(1);
    expect(outboxRows(store.service).every((x) => x.status === 'accepted')).toBe(true);
  });
});

// ── Rule packages ───────────────────────────────────────────────────────────

describe('rule packages from the real insurer', () => {
  it('installs a newly published version, verified against the pinned key', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    const pkg = JSON.parse(readFileSync('shared/rules/packages/kaifeng-2024.2.json', 'utf8'));
    pkg.version = '2027.1';
    pkg.effective.from = '2027-01-01';
    const res = await fetch(`${insurer.url}/admin/rule-packages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${insurer.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(pkg),
    });
    expect(res.status).toBe(201);
    const worker = new SyncWorker(store.service, configFor(insurer.url, [insurer.publicKeySpkiBase64]));
    const r = await worker.syncNow({ rules: true });
    expect(r.rules).toEqual({ installed: [{ region: 'kaifeng', version: '2027.1' }], refused: [] });
    expect(store.service.rules.list().find((x) => x.region === 'kaifeng' && x.version === '2027.1')).toMatchObject({
      source: 'insurer',
      signature: 'verified',
    });
    expect(worker.status().rule_check_at).not.toBeNull();
    // Nothing newer the second time.
    expect((await worker.pullRules()).installed).toEqual([]);
  });

  it('refuses everything from an insurer whose key is not pinned', async () => {
    const insurer = await insurerFor();
    const store = makeStore();
    const pkg = JSON.parse(readFileSync('shared/rules/packages/kaifeng-2024.2.json', 'utf8'));
    pkg.version = '2027.1';
    pkg.effective.from = '2027-01-01';
    await fetch(`${insurer.url}/admin/rule-packages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${insurer.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(pkg),
    });
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const r = await new SyncWorker(store.service, configFor(insurer.url, [other])).pullRules();
    expect(r.refused).toEqual([{ region: 'kaifeng', version: '2027.1', reason: expect.stringMatching(/not pinned/) }]);
  });
});

/** A fake insurer on 127.0.0.1 that offers kaifeng/2027.1 and answers the download with `craft()`'s body. */
async function fakeInsurer(craft: (requestId: string) => unknown): Promise<string> {
  const server = createServer((req, res) => {
    const requestId = String(req.headers['desk-request-id']);
    req.resume();
    req.on('end', () => {
      const envelope = { protocol: p.PROTOCOL, request_id: requestId };
      let body: unknown;
      if (req.url === '/v1/sign-in') {
        const now = new Date();
        body = {
          ...envelope,
          token: randomBytes(32).toString('base64url'),
          token_type: 'Bearer',
          expires_at: new Date(now.getTime() + 3600_000).toISOString(),
          server_time: now.toISOString(),
          terminal_code: 'T01',
          hospital_code: 'H510100001',
        };
      } else if (req.url === '/v1/rule-packages/query') {
        body = {
          ...envelope,
          packages: [
            {
              region: 'kaifeng',
              region_name: '开封市',
              version: '2027.1',
              effective_from: '2027-01-01',
              effective_to: null,
              sha256: '0'.repeat(64),
              size: 100,
              published_at: new Date().toISOString(),
            },
          ],
        };
      } else body = craft(requestId);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanup.push(() => new Promise<void>((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('crafted rule packages are refused with a reason; the installed rules stay as they were', () => {
  const pair = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  const spki = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
  const keyId = (k: KeyObject) => createHash('sha256').update(spki(k)).digest('hex').slice(0, 16);
  const pkgJson = (version = '2027.1') => {
    const pkg = JSON.parse(readFileSync('shared/rules/packages/kaifeng-2024.2.json', 'utf8'));
    pkg.version = version;
    pkg.effective.from = '2027-01-01';
    return JSON.stringify(pkg);
  };
  function download(
    o: {
      json?: string;
      signWith?: KeyObject;
      claimKey?: KeyObject;
      validUntil?: string;
      signedAt?: string;
      tamper?: (json: string) => string;
      sha?: string;
      version?: string;
    } = {},
  ) {
    return (requestId: string) => {
      const json = o.json ?? pkgJson();
      const s = {
        key_id: keyId(o.claimKey ?? pair.publicKey),
        signed_at: o.signedAt ?? new Date(Date.now() - 60_000).toISOString(),
        valid_until: o.validUntil ?? new Date(Date.now() + 86_400_000).toISOString(),
      };
      const value = sign(
        null,
        Buffer.from(p.signedText({ ...s, package_json: json }), 'utf8'),
        o.signWith ?? pair.privateKey,
      ).toString('base64');
      const sent = o.tamper ? o.tamper(json) : json;
      return {
        protocol: p.PROTOCOL,
        request_id: requestId,
        region: 'kaifeng',
        version: o.version ?? '2027.1',
        package_json: sent,
        sha256: o.sha ?? createHash('sha256').update(sent).digest('hex'),
        signature: { algorithm: 'Ed25519', ...s, value },
      };
    };
  }
  const CASES: { name: string; craft: (id: string) => unknown; reason: RegExp }[] = [
    {
      name: 'tampered package_json (hash recomputed)',
      craft: download({ tamper: (j) => j.replace('"0.90"', '"0.95"') }),
      reason: /does not verify/,
    },
    {
      name: 'garbled signature',
      craft: (id) => ({
        ...(download()(id) as object),
        signature: {
          ...(download()(id) as { signature: object }).signature,
          value: randomBytes(64).toString('base64'),
        },
      }),
      reason: /does not verify/,
    },
    {
      name: 'signed with another key (claiming the pinned key id)',
      craft: download({ signWith: stranger.privateKey }),
      reason: /does not verify/,
    },
    {
      name: 'signed with another, unpinned key',
      craft: download({ signWith: stranger.privateKey, claimKey: stranger.publicKey }),
      reason: /not pinned/,
    },
    {
      name: 'expired valid_until',
      craft: download({ signedAt: '2025-01-01T00:00:00.000Z', validUntil: '2025-06-01T00:00:00.000Z' }),
      reason: /expired/,
    },
    {
      name: 'signed in the future',
      craft: download({ signedAt: new Date(Date.now() + 3600_000).toISOString() }),
      reason: /future/,
    },
    { name: 'sha256 mismatch', craft: download({ sha: 'f'.repeat(64) }), reason: /sha256 mismatch/ },
    {
      name: 'another package, correctly signed',
      craft: download({ json: pkgJson('2027.2') }),
      reason: /not the package asked for/,
    },
  ];

  it.each(CASES)('$name', async ({ craft, reason }) => {
    const store = makeStore();
    const before = store.service.rules.list();
    const worker = new SyncWorker(
      store.service,
      configFor(await fakeInsurer(craft), [spki(pair.publicKey).toString('base64')]),
    );
    const r = await worker.pullRules();
    expect(r.installed).toEqual([]);
    expect(r.refused).toEqual([{ region: 'kaifeng', version: '2027.1', reason: expect.stringMatching(reason) }]);
    expect(worker.status().rule_refusals[0]).toMatchObject({
      region: 'kaifeng',
      version: '2027.1',
      reason: r.refused[0]!.reason,
    });
    expect(store.service.rules.list()).toEqual(before);
  });

  it('an unsigned download is not a valid answer at all: an error, nothing installed or recorded as refused', async () => {
    const store = makeStore();
    const before = store.service.rules.list();
    const worker = new SyncWorker(
      store.service,
      configFor(await fakeInsurer((id) => ({ ...(download()(id) as object), signature: undefined })), [
        spki(pair.publicKey).toString('base64'),
      ]),
    );
    await expect(worker.pullRules()).rejects.toSatisfy((e) => e instanceof SyncError && /signature/.test(e.message));
    const r = await worker.syncNow({ rules: true });
    expect(r.ok).toBe(false);
    expect(worker.status().last_error).toMatch(/does not match the protocol/);
    expect(store.service.rules.list()).toEqual(before);
  });

  it('the genuine package from the same fake server is installed (the refusals above are the crafting, not the server)', async () => {
    const store = makeStore();
    const worker = new SyncWorker(
      store.service,
      configFor(await fakeInsurer(download()), [spki(pair.publicKey).toString('base64')]),
    );
    expect((await worker.pullRules()).installed).toEqual([{ region: 'kaifeng', version: '2027.1' }]);
  });
});
