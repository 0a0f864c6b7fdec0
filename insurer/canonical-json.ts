/**
 * "The same body" for idempotency (docs/sync.md): two items are the same when
 * their JSON values are equal. Object key order and whitespace are not
 * significant, string contents are (amounts are strings: "10.5" ≠ "10.50").
 * Compared through the SHA-256 of the canonical form (shared/canonical-json.ts).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';

export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
