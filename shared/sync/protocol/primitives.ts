/** The protocol's field types: timestamps, dates, amounts, ids and codes, each with its error code and both languages. */
import { z } from 'zod';
import { AMOUNT_PATTERN } from '../../money.js';
import { isRealDate } from '../../dates.js';
import { LAYER_ID_PATTERN } from '../../rules/schema.js';
import {
  AMOUNT_INTEGER_SOURCE,
  amountBeyondLimit,
  amountLimitProblem,
  idNumberProblem,
  MAX_AMOUNT_INTEGER_DIGITS,
} from '../../limits.js';

const params = (code: string, en: string) => ({ params: { code, en } });

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** UTC timestamp, e.g. "2026-03-20T02:00:00.000Z" (what Date#toISOString writes). */
export const timestamp = z
  .string()
  .regex(UTC_TIMESTAMP, {
    message: '时间须为 UTC ISO 8601，如 2026-03-20T02:00:00.000Z',
    ...params('invalid_field', 'must be a UTC ISO 8601 timestamp'),
  })
  .refine((s) => isRealDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s)), {
    message: '时间不存在',
    ...params('invalid_field', 'not a real time'),
  });
export const businessDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式须为 YYYY-MM-DD', ...params('invalid_date', 'must be YYYY-MM-DD') })
  .refine(isRealDate, { message: '日期不存在', ...params('invalid_date', 'not a real date') });
/**
 * An amount beyond MAX_AMOUNT_INTEGER_DIGITS integer digits (shared/limits.ts), refused as such: invalid_amount with
 * the limit in the message, first (the pattern below would refuse it too, as a mere format error).
 */
function withinLimit(s: string, ctx: z.RefinementCtx): void {
  if (!amountBeyondLimit(s)) return;
  const p = amountLimitProblem('amount');
  ctx.addIssue({ code: 'custom', message: p.zh, params: { code: p.code, en: p.en } });
}
/** As the engine accepts it: non-negative, at most two decimals, at most MAX_AMOUNT_INTEGER_DIGITS integer digits (shared/limits.ts). */
export const amountIn = z
  .string()
  .superRefine(withinLimit)
  .regex(AMOUNT_PATTERN, {
    message: `须为非负金额，最多两位小数、${MAX_AMOUNT_INTEGER_DIGITS} 位整数`,
    ...params(
      'invalid_amount',
      `must be a non-negative amount with at most two decimals and ${MAX_AMOUNT_INTEGER_DIGITS} integer digits`,
    ),
  });
/** As the insurer writes it: non-negative, exactly two decimals, the same integer-digit limit. */
export const amountOut = z
  .string()
  .superRefine(withinLimit)
  .regex(new RegExp(`^${AMOUNT_INTEGER_SOURCE}\\.\\d{2}$`), {
    message: `须为两位小数的非负金额，最多 ${MAX_AMOUNT_INTEGER_DIGITS} 位整数`,
    ...params(
      'invalid_amount',
      `must be a non-negative amount with two decimals and ${MAX_AMOUNT_INTEGER_DIGITS} integer digits`,
    ),
  });
/** A difference or a net total: exactly two decimals, a minus sign when negative, never "-0.00". */
export const signedAmount = z.string().regex(/^(?!-0\.00$)-?(0|[1-9]\d{0,13})\.\d{2}$/, {
  message: '须为两位小数的金额',
  ...params('invalid_amount', 'must be a signed amount with two decimals'),
});
export const layerId = z
  .string()
  .regex(LAYER_ID_PATTERN, { message: '层级编号无效', ...params('invalid_field', 'invalid layer id') });
export const regionId = z
  .string()
  .regex(LAYER_ID_PATTERN, { message: '统筹区编号无效', ...params('invalid_field', 'invalid region id') });
export const ruleVersion = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,40}$/, { message: '规则版本号无效', ...params('invalid_field', 'invalid rule version') });
export const yearKey = z
  .string()
  .regex(/^\d{4}$/, { message: '年度须为四位数字', ...params('invalid_field', 'year must be four digits') });
/** The terminal's record number (settlement, reversal or manual claim number), e.g. "T01-S20260320-000001". */
export const idempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, {
  message: '幂等键须为1-64位字母、数字或 ._:-',
  ...params('invalid_field', 'idempotency key: 1-64 of A-Z a-z 0-9 . _ : -'),
});
export const requestId = z.string().regex(/^[A-Za-z0-9._:-]{8,64}$/, {
  message: '请求编号须为8-64位字母、数字或 ._:-',
  ...params('invalid_field', 'request id: 8-64 of A-Z a-z 0-9 . _ : -'),
});
export const terminalCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, {
  message: '终端编号须为1-32位字母数字',
  ...params('invalid_field', 'terminal code: 1-32 letters, digits, _ or -'),
});
export const hospitalCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, {
  message: '医疗机构编码须为1-32位字母数字',
  ...params('invalid_field', 'hospital code: 1-32 letters, digits, _ or -'),
});
export const idNumber = z
  .string()
  .regex(/^\d{17}[\dX]$/, {
    message: '身份证号须为18位（最后一位可为大写X）',
    ...params('invalid_field', 'identity number: 18 characters, the last may be X'),
  })
  .superRefine((s, ctx) => {
    // Check character and birth date (shared/limits.ts); the form is the regex's.
    const p = /^\d{17}[\dX]$/.test(s) ? idNumberProblem(s) : null;
    if (p) ctx.addIssue({ code: 'custom', message: p.zh, params: { code: p.code, en: p.en } });
  });
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** First 8 bytes of SHA-256 over the public key's SPKI DER, lower-case hex. */
export const keyId = z.string().regex(/^[0-9a-f]{16}$/);
/** An error or rejection code: stable, machine-readable. */
export const errorCode = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/);
export const text = (max: number) => z.string().min(1).max(max);
export const count = z.number().int().min(0).max(1_000_000_000);
