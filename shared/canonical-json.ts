/**
 * JSON in one canonical form, so that equal values are equal text: object keys sorted by UTF-16 code units at every
 * level, arrays in their order, undefined members left out, no whitespace, JSON.stringify for every scalar. The
 * insurer's idempotency ("the same body", insurer/canonical-json.ts) and the window's preview digest
 * (electron/worker/services/settlements.ts) hash it.
 */
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
