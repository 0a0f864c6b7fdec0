/**
 * The reference insurer's limits over real HTTP on 127.0.0.1 (issue 16 item
 * 5): wrong terminal secrets rate-limited (429 with Retry-After, per terminal
 * and per address, an injectable clock), person lookups and claims scoped to
 * the terminal's hospital region (insurer/regions.ts), and uploads with an
 * amount beyond 12 integer digits or a date after today + 1 refused with the
 * field named.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import * as p from '../shared/sync/protocol.js';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { regionsOfHospital } from '../insurer/regions.js';
import { DEFAULT_SIGN_IN_LIMITS, MAX_KEYS, SignInLimiter, addressGroup } from '../insurer/sign-in-limit.js';

// 达州 (511702 通川区: the region derived from the hospital code), 开封 (410202), and one registered explicitly.
const DAZHOU = { hospital_code: 'H51170200001', terminal_code: 'T01', secret: 'limits-secret-T01-0123456789' };
const KAIFENG = { hospital_code: 'H41020200001', terminal_code: 'T02', secret: 'limits-secret-T02-0123456789' };
const BOTH = {
  hospital_code: 'H99999900001',
  terminal_code: 'T03',
  secret: 'limits-secret-T03-0123456789',
  regions: ['dazhou', 'kaifeng'],
};

const ZHANG = '511702196803120014'; // 达州
const WANG = '410202197001050037'; // 开封
const UNKNOWN = '110101199003070011'; // valid check digit, not insured here

// 12:00 China Standard Time on 2026-03-20: the insurer's business date.
const T0 = Date.parse('2026-03-20T04:00:00.000Z');
const TODAY = '2026-03-20';
const TOMORROW = '2026-03-21';
const DAY_AFTER = '2026-03-22';

let insurer: RunningInsurer;
const clock = { at: T0 };
const logged: string[] = [];

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  requestId: string;
}

async function call(path: string, body: unknown, token: string | null, base = insurer.url): Promise<Answer> {
  const requestId = `limits-${randomBytes(6).toString('hex')}`;
  const headers: Record<string, string> = { [p.REQUEST_ID_HEADER]: requestId, 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), headers: res.headers, requestId };
}

const signInBody = (t: { hospital_code: string; terminal_code: string }, secret: string) => ({
  hospital_code: t.hospital_code,
  terminal_code: t.terminal_code,
  terminal_secret: secret,
});

function refused(a: Answer, status: number, code: string): p.ErrorResponse['error'] {
  expect(a.status, a.text).toBe(status);
  const body = p.errorResponse.parse(JSON.parse(a.text));
  expect(body.request_id).toBe(a.requestId);
  expect(body.error.code).toBe(code);
  return body.error;
}

async function signIn(t: { hospital_code: string; terminal_code: string; secret: string }): Promise<string> {
  const a = await call('/v1/sign-in', signInBody(t, t.secret), null);
  expect(a.status, a.text).toBe(200);
  return p.signInResponse.parse(JSON.parse(a.text)).token;
}

/** A settlement as the outbox holds it, settled with the terminal's (empty) accumulators. */
function settlementJson(
  key: string,
  idNumber: string,
  o: { businessDate?: string; date?: string; costs?: string[]; terminal?: typeof DAZHOU } = {},
) {
  const s = SEED_PERSONS.find((x) => x.id_number === idNumber)!;
  const date = o.date ?? '2026-03-15';
  const t = o.terminal ?? DAZHOU;
  const request = {
    region: s.region,
    insured: { scheme: s.scheme, retired: s.retired, medical_assistance: s.medical_assistance, enrolled: s.enrolled },
    hospital_level: 2 as const,
    admission_date: '2026-03-10',
    discharge_date: date,
    costs: (o.costs ?? ['5000.00']).map((medfee) => ({
      date,
      medfee_sumamt: medfee,
      fulamt_ownpay_amt: '0.00',
      overlmt_selfpay: '0.00',
      preselfpay_amt: '0.00',
    })),
    ytd: { '2026': { basic: { paid: '0.00', admissions: 0 } } },
  };
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(JSON.stringify({ ...settle(request, bundledRuleSet()), trace: undefined })) as Record<
      string,
      unknown
    >;
  } catch {
    // Amounts the engine refuses still make an upload whose refusal is the insurer's to give.
    result = {
      region: s.region,
      scheme: s.scheme,
      medfee_sumamt: '0.00',
      fund_pay_sumamt: '0.00',
      psn_cash_pay: '0.00',
      funds: {},
    };
  }
  return {
    idempotency_key: key,
    kind: 'settlement' as const,
    business_date: o.businessDate ?? TODAY,
    id_number: idNumber,
    body: {
      number: key,
      terminal: t.terminal_code,
      hospital_code: t.hospital_code,
      person_id: 7,
      offline: false,
      request,
      result,
    },
  };
}

beforeAll(async () => {
  insurer = await startInsurer({
    dataDir: mkdtempSync(join(tmpdir(), 'insurer-limits-')),
    port: 0,
    terminals: [DAZHOU, KAIFENG, BOTH],
    now: () => new Date(clock.at),
    log: (m) => logged.push(m),
  });
});

afterAll(async () => {
  await insurer?.close();
});

describe('wrong terminal secrets', () => {
  it('locks a terminal after 5 wrong secrets: 429 with Retry-After, the right secret too, until the lockout ends', async () => {
    clock.at = T0;
    for (let i = 1; i <= 5; i++) {
      clock.at = T0 + i * 1000;
      refused(
        await call('/v1/sign-in', signInBody(DAZHOU, `wrong-secret-${i}-0123456789`), null),
        401,
        'invalid_credentials',
      );
    }
    // The 6th wrong secret is not checked: 429, retry after the minute's lockout.
    const sixth = await call('/v1/sign-in', signInBody(DAZHOU, 'wrong-secret-6-0123456789'), null);
    const e = refused(sixth, 429, 'too_many_attempts');
    expect(sixth.headers.get('retry-after')).toBe('60');
    expect(e.message_en).toMatch(/too many wrong credentials/);
    // The right secret during the lockout is refused as well (otherwise the limit is no limit).
    clock.at = T0 + 30_000;
    const right = await call('/v1/sign-in', signInBody(DAZHOU, DAZHOU.secret), null);
    refused(right, 429, 'too_many_attempts');
    expect(Number(right.headers.get('retry-after'))).toBe(35); // locked at T0 + 5 s, for 60 s
    expect(right.text).not.toContain(DAZHOU.secret);

    // Another terminal (same address, 5 failures < 20) is not affected.
    await signIn(KAIFENG);

    // After the lockout: the right secret signs in.
    clock.at = T0 + 65_000;
    await signIn(DAZHOU);

    // Logged on the insurer's side, without the secrets.
    const text = logged.join('\n');
    expect(text).toMatch(
      /sign-in H51170200001\/T01 from \S+ failed: wrong terminal, hospital or secret \(5 of 5 within 60 s\)/,
    );
    expect(text).toMatch(/sign-in locked for terminal H51170200001\/T01 until 2026-03-20T04:01:05\.000Z/);
    expect(text).toMatch(/sign-in H51170200001\/T01 from \S+ refused/);
    expect(text).not.toContain('wrong-secret-');
    expect(text).not.toContain(DAZHOU.secret);
  });

  it('a right secret clears only its own terminal’s failures; unknown terminals are limited alike', async () => {
    clock.at = T0 + 120_000;
    for (let i = 0; i < 4; i++)
      refused(
        await call('/v1/sign-in', signInBody(KAIFENG, `wrong-secret-k${i}-0123456789`), null),
        401,
        'invalid_credentials',
      );
    await signIn(DAZHOU); // does not reset T02's count
    refused(
      await call('/v1/sign-in', signInBody(KAIFENG, 'wrong-secret-k4-0123456789'), null),
      401,
      'invalid_credentials',
    );
    refused(await call('/v1/sign-in', signInBody(KAIFENG, KAIFENG.secret), null), 429, 'too_many_attempts');
    // A terminal that does not exist is limited the same way (the answers do not tell which terminals exist).
    const ghost = { hospital_code: 'H51170200001', terminal_code: 'T99' };
    clock.at = T0 + 240_000;
    for (let i = 0; i < 5; i++)
      refused(
        await call('/v1/sign-in', signInBody(ghost, `guess-${i}-0123456789abc`), null),
        401,
        'invalid_credentials',
      );
    refused(await call('/v1/sign-in', signInBody(ghost, 'guess-5-0123456789abc'), null), 429, 'too_many_attempts');
    clock.at = T0 + 400_000;
  });

  it('locks an address that guesses across many terminal codes', async () => {
    const other = await startInsurer({
      dataDir: mkdtempSync(join(tmpdir(), 'insurer-limits-address-')),
      port: 0,
      terminals: [DAZHOU],
      now: () => new Date(T0),
      log: () => {},
      signInLimits: { maxFailuresPerAddress: 3 },
    });
    try {
      for (const code of ['T11', 'T12', 'T13'])
        refused(
          await call('/v1/sign-in', signInBody({ ...DAZHOU, terminal_code: code }, DAZHOU.secret), null, other.url),
          401,
          'invalid_credentials',
        );
      // Every terminal from that address now waits, the right one included.
      const a = await call('/v1/sign-in', signInBody(DAZHOU, DAZHOU.secret), null, other.url);
      refused(a, 429, 'too_many_attempts');
      expect(a.headers.get('retry-after')).toBe('60');
    } finally {
      await other.close();
    }
  });
});

describe('the limiter’s keys', () => {
  it('counts an IPv6 address by its /64 and an IPv4-mapped one as IPv4; its memory stays bounded under a flood', () => {
    expect(addressGroup('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressGroup('127.0.0.1')).toBe('127.0.0.1');
    const limiter = new SignInLimiter({ ...DEFAULT_SIGN_IN_LIMITS, maxFailuresPerAddress: 3 });
    // Three addresses of one /64 lock it together.
    for (const host of ['1', '2', '3']) limiter.fail('H1', `T${host}`, `2001:db8:1:2::${host}`, T0);
    expect(limiter.locked('H1', 'T9', '2001:db8:1:2::ffff', T0)).toMatchObject({
      what: 'address',
      key: '2001:db8:1:2::/64',
    });
    expect(limiter.locked('H1', 'T9', '2001:db8:1:3::1', T0)).toBeNull();
    // Random terminal codes from many /64s within one window: never more than MAX_KEYS held.
    for (let i = 0; i < MAX_KEYS + 5000; i++)
      limiter.fail('H1', `X${i}`, `2001:db8:${(i >> 16) & 0xffff}:${i & 0xffff}::1`, T0);
    expect(limiter.size).toBeLessThanOrEqual(MAX_KEYS);
  });
});

describe('person lookups scoped to the hospital’s region', () => {
  it('derives the region from the hospital code (医保区划 after the H)', () => {
    expect(regionsOfHospital('H51170200001')).toEqual(['dazhou']);
    expect(regionsOfHospital('H41020200001')).toEqual(['kaifeng']);
    expect(regionsOfHospital('H32028100001')).toEqual(['jiangyin']);
    expect(regionsOfHospital('H32020100001')).toBeNull(); // 无锡 itself, not 江阴
    expect(regionsOfHospital('H510100001')).toBeNull(); // 成都: none of this insurer's regions
    expect(insurer.terminals().map((t) => [t.terminal_code, t.regions])).toEqual([
      ['T01', ['dazhou']],
      ['T02', ['kaifeng']],
      ['T03', ['dazhou', 'kaifeng']],
    ]);
  });

  it('answers a person of its region, refuses one of another region without their data', async () => {
    clock.at = T0 + 500_000;
    const token = await signIn(DAZHOU);
    const own = await call('/v1/persons/lookup', { id_number: ZHANG, years: [2026] }, token);
    expect(own.status, own.text).toBe(200);
    expect(p.personLookupResponse.parse(JSON.parse(own.text)).person.region).toBe('dazhou');

    const other = await call('/v1/persons/lookup', { id_number: WANG, years: [2026] }, token);
    const e = refused(other, 403, 'out_of_region');
    expect(e.field).toBe('id_number');
    expect(e.message).toContain('异地就医');
    const wang = SEED_PERSONS.find((x) => x.id_number === WANG)!;
    for (const secret of [wang.name, wang.region, WANG, '开封', 'accumulators', 'retired'])
      expect(other.text).not.toContain(secret);

    // Not insured anywhere here: not found, as before.
    refused(await call('/v1/persons/lookup', { id_number: UNKNOWN, years: [2026] }, token), 404, 'person_not_found');
    expect(logged.join('\n')).toMatch(/person lookup by H51170200001\/T01 refused: out of region/);
  });

  it('a terminal registered for both regions sees both', async () => {
    const token = await signIn(BOTH);
    for (const id of [ZHANG, WANG])
      expect((await call('/v1/persons/lookup', { id_number: id, years: [2026] }, token)).status).toBe(200);
  });

  it('rejects a claim for a person of another region, with nothing of the person in the answer', async () => {
    const token = await signIn(DAZHOU);
    const a = await call('/v1/claims', { items: [settlementJson('T01-S-OOR-1', WANG)] }, token);
    expect(a.status, a.text).toBe(200);
    const answer = p.rejectedAnswer.parse(p.claimBatchResponse.parse(JSON.parse(a.text)).answers[0]);
    expect(answer.code).toBe('out_of_region');
    expect(answer.field).toBe('id_number');
    expect(a.text).not.toContain('王强');
  });
});

describe('amounts beyond 12 integer digits and future dates, refused naming the field', () => {
  let token: string;
  beforeAll(async () => {
    clock.at = T0 + 600_000;
    token = await signIn(DAZHOU);
  });

  it('refuses a 13-digit amount in a cost line, in the result, and a bill total beyond the limit', async () => {
    const costs = settlementJson('T01-S-AMT-1', ZHANG, { costs: ['1234567890123.00'] });
    let e = refused(await call('/v1/claims', { items: [costs] }, token), 400, 'invalid_amount');
    expect(e.field).toBe('items[0].body.request.costs[0].medfee_sumamt');
    expect(e.message_en).toBe('Amount exceeds the 12-digit amount limit (at most 999999999999.99)');

    const result = settlementJson('T01-S-AMT-2', ZHANG);
    (result.body.result as Record<string, unknown>).fund_pay_sumamt = '1000000000000.00';
    e = refused(await call('/v1/claims', { items: [result] }, token), 400, 'invalid_amount');
    expect(e.field).toBe('items[0].body.result.fund_pay_sumamt');
    expect(e.message_en).toMatch(/12-digit amount limit/);

    // Two lines of 12 digits each: the bill's total passes the limit at the second line.
    const total = settlementJson('T01-S-AMT-3', ZHANG, { costs: ['600000000000.00', '600000000000.00'] });
    e = refused(await call('/v1/claims', { items: [total] }, token), 400, 'invalid_amount');
    expect(e.field).toBe('items[0].body.request.costs[1].medfee_sumamt');
    expect(e.message_en).toMatch(/total.*12-digit amount limit/);

    // 12 digits exactly is an amount (the request passes the boundary; the engine's answer is the insurer's).
    const twelve = settlementJson('T01-S-AMT-4', ZHANG, { costs: ['999999999999.99'] });
    expect((await call('/v1/claims', { items: [twelve] }, token)).status).toBe(200);
  });

  it('refuses a business date two days ahead of the insurer’s today, accepts today + 1', async () => {
    let e = refused(
      await call('/v1/claims', { items: [settlementJson('T01-S-DATE-1', ZHANG, { businessDate: DAY_AFTER })] }, token),
      400,
      'invalid_date',
    );
    expect(e.field).toBe('items[0].business_date');
    expect(e.message_en).toContain(`Business date ${DAY_AFTER} is after ${TOMORROW}`);

    e = refused(
      await call(
        '/v1/claims',
        { items: [settlementJson('T01-S-DATE-2', ZHANG, { date: DAY_AFTER, businessDate: TODAY })] },
        token,
      ),
      400,
      'invalid_date',
    );
    expect(e.field).toBe('items[0].body.request.discharge_date');

    // One bad item refuses the request and names it; nothing of the batch is stored.
    e = refused(
      await call(
        '/v1/claims',
        {
          items: [
            settlementJson('T01-S-DATE-3', ZHANG),
            settlementJson('T01-S-DATE-4', ZHANG, { businessDate: DAY_AFTER }),
          ],
        },
        token,
      ),
      400,
      'invalid_date',
    );
    expect(e.field).toBe('items[1].business_date');

    const ok = await call(
      '/v1/claims',
      { items: [settlementJson('T01-S-DATE-5', ZHANG, { date: TOMORROW, businessDate: TOMORROW })] },
      token,
    );
    expect(ok.status, ok.text).toBe(200);
    expect(p.claimBatchResponse.parse(JSON.parse(ok.text)).answers[0]!.status).not.toBe('rejected');
  });

  it('refuses a manual claim filed in the future', async () => {
    const base = settlementJson('T01-M-DATE-1', ZHANG);
    const { number, terminal, person_id, request, result } = base.body;
    const item = {
      ...base,
      kind: 'manual_claim',
      body: {
        number,
        terminal,
        person_id,
        hospital_code: 'H330100099',
        hospital_name: '杭州市某医院',
        request: { ...request, claim_filed_on: DAY_AFTER },
        result,
      },
    };
    const e = refused(await call('/v1/claims', { items: [item] }, token), 400, 'invalid_date');
    expect(e.field).toBe('items[0].body.request.claim_filed_on');
    expect(e.message_en).toContain('Claim filing date');
  });

  it('refuses a reversal dated two days ahead, accepts today + 1', async () => {
    const reversal = (key: string, businessDate: string) => ({
      idempotency_key: key,
      business_date: businessDate,
      reverses: 'T01-S-DATE-5',
      reason: '误操作',
    });
    const e = refused(
      await call('/v1/reversals', { items: [reversal('T01-R-DATE-1', DAY_AFTER)] }, token),
      400,
      'invalid_date',
    );
    expect(e.field).toBe('items[0].business_date');
    const a = await call('/v1/reversals', { items: [reversal('T01-R-DATE-2', TOMORROW)] }, token);
    expect(a.status, a.text).toBe(200);
    expect(p.reversalBatchResponse.parse(JSON.parse(a.text)).answers[0]!.status).toBe('accepted');
  });

  it('today is China Standard Time: at 17:00 UTC the insurer is already on the next day', async () => {
    clock.at = Date.parse('2026-03-20T17:00:00.000Z'); // 01:00 on 2026-03-21 in Beijing
    const t = await signIn(DAZHOU);
    const a = await call(
      '/v1/claims',
      { items: [settlementJson('T01-S-CST-1', ZHANG, { date: TOMORROW, businessDate: DAY_AFTER })] },
      t,
    );
    expect(a.status, a.text).toBe(200);
  });
});

describe('the terminals’ anchors (issue 16, item 2)', () => {
  const anchor = (seq: number, settled: number) => ({
    seq,
    mac: 'ab'.repeat(32),
    sequences: { [`S:${TODAY}`]: settled },
    at: '2026-03-20T04:00:00.000Z',
  });

  it('keeps each batch’s anchor and marks one behind an earlier one; refuses a malformed one naming the field', async () => {
    clock.at = T0 + 3_600_000;
    const token = await signIn(KAIFENG);
    const claim = (key: string) => settlementJson(key, WANG, { terminal: KAIFENG });
    const first = await call('/v1/claims', { items: [claim('T02-S-ANCHOR-1')], anchor: anchor(120, 6) }, token);
    expect(first.status, first.text).toBe(200);
    // A terminal put back on an older copy: its chain and its numbers behind what it sent before.
    const older = await call('/v1/claims', { items: [claim('T02-S-ANCHOR-2')], anchor: anchor(80, 4) }, token);
    expect(older.status, older.text).toBe(200);
    const kept = insurer.anchors().filter((a) => a.terminal_code === KAIFENG.terminal_code);
    expect(kept.map((a) => [a.seq, a.behind])).toEqual([
      [120, false],
      [80, true],
    ]);
    expect(kept[1]!.sequences).toEqual({ [`S:${TODAY}`]: 4 });

    const bad = refused(
      await call('/v1/claims', { items: [claim('T02-S-ANCHOR-3')], anchor: { ...anchor(130, 7), mac: 'XYZ' } }, token),
      400,
      'invalid_field',
    );
    expect(bad.field).toBe('anchor.mac');
    // 65 distinct sequence names: one more than an anchor may carry.
    const distinct = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [
        `${'SRM'[i % 3]}:2026-${String(Math.floor(i / 3 / 28) + 1).padStart(2, '0')}-${String((Math.floor(i / 3) % 28) + 1).padStart(2, '0')}`,
        1,
      ]),
    );
    expect(Object.keys(distinct).length).toBe(65);
    const big = refused(
      await call(
        '/v1/reversals',
        {
          items: [
            { idempotency_key: 'T02-R-ANCHOR-1', business_date: TODAY, reverses: 'T02-S-ANCHOR-1', reason: '误操作' },
          ],
          anchor: { ...anchor(130, 7), sequences: distinct },
        },
        token,
      ),
      400,
      'invalid_field',
    );
    expect(big.field).toBe('anchor.sequences');
  });
});
