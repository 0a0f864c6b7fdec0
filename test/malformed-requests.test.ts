/**
 * Malformed settlement requests (test/corpus/malformed.json): each case starts
 * from the valid examples/dazhou-example-1.json and breaks one thing; the
 * engine must refuse it with a DeskError naming the expected code and field,
 * with a Chinese message for the cashier and an English one for IT.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
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
  try {
    settle(request, bundledRuleSet());
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
