/**
 * Money: decimal.js end to end. Amounts travel as strings with at most two
 * decimals ("180000.00"); inside the engine they are `Money` (a Decimal from a
 * private clone, so nobody else's Decimal configuration can change our rounding).
 *
 * domain.md §3 "Decision, rounding": every fund payment and every segment is
 * rounded half-up to the cent; nothing else is rounded.
 */
import DecimalJs from 'decimal.js';
import { AMOUNT_INTEGER_SOURCE, amountBeyondLimit, amountLimitProblem } from '../../shared/limits.js';

export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Money = InstanceType<typeof Decimal>;

export const ZERO: Money = new Decimal(0);

/** A non-negative amount in yuan with at most two decimals, as written in requests; integer digits limited in shared/limits.ts. */
export const AMOUNT_PATTERN = new RegExp(`^${AMOUNT_INTEGER_SOURCE}(\\.\\d{1,2})?$`);
/** A non-negative decimal number of any precision, as written in rule packages (rates, factors). */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,12})?$/;

/** Why a string is not an acceptable amount, or null when it is one (`field`: its name, for the limit's message). */
export function amountProblem(s: string, field = 'amount'): { zh: string; en: string } | null {
  if (AMOUNT_PATTERN.test(s)) return null;
  if (amountBeyondLimit(s)) {
    const { zh, en } = amountLimitProblem(field);
    return { zh, en };
  }
  if (/^-/.test(s.trim())) return { zh: '金额不能为负数', en: 'amount must not be negative' };
  if (/^(0|[1-9]\d*)\.\d{3,}$/.test(s))
    return { zh: '金额最多保留两位小数（到分）', en: 'amount has more than two decimals' };
  if (/^(0|[1-9]\d*)(\.\d+)?$/.test(s)) return { zh: '金额超出允许范围', en: 'amount is too large' };
  return { zh: '不是有效的金额（应为如 "1234.50" 的十进制字符串）', en: 'not a decimal amount such as "1234.50"' };
}

export function money(s: string | Money): Money {
  return new Decimal(s);
}

/** Half-up to the cent (0.01 元). */
export function toCents(x: Money): Money {
  return x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/**
 * "1234.5" -> "1234.50". Never rounds silently: callers round first where the
 * rules say so. (Built from toString, which is several times faster than
 * toFixed in decimal.js; toExpPos/toExpNeg above keep it free of exponents.)
 */
export function formatAmount(x: Money): string {
  const s = x.toString();
  const dot = s.indexOf('.');
  if (dot === -1) return `${s}.00`;
  const decimals = s.length - dot - 1;
  if (decimals === 2) return s;
  if (decimals === 1) return `${s}0`;
  throw new Error(`internal: amount ${s} is not in cents`);
}

/** A signed amount in cents: "0.00", never decimal.js's "-0.00" (differences, reversals, totals). */
export function formatSigned(x: Money): string {
  return formatAmount(x.isZero() ? ZERO : x);
}

/** −amount of an amount text, "0.00" staying "0.00" (a reversal's figures). */
export function negatedAmount(s: string): string {
  return formatSigned(new Decimal(s).negated());
}

/** "0.85" -> "85%", "0.075" -> "7.5%". For traces. */
export function formatRate(rate: Money): string {
  return `${rate.times(100).toString()}%`;
}

export function minMoney(a: Money, b: Money): Money {
  return a.lessThan(b) ? a : b;
}

export function maxMoney(a: Money, b: Money): Money {
  return a.greaterThan(b) ? a : b;
}

export function sumMoney(xs: Iterable<Money>): Money {
  let total: Money | null = null;
  for (const x of xs) total = total === null ? x : total.plus(x);
  return total ?? ZERO;
}

/**
 * An amount as people read it, with thousands separators: "1234567.80" → "1,234,567.80", "-8480.00" → "-8,480.00".
 * On the string (never through a float); anything that is not a plain decimal is returned as it is.
 */
export function groupedYuan(amount: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount);
  if (!m) return amount;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}
