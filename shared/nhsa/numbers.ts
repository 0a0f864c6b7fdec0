/**
 * NHSA amounts travel as JSON numbers (数值型 16,2; pric 16,6; cnt 16,4;
 * docs/nhsa.md §5). They are read with lossless-json, which keeps each
 * number's text, and become decimal strings; JSON.parse would pass them
 * through binary floats. Outgoing amounts are written from decimal strings.
 */
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { z } from 'zod';

/** Parses an NHSA body: numbers stay LosslessNumber (their text), nothing goes through a float. */
export function parseNhsaJson(text: string): unknown {
  return parse(text);
}

/** Writes an NHSA body; values made with jsonNumber() are written as JSON numbers, digit for digit. */
export function stringifyNhsaJson(value: unknown): string {
  const s = stringify(value);
  if (s === undefined) throw new Error('not JSON');
  return s;
}

/** A decimal string (e.g. "23442.46") written as a JSON number without a float in between. */
export const jsonNumber = (decimal: string): LosslessNumber => new LosslessNumber(decimal);

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Normalises a number's text to `scale` decimals ("41509" → "41509.00", "0.0" → "0.00"); null when it has more. */
export function decimalText(text: string, scale: number, intDigits: number): string | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const negative = t.startsWith('-');
  const [int, frac = ''] = (negative ? t.slice(1) : t).split('.') as [string, string?];
  const trimmed = frac.replace(/0+$/, '');
  if (trimmed.length > scale || int.length > intDigits) return null;
  const out = `${int}${scale > 0 ? `.${trimmed.padEnd(scale, '0')}` : ''}`;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

/** A JSON number (as lossless-json keeps it) with at most `scale` decimals, as a decimal string. */
export function nhsaNumber(scale: number, intDigits = 16 - scale) {
  return z
    .custom<LosslessNumber>((v) => isLosslessNumber(v), { message: '须为 JSON 数值' })
    .transform((v, ctx) => {
      const text = decimalText(v.value, scale, intDigits);
      if (text === null) {
        ctx.addIssue({ code: 'custom', message: `数值 ${v.value} 超出 (${intDigits + scale},${scale})` });
        return z.NEVER;
      }
      return text;
    });
}
/** Money (数值型 16,2): "12.30". */
export const nhsaMoney = nhsaNumber(2);
/** A price (16,6). */
export const nhsaPrice = nhsaNumber(6);
/** A count (16,4). */
export const nhsaCount = nhsaNumber(4);
/** A ratio such as selfpay_prop (5,4). */
export const nhsaRatio = nhsaNumber(4, 1);
