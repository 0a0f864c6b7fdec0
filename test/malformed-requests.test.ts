/**
 * Malformed settlement requests (test/corpus/malformed.json): each case starts
 * from the valid examples/dazhou-example-1.json and breaks one thing; the
 * engine must refuse it with a DeskError naming the expected code and field,
 * with a Chinese message for the cashier and an English one for IT. A typed
 * request (settleRequest, as the terminal's service builds it) that breaks a
 * rule is refused with the same error body, without zod.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle, settleRequest } from '../shared/engine/settle.js';
import { parseRequestShape, settlementRequestSchema, type SettlementRequest } from '../shared/engine/request.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { DeskError, type ErrorBody, type ErrorCode } from '../shared/errors.js';

interface MalformedCase {
  name: string;
  request: unknown;
  error: { code: ErrorCode; field: string };
}

const ERROR_CODES: readonly ErrorCode[] = [
  'invalid_json',
  'benefits_suspended',
  'invalid_field',
  'unknown_field',
  'missing_field',
  'invalid_amount',
  'invalid_date',
  'unknown_region',
  'unknown_scheme',
  'scheme_not_covered',
  'invalid_hospital_level',
  'discharge_before_admission',
  'cost_outside_stay',
  'self_pay_exceeds_total',
  'no_costs',
  'no_rule_in_force',
  'invalid_rule_package',
  'conflicting_rule_packages',
];

const HAN = /\p{Script=Han}/u;

const cases = JSON.parse(readFileSync(new URL('./corpus/malformed.json', import.meta.url), 'utf8')) as MalformedCase[];
const example: unknown = JSON.parse(
  readFileSync(new URL('../examples/dazhou-example-1.json', import.meta.url), 'utf8'),
);

/** The DeskError body settle() refuses the request with; fails when it settles or throws anything else. */
function refusal(request: unknown): ErrorBody {
  return refusalOf(() => settle(request, bundledRuleSet()));
}

function refusalOf(run: () => unknown): ErrorBody {
  try {
    run();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw new Error(`expected a DeskError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('expected a refusal, but the request was settled');
}

describe('malformed request corpus', () => {
  it('starts from a request that settles', () => {
    expect(settle(example, bundledRuleSet()).psn_cash_pay).toBe('20241.25');
  });

  it('is well formed: unique names, known codes, explained discrepancies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.name.trim(), 'name').not.toBe('');
      expect(ERROR_CODES, c.name).toContain(c.error.code);
      expect(typeof c.error.field, c.name).toBe('string');
    }
  });
});

describe('settle() refuses malformed requests with the right code and field', () => {
  for (const c of cases) {
    it(c.name, () => {
      const body = refusal(structuredClone(c.request));
      expect({ code: body.code, field: body.field }).toEqual(c.error);
      expect(body.message, 'message is Chinese').toMatch(HAN);
      expect(body.message_en.trim(), 'message_en is present').not.toBe('');
      expect(body.message_en, 'message_en is English').toMatch(/[A-Za-z]/);
      expect(body.message_en, 'message_en is English').not.toMatch(HAN);
    });
  }
});

describe('settleRequest() checks a typed request against the rules, without zod, with the same errors as settle()', () => {
  afterEach(() => vi.restoreAllMocks());

  /** The example as trusted code would build it: every default filled in. */
  const typed = (): SettlementRequest => parseRequestShape(structuredClone(example));
  const typedRefusal = (req: SettlementRequest) => refusalOf(() => settleRequest(req, bundledRuleSet()));
  /** The typed request as JSON carries it: no claim_filed_on when there is none. */
  const asJson = ({ claim_filed_on, ...rest }: SettlementRequest): unknown =>
    structuredClone(claim_filed_on === null ? rest : { ...rest, claim_filed_on });

  it('settles the typed example exactly as settle() settles the JSON, neither calling zod on a valid request', () => {
    const req = typed();
    const zod = vi.spyOn(settlementRequestSchema, 'safeParse');
    expect(settleRequest(req, bundledRuleSet())).toEqual(settle(structuredClone(example), bundledRuleSet()));
    // Neither: settleRequest reads no shape, settle() reads it in one compiled pass (zod only words a refusal).
    expect(zod).not.toHaveBeenCalled();
    // A refusal is worded by zod, as before.
    expect(() => settle({ ...(structuredClone(example) as object), costs: 'none' }, bundledRuleSet())).toThrow(
      DeskError,
    );
    expect(zod).toHaveBeenCalledTimes(1);
  });

  const broken: { name: string; error: { code: ErrorCode; field: string }; breakIt: (r: SettlementRequest) => void }[] =
    [
      {
        name: 'a cost outside the stay',
        error: { code: 'cost_outside_stay', field: 'costs[0].date' },
        breakIt: (r) => (r.costs[0]!.date = '2026-03-21'),
      },
      {
        name: 'an unknown layer in the enrolment flags',
        error: { code: 'unknown_field', field: 'insured.enrolled.large_amout' },
        breakIt: (r) => (r.insured.enrolled = { large_amout: true }),
      },
      {
        name: 'an unknown layer in the accumulators',
        error: { code: 'unknown_field', field: 'ytd.2026.serious_illness' },
        breakIt: (r) => (r.ytd['2026']!['serious_illness'] = { paid: '0.00', base: '0.00' }),
      },
      {
        name: 'an unknown region',
        error: { code: 'unknown_region', field: 'region' },
        breakIt: (r) => (r.region = 'chengdu'),
      },
      {
        name: 'an unknown scheme',
        error: { code: 'unknown_scheme', field: 'insured.scheme' },
        breakIt: (r) => (r.insured.scheme = 'farmer' as SettlementRequest['insured']['scheme']),
      },
      {
        name: 'an enrolment year outside the stay',
        error: { code: 'invalid_field', field: 'insured.enrolled.large_amount.2025' },
        breakIt: (r) => (r.insured.enrolled = { large_amount: { '2025': true } }),
      },
      {
        name: 'prior compensation for a year outside the stay',
        error: { code: 'invalid_field', field: 'prior_compensation.2027' },
        breakIt: (r) => (r.prior_compensation = { '2027': '100.00' }),
      },
      {
        name: 'discharge before admission',
        error: { code: 'discharge_before_admission', field: 'discharge_date' },
        breakIt: (r) => (r.discharge_date = '2026-03-01'),
      },
      {
        name: 'no costs',
        error: { code: 'no_costs', field: 'costs' },
        breakIt: (r) => (r.costs = []),
      },
    ];
  for (const b of broken) {
    it(`refuses ${b.name}`, () => {
      const req = typed();
      b.breakIt(req);
      const zod = vi.spyOn(settlementRequestSchema, 'safeParse');
      const body = typedRefusal(req);
      expect(zod).not.toHaveBeenCalled();
      expect({ code: body.code, field: body.field }).toEqual(b.error);
      // The same request as JSON, through settle(): the same body, messages included.
      expect(refusal(asJson(req))).toEqual(body);
    });
  }

  it('refuses every corpus request whose shape is right with the body settle() gives', () => {
    let checked = 0;
    for (const c of cases) {
      let req: SettlementRequest;
      try {
        req = parseRequestShape(structuredClone(c.request));
      } catch {
        continue; // refused by the shape: settleRequest never sees such a request
      }
      checked++;
      expect(typedRefusal(req), c.name).toEqual(refusal(structuredClone(c.request)));
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
