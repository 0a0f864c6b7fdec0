/**
 * JSON in one canonical form, so that equal values are equal text: object keys sorted by UTF-16 code units at every
 * level, arrays in their order, undefined members left out, no whitespace, JSON.stringify for every scalar. The
 * insurer's idempotency ("the same body", insurer/canonical-json.ts) and the window's preview digest
 * (electron/worker/services/settlements.ts) hash it.
 */
export function canonicalJson(value: unknown): string {
  // Written with loops and +=, not entries/map/join: the insurer hashes every claim item with it (issue 18).
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += `${i > 0 ? ',' : ''}${canonicalJson(value[i]) ?? ''}`;
    return `${s}]`;
  }
  const o = value as Record<string, unknown>;
  // Array.prototype.sort's default order is by UTF-16 code units.
  const keys = Object.keys(o).sort();
  let s = '{';
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    s += `${s.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${s}}`;
}
