/**
 * A minimal YAML writer for JSON data (the OpenAPI document): block style,
 * two-space indent, every string double-quoted (a JSON string is a valid YAML
 * double-quoted scalar, so nothing is ever misread as a number, a boolean or a
 * date). No dependency: the repository has no YAML library of its own.
 */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const YAML11_WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

function key(k: string): string {
  return PLAIN_KEY.test(k) && !YAML11_WORDS.has(k.toLowerCase()) ? k : JSON.stringify(k);
}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`yaml: cannot write ${typeof v}`);
}

function isEmptyCollection(v: unknown): string | null {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return null;
}

function lines(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const empty = isEmptyCollection(item);
      if (empty !== null || item === null || typeof item !== 'object') return [`${indent}- ${empty ?? scalar(item)}`];
      const inner = lines(item, `${indent}  `);
      return [`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const empty = isEmptyCollection(v);
    if (empty !== null || v === null || typeof v !== 'object') return [`${indent}${key(k)}: ${empty ?? scalar(v)}`];
    return [`${indent}${key(k)}:`, ...lines(v, `${indent}  `)];
  });
}

export function toYaml(value: Record<string, unknown>): string {
  return `${lines(value, '').join('\n')}\n`;
}
