/**
 * Limits at the window, declared once (issue 15 item 6, issue 17 item 7): what
 * the protocols and the slip can carry and what a stay or a person can be. The
 * window's schemas (shared/store/inputs.ts), the engine's request and its
 * check (shared/engine/request.ts, check.ts: the CLI and every settlement), the
 * sync protocol's primitives (shared/sync/protocol/primitives.ts) and the
 * services (the checks against today) all use these, and nothing else states
 * them.
 *
 * - Amounts: at most MAX_AMOUNT_INTEGER_DIGITS (12) integer digits and two
 *   decimals, per field and for a bill's totals (the sum of its cost lines is
 *   what the settlement, the outbox payload and the slip carry).
 * - Admission on or after EARLIEST_ADMISSION (1990-01-01).
 * - Discharge at most DISCHARGE_DAYS_AFTER_TODAY (1) day after today. "Today"
 *   is the service's clock (China Standard Time business date), given at the
 *   boundary: the schemas are static, so this check is a function of today,
 *   not a schema.
 * - Identity numbers (GB 11643): 18 characters, the check character right
 *   (shared/sync/id-number.ts), a birth date that exists, not before
 *   EARLIEST_BIRTH and (given today) not after today.
 *
 * Pure TypeScript without money.ts (which builds AMOUNT_PATTERN from here):
 * totals are summed as integer cents.
 */
import { addDays, isRealDate } from './dates.js';
import { DeskError, formatPath, type ErrorCode } from './errors.js';
import { isValidIdNumber } from './sync/id-number.js';

/** Integer digits an amount may have: the sync protocol's and the slip's limit (999,999,999,999.99). */
export const MAX_AMOUNT_INTEGER_DIGITS = 12;
/** The largest amount, as written. */
export const MAX_AMOUNT = `${'9'.repeat(MAX_AMOUNT_INTEGER_DIGITS)}.99`;
/** The integer part of an amount within the limit, as a regular-expression source (no anchors). */
export const AMOUNT_INTEGER_SOURCE = `(0|[1-9]\\d{0,${MAX_AMOUNT_INTEGER_DIGITS - 1}})`;
/** No admission before this date. */
export const EARLIEST_ADMISSION = '1990-01-01';
/** Discharge at most this many days after today. */
export const DISCHARGE_DAYS_AFTER_TODAY = 1;
/** No birth date (in an identity number) before this date. */
export const EARLIEST_BIRTH = '1900-01-01';

/** A refusal: the error code and the message in both languages (the caller knows the field's path). */
export interface LimitProblem {
  code: ErrorCode;
  zh: string;
  en: string;
}

/** The fields the limits name, as the window labels them. */
export const FIELD_LABELS = {
  medfee_sumamt: { zh: '医疗费总额', en: 'Total medical cost' },
  fulamt_ownpay_amt: { zh: '全自费', en: 'Fully self-paid' },
  overlmt_selfpay: { zh: '超限价自费', en: 'Self-paid above price cap' },
  preselfpay_amt: { zh: '先行自付', en: 'Initial self-payment' },
  admission_date: { zh: '入院日期', en: 'Admission date' },
  discharge_date: { zh: '出院日期', en: 'Discharge date' },
  business_date: { zh: '业务日期', en: 'Business date' },
  claim_filed_on: { zh: '申报日期', en: 'Claim filing date' },
  id_number: { zh: '身份证号', en: 'Identity number' },
  amount: { zh: '金额', en: 'Amount' },
} as const satisfies Record<string, { zh: string; en: string }>;
export type LabelledField = keyof typeof FIELD_LABELS;

const label = (field: string) => FIELD_LABELS[field as LabelledField] ?? FIELD_LABELS.amount;

const DECIMAL = /^(0|[1-9]\d*)(\.\d{1,2})?$/;

/** An amount (non-negative, at most two decimals) within the integer-digit limit. Other texts are not this check's business. */
export function amountBeyondLimit(s: string): boolean {
  return DECIMAL.test(s) && s.split('.')[0]!.length > MAX_AMOUNT_INTEGER_DIGITS;
}

/** "医疗费总额 超过 12 位整数金额上限（最大 999999999999.99）", for a field (by its name) or a total. */
export function amountLimitProblem(field: string, total = false): LimitProblem {
  const l = label(field);
  return {
    code: 'invalid_amount',
    zh: `${l.zh}${total ? '合计' : ''} 超过 ${MAX_AMOUNT_INTEGER_DIGITS} 位整数金额上限（最大 ${MAX_AMOUNT}）`,
    en: `${l.en}${total ? ' (total)' : ''} exceeds the ${MAX_AMOUNT_INTEGER_DIGITS}-digit amount limit (at most ${MAX_AMOUNT})`,
  };
}

const MAX_CENTS = BigInt(MAX_AMOUNT.replace('.', ''));
function cents(s: string): bigint | null {
  if (!DECIMAL.test(s)) return null;
  const [int, frac = ''] = s.split('.') as [string, string?];
  return BigInt(int + frac.padEnd(2, '0'));
}

/**
 * The totals of a bill's lines (cost lines, invoices), field by field: the
 * first line at which a field's running sum passes the limit, with the path
 * of that line's field, or null. Lines whose amounts are not amounts are skipped
 * (their own check names them).
 */
export function totalsProblem(
  lines: readonly object[],
  fields: readonly string[],
): { path: (string | number)[]; problem: LimitProblem } | null {
  for (const f of fields) {
    let sum = 0n;
    for (let i = 0; i < lines.length; i++) {
      const v = (lines[i] as Record<string, unknown>)[f];
      const c = typeof v === 'string' ? cents(v) : null;
      if (c === null) continue;
      sum += c;
      if (sum > MAX_CENTS) return { path: [i, f], problem: amountLimitProblem(f, true) };
    }
  }
  return null;
}

/** Admission before EARLIEST_ADMISSION (a real date is assumed; other texts are the date check's business). */
export function admissionProblem(date: string): LimitProblem | null {
  if (!isRealDate(date) || date >= EARLIEST_ADMISSION) return null;
  return {
    code: 'invalid_date',
    zh: `入院日期 ${date} 早于 ${EARLIEST_ADMISSION}，请核对`,
    en: `admission date ${date} is before ${EARLIEST_ADMISSION}`,
  };
}

/** The latest discharge date accepted on `today` (the service's business date). */
export function latestDischarge(today: string): string {
  return addDays(today, DISCHARGE_DAYS_AFTER_TODAY);
}

/** Discharge (or another date of the stay, by field) more than DISCHARGE_DAYS_AFTER_TODAY days after today. */
export function futureDateProblem(date: string, today: string, field = 'discharge_date'): LimitProblem | null {
  const latest = latestDischarge(today);
  if (!isRealDate(date) || date <= latest) return null;
  const l = label(field);
  return {
    code: 'invalid_date',
    zh: `${l.zh} ${date} 晚于 ${latest}（今天 ${today} 之后最多 ${DISCHARGE_DAYS_AFTER_TODAY} 天）`,
    en: `${l.en} ${date} is after ${latest} (at most ${DISCHARGE_DAYS_AFTER_TODAY} day after today ${today})`,
  };
}

/** The birth date an 18-character identity number carries (YYYY-MM-DD), whether or not it exists. */
export function idNumberBirthDate(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/**
 * Why an identity number is refused, or null: its form and check character
 * (GB 11643, shared/sync/id-number.ts), then its birth date: a real date, not
 * before EARLIEST_BIRTH, and, when today is given, not after today. Trimmed
 * and with a lower-case x accepted, as the store normalises it.
 */
export function idNumberProblem(raw: string, today?: string): LimitProblem | null {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id))
    return {
      code: 'invalid_field',
      zh: '身份证号须为18位（最后一位可为X）',
      en: 'identity number must be 18 characters (last may be X)',
    };
  if (!isValidIdNumber(id))
    return { code: 'invalid_field', zh: '身份证号校验位不正确，请核对', en: 'identity number check digit is wrong' };
  const birth = idNumberBirthDate(id);
  if (!isRealDate(birth) || birth < EARLIEST_BIRTH)
    return {
      code: 'invalid_field',
      zh: `身份证号中的出生日期 ${birth} 不存在，请核对`,
      en: `the birth date in the identity number, ${birth}, does not exist`,
    };
  if (today !== undefined && birth > today)
    return {
      code: 'invalid_field',
      zh: `身份证号中的出生日期 ${birth} 晚于今天 ${today}，请核对`,
      en: `the birth date in the identity number, ${birth}, is after today ${today}`,
    };
  return null;
}

/** A limit problem as the error that crosses a boundary, naming the field by its path. */
export function limitError(path: readonly PropertyKey[] | string, p: LimitProblem): DeskError {
  return new DeskError(p.code, typeof path === 'string' ? path : formatPath(path), p.zh, p.en);
}

/**
 * The check against today, for the services (their clock) and the CLI (the
 * system date): discharge at most DISCHARGE_DAYS_AFTER_TODAY days after today
 * (cost lines and invoices lie within the stay: checkRequest). Throws
 * DeskError naming the field.
 */
export function refuseBeyondToday(stay: { discharge_date: string }, today: string): void {
  const d = futureDateProblem(stay.discharge_date, today);
  if (d) throw limitError('discharge_date', d);
}
