/**
 * The compiled request validator (shared/engine/request-validator.generated.ts,
 * ajv standalone code from settlementRequestJsonSchema) against the zod schema
 * it stands in for: the committed file is what cli/request-validator.ts
 * builds; it accepts exactly the JSON values zod accepts (the malformed corpus,
 * the examples, the bench's mixed batch and random mutations of them); and
 * readRequestShape gives parseRequestShape's request or its error body, word
 * for word.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, acceptsAnything, requestValidatorSource } from '../cli/request-validator.js';
import {
  REAL_DATE_SOURCE,
  parseRequestShape,
  readRequestShape,
  settlementRequestJsonSchema,
  settlementRequestSchema,
} from '../shared/engine/request.js';
import { validateRequestJson } from '../shared/engine/request-validator.generated.js';
import { isRealDate } from '../shared/dates.js';
import { DeskError } from '../shared/errors.js';
import { mixedRequests } from '../bench/mixed-requests.js';

const corpus = (
  JSON.parse(readFileSync(new URL('./corpus/malformed.json', import.meta.url), 'utf8')) as { request: unknown }[]
).map((c) => c.request);
const examplesDir = new URL('../examples/', import.meta.url);
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, examplesDir), 'utf8')) as unknown);

/** What a reader makes of a value: the request, or the error body it throws. */
function outcome(read: (v: unknown) => unknown, value: unknown): unknown {
  try {
    return { ok: read(structuredClone(value)) };
  } catch (e) {
    if (e instanceof DeskError) return { error: e.body };
    throw e;
  }
}

/** How many values zod accepted and refused (the random test checks it exercised both). */
const seen = { accepted: 0, refused: 0 };

function agrees(value: unknown): void {
  const zodAccepts = settlementRequestSchema.safeParse(structuredClone(value)).success;
  seen[zodAccepts ? 'accepted' : 'refused']++;
  expect(validateRequestJson(structuredClone(value)), JSON.stringify(value)).toBe(zodAccepts);
  expect(outcome(readRequestShape, value)).toEqual(outcome(parseRequestShape, value));
}

describe('the compiled request validator', () => {
  it('is up to date with the schema (npx tsx cli/export-request-validator.ts rewrites it)', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await requestValidatorSource());
  });

  it('is not generated from a schema with a part that accepts anything (what zod exports for what it cannot represent)', () => {
    expect(acceptsAnything(settlementRequestJsonSchema())).toBeNull();
    const strict = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    expect(acceptsAnything(strict)).toBeNull();
    expect(acceptsAnything({ ...strict, properties: { a: {} } })).toBe('#/properties/a');
    expect(acceptsAnything({ type: 'array', items: { anyOf: [{ type: 'string' }, {}] } })).toBe('#/items/anyOf/1');
    expect(acceptsAnything({ ...strict, additionalProperties: true })).toBe('#/additionalProperties');
  });

  it('states isRealDate as a pattern, on every YYYY-MM-DD from 1899-00-00 to 2201-99-99', () => {
    const re = new RegExp(REAL_DATE_SOURCE, 'u');
    let wrong = 0;
    for (let y = 1899; y <= 2201; y++)
      for (let m = 0; m <= 99; m++)
        for (let d = 0; d <= 99; d++) {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          if (re.test(s) !== isRealDate(s)) wrong++;
        }
    expect(wrong).toBe(0);
    for (const s of ['2026-02-29 ', ' 2026-03-01', '2024-02-29\n', '20240229', '2024-2-29', '+2024-02-29'])
      expect(re.test(s), s).toBe(isRealDate(s));
  });

  it('agrees with zod on the malformed corpus, the examples and the mixed batch', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    for (const v of [...corpus, ...examples, ...mixedRequests(600)]) agrees(v);
    for (const v of examples) expect(validateRequestJson(v)).toBe(true);
  });

  it('agrees with zod on random changes to valid requests', () => {
    /** Values that sit near the schema's edges: amounts, dates, years, layer ids, levels. */
    const edgy = fc.constantFrom<unknown>(
      '0',
      '0.00',
      '1234.5',
      '1234.567',
      '-1.00',
      '01.00',
      '999999999999.99',
      '1000000000000.00',
      '1e3',
      ' 1.00',
      '1.00\n',
      '2026-02-29',
      '2024-02-29',
      '2026-06-01',
      '2026-13-01',
      '1899-12-31',
      '2026',
      '26',
      'basic',
      'large_amount',
      'Large',
      '',
      1,
      2,
      3,
      0,
      4,
      2.5,
      -1,
      9999,
      10000,
      true,
      false,
      null,
      [],
      {},
      { paid: '1.00' },
      { base: '1.00' },
      { admissions: 1 },
      { '2026': true },
      { '26': true },
    );
    const value = fc.oneof(edgy, fc.jsonValue({ maxDepth: 2 }));
    const key = fc.oneof(
      fc.constantFrom('basic', 'large_amount', 'supplementary', '2026', '2027', 'paid', 'base', 'admissions', 'x'),
      fc.string({ maxLength: 6 }),
    );
    /** Every path to a value inside a JSON document. */
    const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
      const here = [at];
      if (Array.isArray(v)) return here.concat(...v.map((x, i) => paths(x, [...at, i])));
      if (v && typeof v === 'object') return here.concat(...Object.entries(v).map(([k, x]) => paths(x, [...at, k])));
      return here;
    };
    const bases = [...examples, ...mixedRequests(12)];
    const before = { ...seen };
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.nat(),
        fc.constantFrom('replace', 'delete', 'add'),
        key,
        value,
        (b, p, op, k, v) => {
          const doc = structuredClone(bases[b]) as Record<string | number, unknown>;
          const all = paths(doc);
          const path = all[p % all.length]!;
          const parent = path.slice(0, -1).reduce<unknown>((o, s) => (o as Record<string | number, unknown>)[s], doc);
          const last = path[path.length - 1];
          const target = last === undefined ? doc : (parent as Record<string | number, unknown>);
          if (op === 'replace' && last !== undefined) target[last] = v;
          else if (op === 'delete' && last !== undefined && !Array.isArray(target)) delete target[last];
          else {
            const container = last === undefined ? doc : target[last];
            if (container && typeof container === 'object' && !Array.isArray(container))
              (container as Record<string, unknown>)[k] = v;
            else if (Array.isArray(container)) container.push(v);
          }
          agrees(doc);
        },
      ),
      { numRuns: 3000, seed: 18 },
    );
    expect(seen.accepted - before.accepted).toBeGreaterThan(300);
    expect(seen.refused - before.refused).toBeGreaterThan(300);
  });
});
