/**
 * "The same body" for idempotency (docs/sync.md): two items are the same when
 * their JSON values are equal. Object key order and whitespace are not
 * significant, string contents are (amounts are strings: "10.5" ≠ "10.50").
 * Compared through the SHA-256 of this canonical form: keys sorted by UTF-16
 * code units, no whitespace, JSON.stringify for every scalar.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
