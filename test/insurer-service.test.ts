/**
 * The reference insurer service over real HTTP on 127.0.0.1 (in-process, port
 * 0, a temporary data folder), and its one-command start as a real process.
 * Every response is validated with the protocol's own schemas
 * (shared/sync/protocol.ts), as the terminal's sync client will do.
 */
import type { Enrolment } from '../shared/engine/insured.js';
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Decimal, formatAmount, toCents, minMoney, type Money } from '../shared/money.js';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { parseRulePackage } from '../shared/rules/ruleset.js';
import { isValidIdNumber } from '../shared/sync/id-number.js';
import * as p from '../shared/sync/protocol.js';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { parseFaultSpec } from '../insurer/faults.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { openApiYaml } from '../cli/openapi.js';

const TERMINAL = { hospital_code: 'H510100001', terminal_code: 'T01', secret: 'test-secret-T01-0123456789' };
const OTHER = { hospital_code: 'H510100002', terminal_code: 'T09', secret: 'test-secret-T09-0123456789' };
const DAY = '2026-03-20';

const ZHANG = '511702196803120014'; // 达州, insurer-side accumulators 2026 (another hospital)
const WANG = '410202197001050037'; // 开封, large_amount enrolled
const LIU = '410202198812300049'; // 开封
const LI = '511702197509210021'; // 达州, retired
const HUANG = '51060319551103008X'; // 德阳, assistance, insurer-side accumulators 2026
const ZHAO = '510603199002140078'; // 德阳
const CHEN = '621002196204180055'; // 庆阳, retired
const YANG = '621002197907070068'; // 庆阳
const ZHOU = '320281198305270096'; // 江阴 resident, assistance
const WU = '320281195808090106'; // 江阴 employee, retired
const UNKNOWN = '110101199003070011'; // valid check digit, not insured here

let insurer: RunningInsurer;
let dataDir: string;
let token: string;
const clock: { at: Date | null } = { at: null };

// ── HTTP helpers: what a strict client does ─────────────────────────────────

interface Answer {
  status: number;
  text: string;
  requestId: string;
  headers: Headers;
}

let seq = 0;
const newRequestId = () => `test-${++seq}-${randomBytes(4).toString('hex')}`;

/** Reads at most MAX_BODY_BYTES; past that it stops and throws, like the terminal's client must. */
async function readLimited(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > p.MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`oversized response: more than ${p.MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function call(
  path: string,
  options: {
    method?: string;
    body?: unknown;
    raw?: string;
    token?: string | null;
    requestId?: string | null;
    contentType?: string;
    base?: string;
  } = {},
): Promise<Answer> {
  const requestId = options.requestId === undefined ? newRequestId() : options.requestId;
  const headers: Record<string, string> = {};
  if (requestId !== null) headers[p.REQUEST_ID_HEADER] = requestId;
  const bearer = options.token === undefined ? token : options.token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${options.base ?? insurer.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  return { status: res.status, text: await readLimited(res), requestId: requestId ?? '', headers: res.headers };
}

/** 200, JSON, valid against the schema and answering this request (not a replay). */
function ok<S extends z.ZodType>(schema: S, a: Answer): z.output<S> {
  expect(a.status, a.text).toBe(200);
  const body = schema.parse(JSON.parse(a.text)) as z.output<S> & { request_id: string };
  expect(body.request_id).toBe(a.requestId);
  return body;
}

function refused(a: Answer, status: number, code: string): p.ErrorResponse['error'] {
  expect(a.status, a.text).toBe(status);
  const body = p.errorResponse.parse(JSON.parse(a.text));
  expect(body.error.code).toBe(code);
  return body.error;
}

const admin = (path: string, method: string, body?: unknown, adminToken: string = insurer.adminToken) =>
  fetch(`${insurer.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function signIn(t: { hospital_code: string; terminal_code: string; secret: string }): Promise<string> {
  return ok(
    p.signInResponse,
    await call('/v1/sign-in', {
      token: null,
      body: { terminal_code: t.terminal_code, hospital_code: t.hospital_code, terminal_secret: t.secret },
    }),
  ).token;
}

// ── The terminal's side: outbox payloads as electron/worker/services/settlements.ts and claims.ts write them ──

interface Insured {
  region: string;
  scheme: 'employee' | 'resident';
  retired: boolean;
  medical_assistance: boolean;
  enrolled: Record<string, Enrolment>;
}
interface Bill {
  level: 1 | 2 | 3;
  medfee: string;
  fulamt?: string;
  overlmt?: string;
  preself?: string;
  date?: string;
}

/** Settled at the window with the terminal's own (here: empty) accumulators, as the outbox holds it. */
function settlementItem(key: string, idNumber: string, insured: Insured, bill: Bill, businessDate = DAY): p.ClaimItem {
  const date = bill.date ?? '2026-03-15';
  const request = {
    region: insured.region,
    insured: {
      scheme: insured.scheme,
      retired: insured.retired,
      medical_assistance: insured.medical_assistance,
      enrolled: insured.enrolled,
    },
    hospital_level: bill.level,
    admission_date: date,
    discharge_date: date,
    costs: [
      {
        date,
        medfee_sumamt: bill.medfee,
        fulamt_ownpay_amt: bill.fulamt ?? '0.00',
        overlmt_selfpay: bill.overlmt ?? '0.00',
        preselfpay_amt: bill.preself ?? '0.00',
      },
    ],
    ytd: { [date.slice(0, 4)]: { basic: { paid: '0.00', admissions: 0 } } },
  };
  let result: unknown;
  try {
    result = JSON.parse(JSON.stringify({ ...settle(request, bundledRuleSet()), trace: undefined }));
  } catch {
    // A bill the engine refuses (no rule in force) still makes a well-formed upload for the refusal test.
    result = {
      region: insured.region,
      scheme: insured.scheme,
      medfee_sumamt: bill.medfee,
      fund_pay_sumamt: '0.00',
      psn_cash_pay: bill.medfee,
      funds: {},
    };
  }
  const body = {
    number: key,
    terminal: TERMINAL.terminal_code,
    hospital_code: TERMINAL.hospital_code,
    person_id: 7,
    offline: true,
    request,
    result,
  };
  return p.claimItem.parse({
    idempotency_key: key,
    kind: 'settlement',
    business_date: businessDate,
    id_number: idNumber,
    body,
  });
}

const person = (id: string): Insured => {
  const s = SEED_PERSONS.find((x) => x.id_number === id)!;
  return {
    region: s.region,
    scheme: s.scheme,
    retired: s.retired,
    medical_assistance: s.medical_assistance,
    enrolled: s.enrolled,
  };
};

async function upload(items: p.ClaimItem[]): Promise<p.ClaimAnswer[]> {
  const body = ok(p.claimBatchResponse, await call('/v1/claims', { body: { items } }));
  expect(p.answersMatchItems(items, body.answers)).toBeNull();
  return body.answers;
}

async function reverse(items: p.ReversalItem[]): Promise<p.ReversalAnswer[]> {
  const body = ok(p.reversalBatchResponse, await call('/v1/reversals', { body: { items } }));
  expect(p.answersMatchItems(items, body.answers)).toBeNull();
  return body.answers;
}

async function lookup(idNumber: string, years = [2026]): Promise<p.PersonSnapshot> {
  return ok(p.personLookupResponse, await call('/v1/persons/lookup', { body: { id_number: idNumber, years } })).person;
}

// ── Setup ────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'insurer-'));
  insurer = await startInsurer({
    dataDir,
    port: 0,
    terminals: [TERMINAL, OTHER],
    adminToken: 'admin-token-for-tests-0123456789',
    now: () => clock.at ?? new Date(),
    log: () => {},
  });
  token = await signIn(TERMINAL);
});

afterAll(async () => {
  await insurer?.close();
});

describe('sign-in and request checks', () => {
  it('signs a terminal in and answers with a token, its expiry and the server time', async () => {
    const before = Date.now();
    const body = ok(
      p.signInResponse,
      await call('/v1/sign-in', {
        token: null,
        body: { terminal_code: 'T01', hospital_code: 'H510100001', terminal_secret: TERMINAL.secret },
      }),
    );
    expect(body.token_type).toBe('Bearer');
    expect(Date.parse(body.expires_at) - before).toBeGreaterThan(7 * 3600_000);
    expect(Math.abs(Date.parse(body.server_time) - Date.now())).toBeLessThan(5000);
  });

  it('refuses a wrong secret and an unknown terminal alike (401 invalid_credentials)', async () => {
    refused(
      await call('/v1/sign-in', {
        token: null,
        body: { terminal_code: 'T01', hospital_code: 'H510100001', terminal_secret: 'not-the-secret-0000' },
      }),
      401,
      'invalid_credentials',
    );
    refused(
      await call('/v1/sign-in', {
        token: null,
        body: { terminal_code: 'T77', hospital_code: 'H510100001', terminal_secret: TERMINAL.secret },
      }),
      401,
      'invalid_credentials',
    );
  });

  it('requires a session: 401 without a token, with a bad one, and after expiry', async () => {
    const item = settlementItem('T01-S-AUTH-1', WANG, person(WANG), { level: 2, medfee: '1000.00' });
    const none = await call('/v1/claims', { token: null, body: { items: [item] } });
    refused(none, 401, 'unauthenticated');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    refused(
      await call('/v1/persons/lookup', { token: 'x'.repeat(43), body: { id_number: WANG, years: [2026] } }),
      401,
      'unauthenticated',
    );
    clock.at = new Date(Date.now() + 9 * 3600_000);
    try {
      refused(await call('/v1/persons/lookup', { body: { id_number: WANG, years: [2026] } }), 401, 'unauthenticated');
    } finally {
      clock.at = null;
    }
    // Nothing of the refused upload was stored.
    const details = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: DAY, after: null, limit: 500 } }),
    );
    expect(details.items.map((i) => i.idempotency_key)).not.toContain('T01-S-AUTH-1');
  });

  it('requires Desk-Request-Id and echoes it', async () => {
    const missing = await call('/v1/signing-keys', { requestId: null });
    expect(refused(missing, 400, 'missing_field').field).toBe(p.REQUEST_ID_HEADER);
    expect(p.errorResponse.parse(JSON.parse(missing.text)).request_id).toBeNull();
    const a = await call('/v1/signing-keys');
    expect(a.headers.get(p.REQUEST_ID_HEADER)).toBe(a.requestId);
    expect(ok(p.signingKeysResponse, a).keys).toEqual([
      { key_id: insurer.keyId, algorithm: 'Ed25519', public_key_spki_base64: insurer.publicKeySpkiBase64 },
    ]);
  });

  it('validates every request body: 400 naming the field, 413, 415, 404, 405', async () => {
    const item = settlementItem('T01-S-BAD-1', WANG, person(WANG), { level: 2, medfee: '1000.00' }) as any;
    item.body.request.costs[0].medfee_sumamt = '1000.005';
    expect(refused(await call('/v1/claims', { body: { items: [item] } }), 400, 'invalid_field').field).toBe(
      'items[0].body.request.costs[0].medfee_sumamt',
    );
    const stray = { ...settlementItem('T01-S-BAD-2', WANG, person(WANG), { level: 2, medfee: '1000.00' }), extra: 1 };
    expect(refused(await call('/v1/claims', { body: { items: [stray] } }), 400, 'unknown_field').field).toBe(
      'items[0].extra',
    );
    const wrongKey = settlementItem('T01-S-BAD-3', WANG, person(WANG), { level: 2, medfee: '1000.00' }) as any;
    wrongKey.body.number = 'T01-S-OTHER';
    expect(refused(await call('/v1/claims', { body: { items: [wrongKey] } }), 400, 'invalid_field').field).toBe(
      'items[0].body.number',
    );
    expect(
      refused(
        await call('/v1/persons/lookup', { body: { id_number: '511702196803120015', years: [2026] } }),
        400,
        'invalid_field',
      ).field,
    ).toBe('id_number');
    expect(refused(await call('/v1/persons/lookup', { body: { years: [2026] } }), 400, 'missing_field').field).toBe(
      'id_number',
    );
    refused(await call('/v1/persons/lookup', { raw: '{"id_number":' }), 400, 'invalid_json');
    refused(await call('/v1/persons/lookup', { raw: '{}', contentType: 'text/plain' }), 415, 'unsupported_media_type');
    refused(await call('/v1/claims', { raw: `{"items":"${'x'.repeat(p.MAX_BODY_BYTES)}"}` }), 413, 'body_too_large');
    refused(await call('/v1/nothing-here'), 404, 'not_found');
    const wrongMethod = await call('/v1/claims', { method: 'GET' });
    refused(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('lets a terminal upload only its own records', async () => {
    const other = await signIn(OTHER);
    const item = settlementItem('T01-S-MINE-1', WANG, person(WANG), { level: 2, medfee: '1000.00' });
    expect(
      refused(await call('/v1/claims', { token: other, body: { items: [item] } }), 400, 'terminal_mismatch').field,
    ).toBe('items[0].body.terminal');
  });
});

// ── Rule packages ───────────────────────────────────────────────────────────

/** What the terminal does with a download (docs/sync.md): pinned key, signature, validity, hash, content. */
function verifyDownload(
  d: p.RuleDownloadResponse,
  pinned: Map<string, KeyObject>,
  now: Date,
  wanted: { region: string; version: string },
): string {
  const key = pinned.get(d.signature.key_id);
  if (!key) return 'unknown key';
  const signed = Buffer.from(
    p.signedText({
      key_id: d.signature.key_id,
      signed_at: d.signature.signed_at,
      valid_until: d.signature.valid_until,
      package_json: d.package_json,
    }),
    'utf8',
  );
  if (!verify(null, signed, key, Buffer.from(d.signature.value, 'base64'))) return 'bad signature';
  if (Date.parse(d.signature.signed_at) > now.getTime() + 5 * 60_000) return 'signed in the future';
  if (now.getTime() >= Date.parse(d.signature.valid_until)) return 'signature expired';
  if (createHash('sha256').update(d.package_json, 'utf8').digest('hex') !== d.sha256) return 'hash mismatch';
  const pkg = parseRulePackage(JSON.parse(d.package_json));
  if (pkg.region.id !== wanted.region || pkg.version !== wanted.version) return 'not the package asked for';
  return 'ok';
}

describe('rule packages', () => {
  const pinned = () =>
    new Map([
      [
        insurer.keyId,
        createPublicKey({ key: Buffer.from(insurer.publicKeySpkiBase64, 'base64'), format: 'der', type: 'spki' }),
      ],
    ]);

  it('lists the bundled packages, and only versions newer than the terminal’s', async () => {
    const all = ok(p.ruleQueryResponse, await call('/v1/rule-packages/query', { body: { regions: null } })).packages;
    expect(all.map((x) => `${x.region}/${x.version}`).sort()).toEqual([
      'dazhou/2023.2',
      'deyang/2026.2',
      'jiangyin/2020.2',
      'kaifeng/2024.2',
      'qingyang/2021.2',
    ]);
    const none = ok(
      p.ruleQueryResponse,
      await call('/v1/rule-packages/query', {
        body: {
          regions: [
            { region: 'dazhou', after_version: '2023.2' },
            { region: 'nowhere', after_version: null },
          ],
        },
      }),
    ).packages;
    expect(none).toEqual([]);
    const fresh = ok(
      p.ruleQueryResponse,
      await call('/v1/rule-packages/query', { body: { regions: [{ region: 'dazhou', after_version: null }] } }),
    ).packages;
    expect(fresh.map((x) => x.version)).toEqual(['2023.2']);
  });

  it('serves a package whose signature verifies with node:crypto against the pinned key', async () => {
    const d = ok(p.ruleDownloadResponse, await call(p.ruleDownloadPath('dazhou', '2023.2')));
    expect(verifyDownload(d, pinned(), new Date(), { region: 'dazhou', version: '2023.2' })).toBe('ok');
    expect(d.signature.key_id).toBe(insurer.keyId);
    expect(Date.parse(d.signature.valid_until) - Date.now()).toBeGreaterThan(300 * 86_400_000);
  });

  it('a tampered package, a stretched validity, an expired signature, an unknown key or another package are refused', async () => {
    const d = ok(p.ruleDownloadResponse, await call(p.ruleDownloadPath('kaifeng', '2024.2')));
    const wanted = { region: 'kaifeng', version: '2024.2' };
    const altered = d.package_json.replace('"0.90"', '"0.95"');
    expect(altered).not.toBe(d.package_json);
    expect(verifyDownload({ ...d, package_json: altered }, pinned(), new Date(), wanted)).toBe('bad signature');
    const later = new Date(Date.parse(d.signature.valid_until) + 365 * 86_400_000).toISOString();
    expect(
      verifyDownload({ ...d, signature: { ...d.signature, valid_until: later } }, pinned(), new Date(), wanted),
    ).toBe('bad signature');
    expect(verifyDownload(d, pinned(), new Date(Date.parse(d.signature.valid_until) + 1), wanted)).toBe(
      'signature expired',
    );
    expect(verifyDownload(d, new Map(), new Date(), wanted)).toBe('unknown key');
    expect(verifyDownload(d, pinned(), new Date(), { region: 'kaifeng', version: '2027.1' })).toBe(
      'not the package asked for',
    );
    // Unsigned: not a valid response at all.
    expect(p.ruleDownloadResponse.safeParse({ ...JSON.parse(JSON.stringify(d)), signature: undefined }).success).toBe(
      false,
    );
    refused(await call(p.ruleDownloadPath('kaifeng', '1999.1')), 404, 'not_found');
  });

  it('publishes a new version (admin), signed, listed as newer; a clashing one is refused', async () => {
    const pkg = JSON.parse(readFileSync('shared/rules/packages/kaifeng-2024.2.json', 'utf8'));
    pkg.version = '2027.1';
    pkg.effective.from = '2027-01-01';
    expect((await admin('/admin/rule-packages', 'POST', pkg, 'wrong-admin-token')).status).toBe(401);
    const res = await admin('/admin/rule-packages', 'POST', pkg);
    expect(res.status).toBe(201);
    const newer = ok(
      p.ruleQueryResponse,
      await call('/v1/rule-packages/query', { body: { regions: [{ region: 'kaifeng', after_version: '2024.2' }] } }),
    ).packages;
    expect(newer.map((x) => x.version)).toEqual(['2027.1']);
    const d = ok(p.ruleDownloadResponse, await call(p.ruleDownloadPath('kaifeng', '2027.1')));
    expect(verifyDownload(d, pinned(), new Date(), { region: 'kaifeng', version: '2027.1' })).toBe('ok');
    expect((await admin('/admin/rule-packages', 'POST', pkg)).status).toBe(409);
    const bad = await admin('/admin/rule-packages', 'POST', { ...pkg, version: '2028.1', layers: 'none' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_rule_package');
  });
});

// ── Persons ─────────────────────────────────────────────────────────────────

describe('person snapshot', () => {
  it('answers enrolment, status and the insurer’s accumulators in the engine’s ytd shape', async () => {
    const zhang = await lookup(ZHANG, [2025, 2026]);
    expect(zhang).toMatchObject({
      id_number: ZHANG,
      name: '张建国',
      gender: 'M',
      region: 'dazhou',
      scheme: 'employee',
      retired: false,
      medical_assistance: false,
      enrolled: {},
    });
    expect(zhang.accumulators).toEqual({
      '2025': { basic: { paid: '0.00', admissions: 0 } },
      '2026': { basic: { paid: '50000.00', admissions: 1 }, large_amount: { paid: '0.00', base: '3000.00' } },
    });
    expect(Math.abs(Date.parse(zhang.as_of) - Date.now())).toBeLessThan(5000);
    expect((await lookup(LIU)).enrolled).toEqual({ large_amount: false });
    expect(
      refused(
        await call('/v1/persons/lookup', { body: { id_number: UNKNOWN, years: [2026] } }),
        404,
        'person_not_found',
      ).field,
    ).toBe('id_number');
  });

  it('seeds valid identity numbers (GB 11643 check digit, gender digit) in every bundled region', () => {
    for (const s of SEED_PERSONS) {
      expect(isValidIdNumber(s.id_number), s.id_number).toBe(true);
      expect(Number(s.id_number[16]) % 2 === 1 ? 'M' : 'F').toBe(s.gender);
    }
    expect(new Set(SEED_PERSONS.map((s) => s.region))).toEqual(new Set(bundledRuleSet().regions()));
  });
});

// ── Claims ──────────────────────────────────────────────────────────────────

describe('claim upload', () => {
  const wangItem = () =>
    settlementItem('T01-S20260320-000001', WANG, person(WANG), {
      level: 2,
      medfee: '50000.00',
      fulamt: '2000.00',
      preself: '1000.00',
    });

  it('accepts a claim the insurer computes the same; the accumulators move', async () => {
    const [a] = await upload([wangItem()]);
    expect(a!.status).toBe('accepted');
    const accepted = p.acceptedAnswer.parse(a);
    expect(accepted.insurer).toEqual({
      medfee_sumamt: '50000.00',
      fund_pay_sumamt: '40920.00',
      psn_cash_pay: '9080.00',
      funds: { basic: '40920.00', large_amount: '0.00' },
    });
    // large_amount paid nothing and has no banded base: a layer missing from a year is zero.
    expect((await lookup(WANG)).accumulators['2026']).toEqual({ basic: { paid: '40920.00', admissions: 1 } });
  });

  it('same key, same body: duplicate with the identical original answer, nothing moves again', async () => {
    const first = (await call('/v1/claims', { body: { items: [wangItem()] } })).text;
    const [again] = await upload([wangItem()]);
    const original = p.claimBatchResponse.parse(JSON.parse(first)).answers[0]!;
    expect(original.status).toBe('duplicate');
    expect(again).toEqual(original);
    // Key order and whitespace are not part of "the same body".
    const reversedKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversedKeys)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversedKeys(x)]),
            )
          : v;
    const reordered = reversedKeys(wangItem()) as p.ClaimItem;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(wangItem()));
    expect((await upload([reordered]))[0]!.status).toBe('duplicate');
    expect((await lookup(WANG)).accumulators['2026']!.basic).toEqual({ paid: '40920.00', admissions: 1 });
  });

  it('same key, different body: conflict, and nothing is overwritten', async () => {
    const changed = settlementItem('T01-S20260320-000001', WANG, person(WANG), {
      level: 2,
      medfee: '60000.00',
      fulamt: '2000.00',
      preself: '1000.00',
    });
    const [c] = await upload([changed]);
    expect(p.conflictAnswer.parse(c).code).toBe('idempotency_conflict');
    const [d] = await upload([wangItem()]);
    expect(p.claimDuplicate.parse(d).original).toMatchObject({
      status: 'accepted',
      insurer: { medfee_sumamt: '50000.00' },
    });
    const details = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: DAY, after: null, limit: 500 } }),
    );
    expect(details.items.find((i) => i.idempotency_key === 'T01-S20260320-000001')!.terminal!.medfee_sumamt).toBe(
      '50000.00',
    );
    expect((await lookup(WANG)).accumulators['2026']!.basic).toEqual({ paid: '40920.00', admissions: 1 });
  });

  it('adjusts a claim settled without the stay at another hospital, with the difference per fund and in total', async () => {
    // domain.md §3 worked example 1 at the window (empty accumulators)…
    const item = settlementItem('T01-S20260320-000002', ZHANG, person(ZHANG), {
      level: 3,
      medfee: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
    });
    if (item.kind !== 'settlement') throw new Error('settlement expected');
    expect(item.body.result).toMatchObject({
      fund_pay_sumamt: '159758.75',
      psn_cash_pay: '20241.25',
      funds: { basic: '143735.00', large_amount: '16023.75' },
    });

    // …and by hand, as the insurer must: 2026 so far basic paid 50,000.00 in 1 admission, large_amount base 3,000.00.
    const d = (s: string | number) => new Decimal(s);
    const P = d('180000').minus('6000').minus('4000'); // in-policy 170,000
    const D = minMoney(P, toCents(d('900').times('0.5'))); // second admission: 达州 L3 deductible × 0.5 = 450
    const R = P.minus(D);
    const room = d('150000').minus('50000');
    expect(R.times('0.85').greaterThan(room)).toBe(true); // over the basic cap
    const basic = room;
    const W = minMoney(R, toCents(room.div('0.85')));
    const coinsurance = W.minus(basic);
    const overCap = R.minus(W);
    const banded = d('3000').plus(coinsurance).minus('4000').times('0.75'); // cumulative base 3,000 → 3,000 + coinsurance, above 4,000 at 75%
    const large = toCents(banded.plus(overCap.times('0.85')));
    const fund = basic.plus(large);
    const f = (x: Money) => formatAmount(x);
    expect([f(basic), f(large), f(fund)]).toEqual(['100000.00', '56602.79', '156602.79']);

    const [a] = await upload([item]);
    const adjusted = p.adjustedAnswer.parse(a);
    expect(adjusted.terminal).toEqual({
      medfee_sumamt: '180000.00',
      fund_pay_sumamt: '159758.75',
      psn_cash_pay: '20241.25',
      funds: { basic: '143735.00', large_amount: '16023.75' },
    });
    expect(adjusted.insurer).toEqual({
      medfee_sumamt: '180000.00',
      fund_pay_sumamt: f(fund),
      psn_cash_pay: f(d('180000').minus(fund)),
      funds: { basic: f(basic), large_amount: f(large) },
    });
    expect(adjusted.difference).toEqual({
      medfee_sumamt: '0.00',
      fund_pay_sumamt: f(fund.minus('159758.75')),
      psn_cash_pay: f(d('180000').minus(fund).minus('20241.25')),
      funds: { basic: f(basic.minus('143735.00')), large_amount: f(large.minus('16023.75')) },
    });
    expect(adjusted.difference.fund_pay_sumamt).toBe('-3155.96');
    expect(adjusted.reasons).toEqual(
      expect.arrayContaining([
        { field: 'ytd.2026.basic.paid', terminal: '0.00', insurer: '50000.00' },
        { field: 'ytd.2026.basic.admissions', terminal: '0', insurer: '1' },
        { field: 'ytd.2026.large_amount.base', terminal: '0.00', insurer: '3000.00' },
      ]),
    );
    expect(adjusted.message).toContain('-3155.96');
    // The insurer's accumulators moved by what it pays.
    expect((await lookup(ZHANG)).accumulators['2026']).toEqual({
      basic: { paid: '150000.00', admissions: 2 },
      large_amount: { paid: f(large), base: f(d('3000').plus(coinsurance)) },
    });
    expect((await upload([item]))[0]).toEqual({
      status: 'duplicate',
      idempotency_key: item.idempotency_key,
      original: a,
    });
  });

  it('rejects an unknown person and a bill the engine refuses, finally', async () => {
    const unknown = settlementItem('T01-S20260320-000003', UNKNOWN, person(WANG), { level: 2, medfee: '1000.00' });
    const [r1] = await upload([unknown]);
    expect(p.rejectedAnswer.parse(r1)).toMatchObject({ code: 'person_not_found', field: 'id_number' });
    const early = settlementItem('T01-S20260320-000004', LIU, person(LIU), {
      level: 2,
      medfee: '1000.00',
      date: '2014-06-01',
    });
    const [r2] = await upload([early]);
    expect(p.rejectedAnswer.parse(r2)).toMatchObject({ code: 'no_rule_in_force', field: 'costs[0].date' });
    expect((await upload([unknown]))[0]).toEqual({
      status: 'duplicate',
      idempotency_key: unknown.idempotency_key,
      original: r1,
    });
    expect((await lookup(LIU)).accumulators['2026']!.basic).toEqual({ paid: '0.00', admissions: 0 });
  });
});

describe('reversal upload', () => {
  it('takes manual claims (out-of-network) the same way; they cannot be reversed at the window', async () => {
    const base = settlementItem(
      'T01-M20260322-000001',
      WU,
      person(WU),
      { level: 2, medfee: '12000.00', date: '2026-02-10' },
      '2026-03-22',
    );
    const { number, terminal, person_id, request, result } = base.body;
    // electron/worker/services/claims.ts Claims.submit: the hospital is the one the patient paid at.
    const body = {
      number,
      terminal,
      person_id,
      hospital_code: 'H330100099',
      hospital_name: '杭州市某医院',
      request,
      result,
    };
    const item = p.claimItem.parse({ ...base, kind: 'manual_claim', body });
    const [a] = await upload([item]);
    expect(a!.status).toBe('accepted');
    const [r] = await reverse([
      {
        idempotency_key: 'T01-R20260322-000001',
        business_date: '2026-03-22',
        reverses: item.idempotency_key,
        reason: '误操作',
      },
    ]);
    expect(p.rejectedAnswer.parse(r).code).toBe('not_reversible');
    const details = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: '2026-03-22', after: null, limit: 10 } }),
    );
    expect(details.items.map((i) => [i.idempotency_key, i.kind, i.status])).toEqual([
      ['T01-M20260322-000001', 'manual_claim', 'accepted'],
      ['T01-R20260322-000001', 'reversal', 'rejected'],
    ]);
  });

  it('reverses the adjusted claim: the insurer’s amounts come back negated and the accumulators return', async () => {
    const item = {
      idempotency_key: 'T01-R20260320-000001',
      business_date: DAY,
      reverses: 'T01-S20260320-000002',
      reason: '费用录入错误',
    };
    const [a] = await reverse([item]);
    const r = p.reversalAccepted.parse(a);
    expect(r.reverses).toBe('T01-S20260320-000002');
    expect(r.insurer).toEqual({
      medfee_sumamt: '-180000.00',
      fund_pay_sumamt: '-156602.79',
      psn_cash_pay: '-23397.21',
      funds: { basic: '-100000.00', large_amount: '-56602.79' },
    });
    expect((await lookup(ZHANG)).accumulators['2026']).toEqual({
      basic: { paid: '50000.00', admissions: 1 },
      large_amount: { paid: '0.00', base: '3000.00' },
    });
    expect((await reverse([item]))[0]).toEqual({
      status: 'duplicate',
      idempotency_key: item.idempotency_key,
      original: a,
    });
    expect((await reverse([{ ...item, reason: '另一个原因' }]))[0]!.status).toBe('conflict');
  });

  it('refuses a second reversal, an unknown original, a rejected original', async () => {
    const [twice, unknown, ofRejected] = await reverse([
      { idempotency_key: 'T01-R20260320-000002', business_date: DAY, reverses: 'T01-S20260320-000002', reason: '重复' },
      {
        idempotency_key: 'T01-R20260320-000003',
        business_date: DAY,
        reverses: 'T01-S20260320-999999',
        reason: '无原单',
      },
      {
        idempotency_key: 'T01-R20260320-000004',
        business_date: DAY,
        reverses: 'T01-S20260320-000003',
        reason: '原单被拒',
      },
    ]);
    expect(p.rejectedAnswer.parse(twice).code).toBe('already_reversed');
    expect(p.rejectedAnswer.parse(unknown).code).toBe('original_not_found');
    expect(p.rejectedAnswer.parse(ofRejected).code).toBe('original_rejected');
    expect(
      refused(
        await call('/v1/reversals', {
          body: { items: [{ idempotency_key: 'T01-R-SELF', business_date: DAY, reverses: 'T01-R-SELF', reason: 'x' }] },
        }),
        400,
        'invalid_field',
      ).field,
    ).toBe('items[0].reverses');
  });
});

// ── Reconciliation ──────────────────────────────────────────────────────────

describe('reconciliation', () => {
  const day = '2026-04-02';
  let terminalTotals: p.DayTotalsWire;

  beforeAll(async () => {
    const li = settlementItem(
      'T01-S20260402-000001',
      LI,
      person(LI),
      { level: 2, medfee: '30000.00', fulamt: '500.00', date: '2026-04-01' },
      day,
    );
    const huang = settlementItem(
      'T01-S20260402-000002',
      HUANG,
      person(HUANG),
      { level: 2, medfee: '80000.00', fulamt: '1000.00', preself: '2000.00', date: '2026-04-01' },
      day,
    );
    const chen = settlementItem(
      'T01-S20260402-000003',
      CHEN,
      person(CHEN),
      { level: 1, medfee: '8000.00', date: '2026-04-01' },
      day,
    );
    const rejectedOne = settlementItem(
      'T01-S20260402-000004',
      UNKNOWN,
      person(LI),
      { level: 1, medfee: '500.00', date: '2026-04-01' },
      day,
    );
    const answers = await upload([li, huang, chen, rejectedOne]);
    expect(answers.map((a) => a.status)).toEqual(['accepted', 'adjusted', 'accepted', 'rejected']);
    await reverse([
      { idempotency_key: 'T01-R20260402-000001', business_date: day, reverses: 'T01-S20260402-000003', reason: '撤销' },
    ]);
    // The terminal's DayTotals for the day: the three settlements and the reversal (negative), as it computed them.
    const res = [li, huang, chen].map((i) => i.body.result);
    const sum = (pick: (r: (typeof res)[number]) => string, minus: string) =>
      formatAmount(res.reduce((s, r) => s.plus(pick(r)), new Decimal(0)).minus(minus));
    const chenResult = chen.body.result;
    const funds: Record<string, string> = {};
    for (const r of res)
      for (const [id, v] of Object.entries(r.funds)) funds[id] = formatAmount(new Decimal(funds[id] ?? '0').plus(v));
    for (const [id, v] of Object.entries(chenResult.funds)) funds[id] = formatAmount(new Decimal(funds[id]!).minus(v));
    terminalTotals = {
      settlements: 3,
      reversals: 1,
      medfee_sumamt: sum((r) => r.medfee_sumamt, chenResult.medfee_sumamt),
      fund_pay_sumamt: sum((r) => r.fund_pay_sumamt, chenResult.fund_pay_sumamt),
      psn_cash_pay: sum((r) => r.psn_cash_pay, chenResult.psn_cash_pay),
      funds,
    };
  });

  it('balances the daily totals (3201) and reports the day’s adjustments beside them', async () => {
    const body = ok(
      p.totalsResponse,
      await call('/v1/reconciliation/totals', { body: { business_date: day, totals: terminalTotals } }),
    );
    expect(body.result).toBe('balanced');
    expect(body.differences).toEqual([]);
    expect(body.insurer.settlements).toBe(3);
    expect(body.insurer.reversals).toBe(1);
    expect(body.insurer.fund_pay_sumamt).toBe(terminalTotals.fund_pay_sumamt);
    const details = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: day, after: null, limit: 500 } }),
    );
    const huang = details.items.find((i) => i.idempotency_key === 'T01-S20260402-000002')!;
    expect(body.adjustments).toEqual({
      count: 1,
      fund_pay_difference: formatAmount(
        new Decimal(huang.insurer!.fund_pay_sumamt).minus(huang.terminal!.fund_pay_sumamt),
      ),
    });
  });

  it('reports a mismatch field by field', async () => {
    const body = ok(
      p.totalsResponse,
      await call('/v1/reconciliation/totals', {
        body: {
          business_date: day,
          totals: { ...terminalTotals, settlements: 4, funds: { ...terminalTotals.funds, basic: '1.00' } },
        },
      }),
    );
    expect(body.result).toBe('mismatch');
    expect(body.differences).toEqual([
      { field: 'settlements', terminal: '4', insurer: '3' },
      { field: 'funds.basic', terminal: '1.00', insurer: terminalTotals.funds.basic },
    ]);
    const empty = ok(
      p.totalsResponse,
      await call('/v1/reconciliation/totals', {
        body: {
          business_date: '2026-01-01',
          totals: {
            settlements: 0,
            reversals: 0,
            medfee_sumamt: '0.00',
            fund_pay_sumamt: '0.00',
            psn_cash_pay: '0.00',
            funds: {},
          },
        },
      }),
    );
    expect(empty.result).toBe('balanced');
  });

  it('lists the details (3202), paged by key, with status and links', async () => {
    const first = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: day, after: null, limit: 3 } }),
    );
    expect(first.items.map((i) => i.idempotency_key)).toEqual([
      'T01-R20260402-000001',
      'T01-S20260402-000001',
      'T01-S20260402-000002',
    ]);
    expect(first.next_after).toBe('T01-S20260402-000002');
    const second = ok(
      p.detailsResponse,
      await call('/v1/reconciliation/details', { body: { business_date: day, after: first.next_after, limit: 3 } }),
    );
    expect(second.items.map((i) => [i.idempotency_key, i.status, i.reverses, i.reversed_by])).toEqual([
      ['T01-S20260402-000003', 'accepted', null, 'T01-R20260402-000001'],
      ['T01-S20260402-000004', 'rejected', null, null],
    ]);
    expect(second.next_after).toBeNull();
    expect(first.items[0]).toMatchObject({ kind: 'reversal', reverses: 'T01-S20260402-000003' });
    expect(second.items[1]!.insurer).toBeNull();
  });
});

// ── Faults ──────────────────────────────────────────────────────────────────

describe('fault switches', () => {
  const arm = async (rule: Record<string, unknown>) => {
    const res = await admin('/admin/faults', 'PUT', { faults: [rule] });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const disarm = async () => expect((await admin('/admin/faults', 'DELETE')).status).toBe(200);
  const admissions = async (id: string) => (await lookup(id)).accumulators['2026']!.basic!.admissions;

  it('are behind the admin token', async () => {
    expect((await fetch(`${insurer.url}/admin/faults`)).status).toBe(401);
    expect((await admin('/admin/faults', 'GET', undefined, 'nope')).status).toBe(401);
    expect((await admin('/admin/faults', 'PUT', { faults: [{ fault: 'delay' }] })).status).toBe(400);
  });

  it('drop_after_commit: the socket dies after the commit; the retry gets duplicate with the committed answer', async () => {
    const item = settlementItem('T01-S20260320-000101', ZHAO, person(ZHAO), { level: 2, medfee: '20000.00' });
    await arm({ fault: 'drop_after_commit', count: 1, path: '/v1/claims' });
    await expect(call('/v1/claims', { body: { items: [item] } })).rejects.toThrow();
    const list = (await (await admin('/admin/faults', 'GET')).json()) as { faults: unknown[] };
    expect(list.faults).toEqual([]); // used up
    const [a] = await upload([item]);
    expect(p.claimDuplicate.parse(a).original.status).toBe('accepted');
    expect(await admissions(ZHAO)).toBe(1);
  });

  it('error_500_before_commit: 500 and nothing stored (the retry is accepted, not a duplicate)', async () => {
    const item = settlementItem('T01-S20260320-000102', CHEN, person(CHEN), { level: 1, medfee: '5000.00' });
    await arm({ fault: 'error_500_before_commit', count: 1, path: '/v1/claims' });
    refused(await call('/v1/claims', { body: { items: [item] } }), 500, 'internal');
    expect(await admissions(CHEN)).toBe(0);
    expect((await upload([item]))[0]!.status).toBe('accepted');
  });

  it('error_500_after_commit: 500, but committed (the retry is a duplicate)', async () => {
    const item = settlementItem('T01-S20260320-000103', YANG, person(YANG), { level: 2, medfee: '9000.00' });
    await arm({ fault: 'error_500_after_commit', count: 1, path: '/v1/claims' });
    refused(await call('/v1/claims', { body: { items: [item] } }), 500, 'internal');
    expect((await upload([item]))[0]!.status).toBe('duplicate');
    expect(await admissions(YANG)).toBe(1);
  });

  it('delay: the answer comes after delay_ms', async () => {
    await arm({ fault: 'delay', delay_ms: 300, count: 1 });
    const t0 = performance.now();
    ok(p.signingKeysResponse, await call('/v1/signing-keys'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('malformed_body: invalid JSON, or JSON of the wrong shape; committed all the same', async () => {
    const item = settlementItem('T01-S20260320-000104', ZHOU, person(ZHOU), { level: 2, medfee: '12000.00' });
    await arm({ fault: 'malformed_body', count: 1, path: '/v1/claims' });
    const broken = await call('/v1/claims', { body: { items: [item] } });
    expect(broken.status).toBe(200);
    expect(() => JSON.parse(broken.text)).toThrow();
    await arm({ fault: 'malformed_body', style: 'wrong_shape', count: 1, path: '/v1/claims' });
    const shaped = await call('/v1/claims', { body: { items: [item] } });
    expect(p.claimBatchResponse.safeParse(JSON.parse(shaped.text)).success).toBe(false);
    expect((await upload([item]))[0]!.status).toBe('duplicate');
    expect(await admissions(ZHOU)).toBe(1);
  });

  it('oversized_body: more than MAX_BODY_BYTES, which a limited reader refuses', async () => {
    const item = settlementItem('T01-S20260320-000105', WU, person(WU), { level: 3, medfee: '7000.00' });
    await arm({ fault: 'oversized_body', count: 1, path: '/v1/claims' });
    await expect(call('/v1/claims', { body: { items: [item] } })).rejects.toThrow(/oversized/);
    expect((await upload([item]))[0]!.status).toBe('duplicate');
  });

  it('replay_previous: an earlier answer comes back, caught by its request_id', async () => {
    const earlier = await call('/v1/persons/lookup', { body: { id_number: WU, years: [2026] } });
    ok(p.personLookupResponse, earlier);
    await arm({ fault: 'replay_previous', count: 1, path: '/v1/persons' });
    const replayed = await call('/v1/persons/lookup', { body: { id_number: ZHOU, years: [2026] } });
    const body = p.personLookupResponse.parse(JSON.parse(replayed.text)); // well-formed…
    expect(body.request_id).toBe(earlier.requestId); // …but not the answer to this request
    expect(body.request_id).not.toBe(replayed.requestId);
    expect(body.person.id_number).toBe(WU);
  });

  it('probability 1 fires on every request, 0 on none; specs parse as on the command line', async () => {
    await arm({ fault: 'error_500_before_commit', probability: 1, path: '/v1/signing-keys' });
    for (let i = 0; i < 3; i++) refused(await call('/v1/signing-keys'), 500, 'internal');
    await arm({ fault: 'error_500_before_commit', probability: 0, path: '/v1/signing-keys' });
    for (let i = 0; i < 3; i++) ok(p.signingKeysResponse, await call('/v1/signing-keys'));
    await disarm();
    expect(parseFaultSpec('delay:ms=500,p=0.5')).toEqual({ fault: 'delay', delay_ms: 500, probability: 0.5 });
    expect(parseFaultSpec('error_500_after_commit:n=2,path=/v1/claims')).toEqual({
      fault: 'error_500_after_commit',
      count: 2,
      path: '/v1/claims',
    });
    expect(() => parseFaultSpec('explode:n=1')).toThrow();
    expect(() => parseFaultSpec('drop_after_commit:n=1,p=0.5')).toThrow(/not both/);
  });
});

// ── Documents and the one-command start ──────────────────────────────────────

describe('service as a whole', () => {
  it('keeps its answers across a restart (a retry after the insurer crashed is still a duplicate)', async () => {
    await insurer.close();
    insurer = await startInsurer({
      dataDir,
      port: 0,
      terminals: [TERMINAL, OTHER],
      adminToken: 'admin-token-for-tests-0123456789',
      now: () => clock.at ?? new Date(),
      log: () => {},
    });
    const item = settlementItem('T01-S20260320-000001', WANG, person(WANG), {
      level: 2,
      medfee: '50000.00',
      fulamt: '2000.00',
      preself: '1000.00',
    });
    expect(p.claimDuplicate.parse((await upload([item]))[0]).original.status).toBe('accepted');
  });

  it('docs/sync-protocol.openapi.yaml is what the protocol schemas generate', () => {
    expect(readFileSync('docs/sync-protocol.openapi.yaml', 'utf8')).toBe(openApiYaml());
  });

  it('starts with one command, printing its URL, the public key and the persons; publishes from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insurer-cli-'));
    const tsx = join('node_modules', '.bin', 'tsx');
    await promisify(execFile)(tsx, ['insurer/main.ts', 'publish', '--data', dir, 'test/fixtures/mianyang-2025.1.json']);
    const child = spawn(
      tsx,
      ['insurer/main.ts', '--port', '0', '--data', dir, '--fault', 'error_500_before_commit:n=1,path=/v1/signing-keys'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('吴淑珍')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const url = /url +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      for (const s of SEED_PERSONS) expect(out).toContain(s.id_number);
      const secret = /T01 secret (\S+)/.exec(out)![1]!;
      refused(await call('/v1/signing-keys', { base: url }), 500, 'internal'); // the --fault, once
      const keys = ok(p.signingKeysResponse, await call('/v1/signing-keys', { base: url }));
      expect(out).toContain(keys.keys[0]!.public_key_spki_base64);
      const t = ok(
        p.signInResponse,
        await call('/v1/sign-in', {
          base: url,
          token: null,
          body: { terminal_code: 'T01', hospital_code: 'H510100001', terminal_secret: secret },
        }),
      ).token;
      const listed = ok(
        p.ruleQueryResponse,
        await call('/v1/rule-packages/query', {
          base: url,
          token: t,
          body: { regions: [{ region: 'mianyang', after_version: null }] },
        }),
      ).packages;
      expect(listed.map((x) => x.version)).toEqual(['2025.1']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
