/**
 * The engine's money as exact integers (issue 18; docs/settlement-model.md#decision-rounding).
 *
 * Representation
 * - An amount is an integer number of fen (分): "1234.50" is 123450.
 * - A rate or factor from a rule package is an integer numerator over a power of ten
 *   (`Scaled`: "0.85" is 85 over 10^2, "0.075" is 75 over 10^3); see shared/rules/compiled.ts.
 * - A product or a banded sum that is not yet rounded is an integer of fen over 10^scale
 *   ("fen × 10^-scale"), so nothing is ever lost before the one rounding the rules ask for.
 *
 * Range: an `Exact` is a JavaScript number while it is a safe integer (|x| ≤ 2^53 − 1) and a
 * BigInt beyond that. Every operation below computes on numbers when both operands are numbers
 * and the exact result is provably safe, and on BigInt otherwise, then returns a number again
 * whenever the result fits. The test is sound: for safe integers a and b the double a × b
 * (or a ± b) is the exact result whenever that result is ≤ 2^53 − 1 in magnitude, and when the
 * exact result is larger, the double (rounded to nearest, monotone) is ≥ 2^53 and fails
 * Number.isSafeInteger. No floating-point value ever reaches an amount.
 *
 * Why the range matters: amounts reach 10^14 fen (MAX_AMOUNT_INTEGER_DIGITS = 12 integer digits
 * of yuan, shared/limits.ts) and a package rate may have up to 12 decimals (DECIMAL_PATTERN),
 * so amount × rate numerator reaches 10^26 > 2^53 ≈ 9.007 × 10^15. With the bundled packages
 * (rates of 2 decimals) a product stays a number up to about 9 × 10^13 fen (900 billion yuan),
 * i.e. always in practice; the BigInt path keeps the rest exact.
 *
 * Plain fen amounts (bill totals, segments, payments, accumulators) are always numbers: each is
 * at most a few sums of request amounts (≤ 10^14 fen each; the bill's totals are limited to the
 * same 12 digits by checkRequest) or a rounded product no larger than its base, far below 2^53.
 */
import { Decimal } from '../money.js';

/** An exact integer: a number while safe, a BigInt beyond. */
export type Exact = number | bigint;

/** An exact non-negative decimal from a rule package: num / 10^scale. */
export interface Scaled {
  num: Exact;
  scale: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

const big = (x: Exact): bigint => (typeof x === 'bigint' ? x : BigInt(x));
/** A BigInt back to a number when it fits. */
const norm = (x: bigint): Exact => (x <= MAX_SAFE && x >= MIN_SAFE ? Number(x) : x);

const POW10: Exact[] = [];
for (let i = 0, p = 1n; i <= 60; i++, p *= 10n) POW10.push(norm(p));
/** 10^n, exactly. */
export function pow10(n: number): Exact {
  return POW10[n] ?? 10n ** BigInt(n);
}

export function add(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
  }
  return norm(big(a) + big(b));
}

export function sub(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a - b;
    if (Number.isSafeInteger(s)) return s;
  }
  return norm(big(a) - big(b));
}

export function mul(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const p = a * b;
    // `+ 0` turns −0 (0 × a negative) into 0.
    if (Number.isSafeInteger(p)) return p + 0;
  }
  return norm(big(a) * big(b));
}

/** −1, 0 or 1 as a < b, a = b, a > b (a number and a BigInt compare exactly). */
export function cmp(a: Exact, b: Exact): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const min = (a: Exact, b: Exact): Exact => (a < b ? a : b);
export const max = (a: Exact, b: Exact): Exact => (a > b ? a : b);

/** x × 10^by (by ≥ 0): a value moved to a finer scale. */
export function rescale(x: Exact, by: number): Exact {
  return by === 0 ? x : mul(x, pow10(by));
}

/**
 * n / d rounded half-up (a tie goes away from zero, as decimal.js ROUND_HALF_UP), for d > 0:
 * q = ⌊n / d⌋, r = n − q·d, and q + 1 when 2r ≥ d. On numbers, n % d is exact for safe integers and
 * (n − r) / d is an exact quotient, so no step rounds.
 */
export function divHalfUp(n: Exact, d: Exact): Exact {
  // A negative n: the tie away from zero too (−1.5 → −2), by symmetry; no caller passes one today.
  if (n < 0) return sub(0, divHalfUp(sub(0, n), d));
  if (typeof n === 'number' && typeof d === 'number') {
    const r = n % d;
    const q = (n - r) / d;
    return r * 2 >= d ? q + 1 : q;
  }
  const bn = big(n);
  const bd = big(d);
  const r = bn % bd;
  const q = bn / bd;
  return norm(r * 2n >= bd ? q + 1n : q);
}

/** x fen × 10^-scale rounded half-up to the fen (toCents of the decimal.js engine), for x ≥ 0. */
export function roundToFen(x: Exact, scale: number): Exact {
  return scale === 0 ? x : divHalfUp(x, pow10(scale));
}

/** Fen as an amount text: 123450 → "1234.50", −5 → "-0.05" (formatAmount of the decimal.js engine). */
export function fen(x: Exact): string {
  if (typeof x === 'number' && x >= 0 && x < 1e15) {
    // The fast path: an ordinary non-negative amount.
    const cents = x % 100;
    return `${(x - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
  }
  const neg = x < 0;
  const digits = String(neg ? -big(x) : big(x)).padStart(3, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Fen × 10^-scale as decimal.js's toFixed(2) of the yuan value (half-up to the fen), for x ≥ 0. */
export function fixed2(x: Exact, scale: number): string {
  return fen(roundToFen(x, scale));
}

/**
 * x × 10^-scale as decimal.js's toString writes it (the private clone in shared/money.ts): the
 * shortest exact decimal, no trailing zeros, "0" for zero. decimal.js switches to exponential
 * notation when the leading digit's exponent is ≤ −30 or ≥ 40; only then is the text handed to
 * decimal.js itself (a value leaving as a string), which no bundled package comes near.
 */
export function decimalText(x: Exact, scale: number): string {
  if (x === 0 || x === 0n) return '0';
  const neg = x < 0;
  let digits = String(neg ? -big(x) : big(x));
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  let out: string;
  if (scale === 0) out = digits;
  else {
    const padded = digits.length <= scale ? '0'.repeat(scale - digits.length + 1) + digits : digits;
    const int = padded.slice(0, padded.length - scale);
    const frac = padded.slice(padded.length - scale).replace(/0+$/, '');
    out = frac === '' ? int : `${int}.${frac}`;
  }
  const exponent = digits.replace(/0+$/, '').length === 0 ? 0 : digits.length - 1 - scale;
  if (exponent <= -30 || exponent >= 40) out = new Decimal(out).toString();
  return neg ? `-${out}` : out;
}

/** A rate as a percentage for the trace: 85 over 10^2 → "85%", 75 over 10^3 → "7.5%" (formatRate). */
export function percent(r: Scaled): string {
  return `${decimalText(r.num, r.scale - 2)}%`;
}

/**
 * An amount text (AMOUNT_PATTERN: digits, at most two decimals, at most 12 integer digits) as fen.
 * Never rounds: anything else is an internal error, because every amount reaching the engine
 * has been validated (settle's shape check, or the trusted caller's own).
 */
export function parseFen(s: string): number {
  // A character loop rather than regular expressions: this runs for every amount of every request.
  const len = s.length;
  let n = 0;
  let i = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  let ok = i > 0 && i <= 13;
  n *= 100;
  if (ok && i < len) {
    const decimals = len - i - 1;
    const d1 = s.charCodeAt(i + 1) - 48;
    const d2 = decimals === 2 ? s.charCodeAt(i + 2) - 48 : 0;
    ok = s.charCodeAt(i) === 46 && (decimals === 1 || decimals === 2) && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9;
    n += d1 * 10 + d2;
  }
  if (!ok) throw new Error(`internal: amount "${s}" is not a validated amount in cents`);
  return n;
}

/**
 * A signed amount text (an optional "-", then parseFen's amount) as fen: a year-to-date total from the store, which
 * goes below zero when a reversal follows a snapshot that never counted the original (store/ytd-totals.ts). The
 * request schema refuses a negative amount from outside; the terminal passes its own totals unvalidated.
 */
export function parseSignedFen(s: string): number {
  return s.charCodeAt(0) === 45 ? -parseFen(s.slice(1)) : parseFen(s);
}

/** A non-negative decimal text from a rule package (DECIMAL_PATTERN) as num / 10^scale, exactly. */
export function parseScaled(s: string): Scaled {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`internal: "${s}" is not a decimal number`);
  const frac = m[2] ?? '';
  return { num: norm(BigInt(m[1]! + frac)), scale: frac.length };
}

/** The same decimal over a finer denominator 10^scale (scale ≥ its own). */
export function atScale(v: Scaled, scale: number): Exact {
  return rescale(v.num, scale - v.scale);
}
