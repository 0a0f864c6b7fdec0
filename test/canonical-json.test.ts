/**
 * canonicalJson (shared/canonical-json.ts): the insurer's idempotency hash and the preview digest depend on its
 * exact text, so the faster loop form (issue 18) must write what the first, plainer form wrote, kept here as the
 * reference.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../shared/canonical-json.js';
import { mixedRequests } from '../bench/mixed-requests.js';

function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A seeded random JSON-ish value: keys in any order (CJK, astral, quotes), undefined members, nesting. */
function randomValue(seed: number): unknown {
  let x = seed;
  const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const keys = ['b', 'a', 'A', '_', '医保', '基金', '😀', 'z"q', 'a\\b', '10', '9', ''];
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3)
      return [null, true, false, 0, -1.5, 1e21, '文字', 'x"y', undefined][Math.floor(rand() * 9)];
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 6); i > 0; i--) o[keys[Math.floor(rand() * keys.length)]!] = value(depth + 1);
    return o;
  };
  return value(0);
}

describe('canonicalJson', () => {
  it('writes what the reference form writes, on 5,000 random values and the bench requests', () => {
    for (let seed = 1; seed <= 5_000; seed++) {
      const v = randomValue(seed);
      expect(canonicalJson(v)).toBe(reference(v));
    }
    for (const r of mixedRequests(200)) expect(canonicalJson(r)).toBe(reference(r));
  });

  it('sorts keys by UTF-16 code units and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: undefined, A: [1, { d: 2, c: 3 }], '😀': 0, 医: 1 })).toBe(
      '{"A":[1,{"c":3,"d":2}],"b":1,"医":1,"😀":0}',
    );
  });
});
