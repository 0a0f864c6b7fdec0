/** A real store in a fresh temporary folder: database file, key file, attachments. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openDatabase, openKeyed, storeKey, type Db } from '../electron/worker/store/db.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { chainKey, registerChain } from '../electron/worker/store/chain.js';
import { DeskService, type Session } from '../electron/worker/services/desk-service.js';
import type { Clock } from '../electron/worker/store/clock.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { DeskError } from '../shared/errors.js';
import {
  historyQuery,
  manualClaimInput,
  parseInput,
  recordPersonInput,
  reverseInput,
  settleInput,
} from '../shared/store/inputs.js';

/**
 * The tests call the services as the window's boundary would, after validation:
 * these parse a test's plain object with the contract's schemas (defaults
 * applied, a bad field refused by name) before it reaches a service.
 */
export const asPerson = (input: unknown) => parseInput(recordPersonInput, input);
export const asBill = (input: unknown) => parseInput(settleInput, input);
export const asClaim = (input: unknown) => parseInput(manualClaimInput, input);
export const asQuery = (input: unknown) => parseInput(historyQuery, input);
export const asReversal = (input: unknown) => parseInput(reverseInput, input);

export class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  set(iso: string): void {
    this.at = new Date(iso);
  }
}

/**
 * Opens a store file (desk.sqlite, a backup) the way a test or tool inspects it: keyed with the
 * store key derived from the key file (default: `key` beside the store, as the browser host keeps it).
 * Nothing is migrated or converted. Every test that opens a store file itself goes through here.
 *
 * Like the sqlite3 CLI, the connection has no chain functions (store/chain.ts), so it cannot write a covered
 * table; `chain: true` registers them (a test that writes through the triggers as the app would, with the key).
 */
export function openStoreFile(
  path: string,
  options: { readonly?: boolean; keyFile?: string; chain?: boolean } = {},
): Db {
  const keys = new FileKeyProvider(options.keyFile ?? join(dirname(path), 'key'));
  const db = openKeyed(path, storeKey(keys), { readonly: options.readonly ?? false, fileMustExist: true });
  if (options.chain) registerChain(db, chainKey(keys));
  return db;
}

/** The page key of the store in `dir` (for backup checks). */
export function storeKeyIn(dir: string): Buffer {
  return storeKey(new FileKeyProvider(join(dir, 'key')));
}

export interface TestStore {
  dir: string;
  dbPath: string;
  /** The store's key file (the master key openDatabase takes; its anchors beside it). */
  keys: FileKeyProvider;
  keyFile: string;
  /** The store's page key (derived from the master key: what backups are checked with). */
  key: Buffer;
  service: DeskService;
  clock: TestClock;
  supervisor: Session;
  cashier: Session;
  clerk: Session;
  reopen(): DeskService;
}

export const TERMINAL = { code: 'T01', hospital_code: 'H510100001', hospital_name: '测试市第一人民医院' };

/**
 * A store with three operators. The key file is `key` in the data folder (development's way), or with
 * `keyOutside` in a folder of its own, as on a terminal: then its anchors (store/anchors.ts) are outside too.
 */
export function makeStore(now = '2026-03-20T02:00:00Z', options: { keyOutside?: boolean } = {}): TestStore {
  const dir = mkdtempSync(join(tmpdir(), 'desk-store-'));
  const dbPath = join(dir, 'desk.sqlite');
  const clock = new TestClock(new Date(now));
  const keyFile = join(options.keyOutside ? mkdtempSync(join(tmpdir(), 'desk-key-')) : dir, 'key');
  const keys = new FileKeyProvider(keyFile);
  const open = () =>
    new DeskService({
      db: openDatabase(dbPath, keys),
      keys,
      dataDir: dir,
      terminal: TERMINAL,
      clock,
    });
  const service = open();
  service.operators.create(null, { code: 'sup1', name: '王主管', role: 'supervisor', pin: '246810' });
  const supervisor = service.operators.login({ code: 'sup1', pin: '246810' });
  service.operators.create(supervisor, { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' });
  service.operators.create(supervisor, { code: 'clerk1', name: '赵审核', role: 'claims_clerk', pin: '112233' });
  return {
    dir,
    dbPath,
    keys,
    keyFile,
    key: storeKey(keys),
    service,
    clock,
    supervisor,
    cashier: service.operators.login({ code: 'cash1', pin: '135790' }),
    clerk: service.operators.login({ code: 'clerk1', pin: '112233' }),
    reopen: open,
  };
}

/** Valid 18-digit identity numbers (GB 11643 check digit computed). */
export function idNumber(seed: number): string {
  const body =
    `510102198${String(seed % 10)}0${(seed % 9) + 1}1${String(seed % 10)}${String(100 + (seed % 900)).padStart(3, '0')}`.slice(
      0,
      17,
    );
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i]!;
  return body + '10X98765432'[sum % 11]!;
}

export function dazhouPerson(seed = 1, extra: Record<string, unknown> = {}) {
  return asPerson({
    id_number: idNumber(seed),
    name: '张三',
    gender: 'M' as const,
    region: 'dazhou',
    scheme: 'employee' as const,
    retired: false,
    medical_assistance: false,
    enrolled: {},
    accumulators: {},
    as_of: '2026-01-01T00:00:00+08:00',
    source: 'cashier' as const,
    ...extra,
  });
}

export const example1Bill = (personId: number, extra: Record<string, unknown> = {}) =>
  asBill({
    person_id: personId,
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
    ...extra,
  });

/** Example 1 as the window sends it through the contract: the terminal sets `offline` itself from its link. */
export function example1WindowBill(personId: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const bill: Record<string, unknown> = { ...example1Bill(personId, extra) };
  delete bill['offline'];
  return bill;
}

/**
 * F5 then F8 as the window does it: the bill previewed through `call` and returned with its preview's digest, which
 * `settlement.settle` requires (what you see is what you settle; services/settlements.ts refuseStalePreview).
 */
export async function previewed(
  call: (channel: string, payload: unknown) => Promise<unknown>,
  bill: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const answer = (await call('settlement.preview', bill)) as
    { ok: true; value: { digest: string } } | { ok: false; error: unknown };
  if (!answer.ok) throw new Error(`preview refused: ${JSON.stringify(answer.error)}`);
  return { ...bill, preview_digest: answer.value.digest };
}

/** One of the reference insurer's seeded persons, recorded at the window as a cashier would (no accumulators known here). */
export function recordSeeded(store: TestStore, idNumber: string): number {
  const s = SEED_PERSONS.find((x) => x.id_number === idNumber);
  if (!s) throw new Error(`${idNumber} is not a seeded person`);
  const { id_number, name, gender, region, scheme, retired, medical_assistance, enrolled } = s;
  return store.service.persons.record(
    store.cashier,
    asPerson({
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
}

/** The DeskError body `f` throws (a refusal a test expects); anything else thrown is rethrown, nothing thrown fails. */
export function refusal(f: () => unknown): DeskError['body'] {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('expected a refusal');
}

/**
 * What someone with the key and the sqlite3 CLI does to write a covered table: DROP TRIGGER on every trigger of
 * `table`, `work`, then CREATE TRIGGER again, so the schema looks untouched.
 */
export function withTriggersDropped(raw: Db, table: string, work: () => void): void {
  const triggers = raw
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?")
    .all(table) as { name: string; sql: string }[];
  for (const t of triggers) raw.exec(`DROP TRIGGER "${t.name}"`);
  work();
  for (const t of triggers) raw.exec(t.sql);
}
