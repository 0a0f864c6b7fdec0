/**
 * `desk sync --data DIR` as IT and cron run it: a real child process
 * (node --import tsx cli/desk.ts sync …) over a real terminal data folder
 * (desk.sqlite, key, config.json) against the reference insurer on 127.0.0.1,
 * its JSON summary and exit status (0 drained and nothing held, 1 held or
 * failed, 2 usage or a folder that cannot be opened).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { loadConfig, saveConfig } from '../electron/node/config.js';
import type { SyncRoundSummary } from '../electron/node/headless-sync.js';
import { openDatabase } from '../electron/worker/store/db.js';
import { terminalConfig } from '../shared/settings.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { SINGLE_URL_PATH } from '../shared/nhsa/envelope.js';
import { TERMINAL, asBill, makeStore, recordSeeded, type TestStore } from './store-support.js';
import { NHSA_PERSON, nhsaSection, settleOffline, submitManualClaim } from './nhsa-support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'test-secret-T01-0123456789';
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The command as cron runs it (asynchronously: the insurer answers from this process). */
function desk(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/desk.ts', ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const summary = (r: Run) => JSON.parse(r.stdout) as SyncRoundSummary;

async function insurer(): Promise<RunningInsurer> {
  const running = await startInsurer({
    dataDir: mkdtempSync(join(tmpdir(), 'insurer-cli-sync-')),
    port: 0,
    terminals: [{ hospital_code: TERMINAL.hospital_code, terminal_code: TERMINAL.code, secret: SECRET }],
    adminToken: 'admin-token-for-tests-0123456789',
    log: () => {},
  });
  cleanup.push(() => running.close());
  return running;
}

function writeConfig(store: TestStore, protocol: Record<string, unknown> = {}): void {
  saveConfig(
    store.dir,
    terminalConfig.parse({ terminal: TERMINAL, ...protocol }),
    new FileKeyProvider(join(store.dir, 'key')),
  );
}

/** A port nothing listens on: the gateway is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('desk sync --data DIR', () => {
  it('NHSA: the queue drains in one round → exit 0, the counts in the JSON summary', async () => {
    const gateway = await insurer();
    const store = makeStore();
    writeConfig(store, { nhsa: nhsaSection(gateway.nhsa, { slot: 4 }) });
    const number = settleOffline(store, recordSeeded(store, NHSA_PERSON), gateway.nhsa.hospitalLevel);

    const r = await desk(['sync', '--data', store.dir, '--timeout-ms', '5000']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = summary(r);
    expect(s).toMatchObject({ protocol: 'nhsa', ok: true, error: null, queued: 0, held: 0, sent: 1, rejected: 0 });
    expect(s.accepted + s.adjusted).toBe(1);
    expect(s.last_success_at).not.toBeNull();
    // Only a platform difference (多退少补) can be open work after a clean round; it does not fail it.
    expect(s.open_work.every((w) => w.status === 'adjusted' && w.number === number)).toBe(true);
    expect(gateway.nhsaSettlements()).toHaveLength(1);
    expect(store.service.outbox.counts()).toMatchObject({ queued: 0, held: 0 });

    // A second round has nothing to send: still exit 0, nothing sent twice.
    const again = await desk(['sync', '--data', store.dir]);
    expect(again.status).toBe(0);
    expect(summary(again)).toMatchObject({ ok: true, sent: 0, queued: 0, held: 0 });
    expect(gateway.nhsaSettlements()).toHaveLength(1);
  });

  it('NHSA: a manual claim is held (not a 定点医药机构 transaction) → exit 1, the record in open_work', async () => {
    const gateway = await insurer();
    const store = makeStore();
    writeConfig(store, { nhsa: nhsaSection(gateway.nhsa, { slot: 4 }) });
    const claim = submitManualClaim(store, recordSeeded(store, NHSA_PERSON));

    const r = await desk(['sync', '--data', store.dir]);
    expect(r.status).toBe(1);
    const s = summary(r);
    expect(s).toMatchObject({ protocol: 'nhsa', ok: true, queued: 0, held: 1 });
    expect(s.open_work).toHaveLength(1);
    expect(s.open_work[0]).toMatchObject({ kind: 'manual_claim', number: claim, status: 'held' });
    expect(s.open_work[0]!.message).toMatch(/手工报销/);
    // The claim never goes out; the only request is the 9001 that tells whether the link is up.
    expect(gateway.nhsaLog().map((l) => l.infno)).toEqual(['9001']);
  });

  it('NHSA gateway down (port closed) → exit 1, ok false, the error named, the record still queued', async () => {
    const gateway = await insurer();
    const store = makeStore();
    const port = await closedPort();
    writeConfig(store, {
      nhsa: nhsaSection(gateway.nhsa, { gatewayUrl: `http://127.0.0.1:${port}${SINGLE_URL_PATH}`, slot: 4 }),
    });
    settleOffline(store, recordSeeded(store, NHSA_PERSON), gateway.nhsa.hospitalLevel);

    const r = await desk(['sync', '--data', store.dir, '--timeout-ms', '2000']);
    expect(r.status).toBe(1);
    const s = summary(r);
    expect(s).toMatchObject({ protocol: 'nhsa', ok: false, queued: 1, held: 0, sent: 0 });
    expect(s.error).toMatch(/^9001: connection failed/);
    expect(s.last_success_at).toBeNull();
  });

  it('our own protocol (config.json insurer, its secret sealed): the queue drains → exit 0', async () => {
    const running = await insurer();
    const store = makeStore();
    writeConfig(store, {
      insurer: { url: running.url, secret: SECRET, pinned_keys_spki_base64: [running.publicKeySpkiBase64] },
    });
    // The file holds the secret only encrypted under the terminal's key; the round below still authenticates.
    const text = readFileSync(join(store.dir, 'config.json'), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).insurer.secret).toEqual({ enc: expect.stringMatching(/^v1:/) });
    const personId = recordSeeded(store, NHSA_PERSON);
    const bill = {
      person_id: personId,
      hospital_level: 2,
      admission_date: '2026-03-10',
      discharge_date: '2026-03-15',
      costs: [
        {
          date: '2026-03-15',
          medfee_sumamt: '837.01',
          fulamt_ownpay_amt: '50.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '20.00',
        },
      ],
      offline: true,
    };
    store.service.settlements.settle(store.cashier, asBill(bill));

    const r = await desk(['sync', '--data', store.dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(summary(r)).toMatchObject({
      protocol: 'desk',
      ok: true,
      queued: 0,
      held: 0,
      sent: 1,
      accepted: 1,
      open_work: [],
    });
  });

  it('a secret IT wrote in the clear is accepted, and sealed by the round', async () => {
    const running = await insurer();
    const store = makeStore();
    const path = join(store.dir, 'config.json');
    writeFileSync(
      path,
      JSON.stringify({
        terminal: TERMINAL,
        insurer: { url: running.url, secret: SECRET, pinned_keys_spki_base64: [running.publicKeySpkiBase64] },
      }),
    );
    store.service.settlements.settle(
      store.cashier,
      asBill({
        person_id: recordSeeded(store, NHSA_PERSON),
        hospital_level: 2,
        admission_date: '2026-03-10',
        discharge_date: '2026-03-15',
        costs: [
          {
            date: '2026-03-15',
            medfee_sumamt: '300.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '0.00',
          },
        ],
        offline: true,
      }),
    );
    const r = await desk(['sync', '--data', store.dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(summary(r)).toMatchObject({ protocol: 'desk', ok: true, sent: 1, accepted: 1 });
    expect(readFileSync(path, 'utf8')).not.toContain(SECRET);
    expect(loadConfig(store.dir, new FileKeyProvider(join(store.dir, 'key'))).insurer?.secret).toBe(SECRET);
  });

  it('no insurer configured → protocol none, exit 1', async () => {
    const store = makeStore();
    writeConfig(store);
    store.service.settlements.settle(
      store.cashier,
      asBill({
        person_id: recordSeeded(store, NHSA_PERSON),
        hospital_level: 2,
        admission_date: '2026-03-10',
        discharge_date: '2026-03-15',
        costs: [
          {
            date: '2026-03-15',
            medfee_sumamt: '100.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '0.00',
          },
        ],
        offline: true,
      }),
    );
    const r = await desk(['sync', '--data', store.dir]);
    expect(r.status).toBe(1);
    expect(summary(r)).toMatchObject({ protocol: 'none', ok: false, queued: 1, sent: 0 });
    expect(summary(r).error).toMatch(/no insurer/);
  });

  it('a folder that is not a terminal’s, or a database from a newer version → exit 2, nothing created', async () => {
    const missing = join(tmpdir(), 'desk-no-such-folder-4711');
    const r = await desk(['sync', '--data', missing]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--data: no folder ${missing}`);

    // A folder with settings but no database: refused, and no new store or key made in it.
    const empty = mkdtempSync(join(tmpdir(), 'desk-empty-'));
    cleanup.push(() => rmSync(empty, { recursive: true, force: true }));
    saveConfig(empty, terminalConfig.parse({ terminal: TERMINAL }), new FileKeyProvider(join(empty, 'key')));
    const noDb = await desk(['sync', '--data', empty]);
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toMatch(/not a terminal's data folder \(no desk\.sqlite/);
    expect(readdirSync(empty)).toEqual(['config.json']);
    const store = makeStore();
    const noConfig = await desk(['sync', '--data', store.dir]);
    expect(noConfig.status).toBe(2);
    expect(noConfig.stderr).toMatch(/no config\.json/);

    writeConfig(store);
    store.service.db.close();
    const db = openDatabase(store.dbPath, new FileKeyProvider(join(store.dir, 'key')));
    db.pragma('user_version = 999');
    db.close();
    const tooNew = await desk(['sync', '--data', store.dir]);
    expect(tooNew.status).toBe(2);
    expect(tooNew.stderr).toMatch(/newer version of the app/);
  });

  it('bad arguments → exit 2 with a message naming the argument', async () => {
    const cases: [string[], RegExp][] = [
      [['sync'], /--data: the data folder is required/],
      [['sync', '--data'], /--data: a value is missing/],
      [['sync', '--data', '/tmp', '--timeout-ms', 'soon'], /--timeout-ms: soon is not a whole number/],
      [['sync', '--data', '/tmp', '--verbose'], /--verbose: unknown argument/],
      [['pull', '--data', '/tmp'], /pull: unknown command/],
    ];
    const runs = await Promise.all(cases.map(([args]) => desk(args)));
    runs.forEach((r, i) => {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stderr).toContain('usage: npm run -s desk -- sync --data DIR [--timeout-ms N]');
    });
  });
});
