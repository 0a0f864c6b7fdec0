/**
 * What the services accept from the window (and later over IPC): schemas for
 * the store's inputs. Amounts are decimal strings, dates ISO, as in the engine's
 * request, whose own validation still runs on everything it receives.
 */
import { z } from 'zod';
import { AMOUNT_PATTERN } from '../money.js';
import { isRealDate } from '../dates.js';
import { enrolmentValue, suspendedYears } from '../engine/insured.js';
import { LAYER_ID_PATTERN, SCHEME_IDS } from '../rules/schema.js';

const en = (code: string, english: string) => ({ params: { code, en: english } });
const amount = z.string().refine((s) => AMOUNT_PATTERN.test(s), {
  message: '须为非负金额，最多两位小数',
  ...en('invalid_amount', 'must be a non-negative amount with at most two decimals'),
});
const date = z.string().refine(isRealDate, {
  message: '日期不存在或格式不是 YYYY-MM-DD',
  ...en('invalid_date', 'not a real date YYYY-MM-DD'),
});
const text = (max: number) => z.string().trim().min(1).max(max);
const layerKey = z
  .string()
  .refine((s) => LAYER_ID_PATTERN.test(s), { message: '层级编号无效', ...en('invalid_field', 'invalid layer id') });
const yearKey = z.string().refine((s) => /^\d{4}$/.test(s), {
  message: '年度须为四位数字',
  ...en('invalid_field', 'year must be four digits'),
});

export const operatorRoles = ['cashier', 'claims_clerk', 'supervisor'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

export const createOperatorInput = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{2,20}$/, { message: '工号为2-20位字母数字' }),
  name: text(40),
  role: z.enum(operatorRoles),
  pin: z.string().regex(/^\d{6,12}$/, { message: 'PIN 为6-12位数字' }),
});

export const loginInput = z.strictObject({ code: z.string().min(1).max(20), pin: z.string().min(1).max(12) });

const accumulator = z.strictObject({
  paid: amount.optional(),
  base: amount.optional(),
  admissions: z.number().int().min(0).max(9999).optional(),
});

export const recordPersonInput = z.strictObject({
  id_number: z.string().min(1).max(30),
  name: text(60),
  gender: z.enum(['M', 'F']).nullable().default(null),
  region: z.string().min(1).max(40),
  scheme: z.enum(SCHEME_IDS),
  retired: z.boolean(),
  medical_assistance: z.boolean(),
  enrolled: z.record(layerKey, enrolmentValue).default({}),
  suspended_years: suspendedYears.default([]),
  /** The insurer's year-to-date accumulators, as of `as_of` (layer id → values). */
  accumulators: z.record(yearKey, z.record(layerKey, accumulator)).default({}),
  as_of: z.iso.datetime({ offset: true }),
  source: z.enum(['cashier', 'insurer']),
});

const costLine = z.strictObject({
  date,
  medfee_sumamt: amount,
  fulamt_ownpay_amt: amount,
  overlmt_selfpay: amount,
  preselfpay_amt: amount,
});

export const settleInput = z.strictObject({
  person_id: z.number().int().positive(),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  admission_date: date,
  discharge_date: date,
  costs: z.array(costLine).min(1).max(400),
  /** Paid for this stay by schemes not modelled here (公务员医疗补助 …), per year (江阴 二(三)). */
  prior_compensation: z.record(yearKey, amount).default({}),
  /** Settled while the link to the insurer is down (脱机结算). */
  offline: z.boolean().default(false),
  /** For the slip: inpatient number, ward, bed, diagnosis (from the hospital system). */
  stay: z
    .strictObject({
      inpatient_no: z.string().trim().max(40).default(''),
      ward: z.string().trim().max(60).default(''),
      bed: z.string().trim().max(20).default(''),
      diagnosis: z.string().trim().max(500).default(''),
    })
    .default({ inpatient_no: '', ward: '', bed: '', diagnosis: '' }),
});

export const reverseInput = z.strictObject({ number: z.string().min(1).max(40), reason: text(200) });

export const historyQuery = z.strictObject({
  number: z.string().min(1).max(40).optional(),
  id_number: z.string().min(1).max(30).optional(),
  person_id: z.number().int().positive().optional(),
  from: date.optional(),
  to: date.optional(),
  status: z.enum(['settled', 'reversed', 'reversal']).optional(),
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).default(0),
});

export const manualClaimInput = z.strictObject({
  person_id: z.number().int().positive(),
  hospital_code: text(30),
  hospital_name: text(100),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  admission_date: date,
  discharge_date: date,
  invoices: z
    .array(
      z.strictObject({
        invoice_no: text(40),
        invoice_date: date,
        medfee_sumamt: amount,
        fulamt_ownpay_amt: amount,
        overlmt_selfpay: amount,
        preselfpay_amt: amount,
      }),
    )
    .min(1)
    .max(200),
  attachments: z
    .array(
      z.strictObject({
        file_name: text(120),
        media_type: z.enum(['image/jpeg', 'image/png', 'application/pdf']),
        content_base64: z.string().max(14_000_000),
      }),
    )
    .max(20)
    .default([]),
});

export const closeDayInput = z.strictObject({ operator_code: z.string().min(1).max(20), business_date: date });

export type HistoryQuery = z.input<typeof historyQuery>;
