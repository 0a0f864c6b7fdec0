/**
 * What the services accept from the window: schemas for the store's inputs,
 * checked once where they enter (the window's contract in shared/ipc, or
 * parseInput at another boundary) and typed after that. Amounts are decimal
 * strings, dates ISO, as in the engine's request.
 */
import { z } from 'zod';
import { AMOUNT_PATTERN } from '../money.js';
import {
  admissionProblem,
  amountBeyondLimit,
  amountLimitProblem,
  idNumberProblem,
  totalsProblem,
  type LimitProblem,
} from '../limits.js';
import { isRealDate } from '../dates.js';
import { fromZodError } from '../errors.js';
import { enrolmentValue, suspendedYears } from '../engine/insured.js';
import { LAYER_ID_PATTERN, SCHEME_IDS } from '../rules/schema.js';
import { COST_AMOUNT_FIELDS, type CostAmounts, type CostLine } from '../engine/cost-line.js';
import {
  addProblem,
  aggregateFeeLines,
  billCosts,
  costsDisagreement,
  feeLinesOutsideStay,
  feeLinesSchema,
  type FeeLine,
  WHEN_VALID,
} from '../fee-lines.js';

const en = (code: string, english: string) => ({ params: { code, en: english } });
const issue = (p: LimitProblem, path?: PropertyKey[]) =>
  ({ code: 'custom', message: p.zh, params: { code: p.code, en: p.en }, ...(path ? { path } : {}) }) as const;
/**
 * An amount: non-negative, at most two decimals, within the integer-digit limit
 * (shared/limits.ts), the message naming the field (`field`, its name: 医疗费总额 超过 12 位整数金额上限).
 */
const amountOf = (field: string) =>
  z.string().superRefine((s, ctx) => {
    if (AMOUNT_PATTERN.test(s)) return;
    if (amountBeyondLimit(s)) ctx.addIssue(issue(amountLimitProblem(field)));
    else
      ctx.addIssue({
        code: 'custom',
        message: '须为非负金额，最多两位小数',
        ...en('invalid_amount', 'must be a non-negative amount with at most two decimals'),
      });
  });
const amount = amountOf('amount');
const date = z.string().refine(isRealDate, {
  message: '日期不存在或格式不是 YYYY-MM-DD',
  ...en('invalid_date', 'not a real date YYYY-MM-DD'),
});
/** An admission date: real, and not before EARLIEST_ADMISSION (shared/limits.ts). */
const admissionDate = date.superRefine((d, ctx) => {
  const p = admissionProblem(d);
  if (p) ctx.addIssue(issue(p));
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

/** An identity number: form, check character and birth date (shared/limits.ts); its birth date against today is the service's. */
const idNumber = z
  .string()
  .min(1)
  .max(30)
  .superRefine((s, ctx) => {
    const p = idNumberProblem(s);
    if (p) ctx.addIssue(issue(p));
  });

export const recordPersonInput = z.strictObject({
  id_number: idNumber,
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

/** The amounts of a cost line (shared/engine/request.ts CostAmounts), one schema per field. */
const costAmounts = Object.fromEntries(COST_AMOUNT_FIELDS.map((f) => [f, amountOf(f)])) as Record<
  keyof CostAmounts,
  typeof amount
>;
/** The lines' totals within the amount limit (shared/limits.ts): the settlement, its upload and the slip carry them. */
const withinTotals = (lines: readonly object[], ctx: z.RefinementCtx) => {
  const t = totalsProblem(lines, COST_AMOUNT_FIELDS);
  if (t) ctx.addIssue(issue(t.problem, t.path));
};
const costLine = z.strictObject({ date, ...costAmounts }) satisfies z.ZodType<CostLine>;

/** A bill to settle, as the window sends it (F5 and F8): its costs, or its fee lines (docs/bill-import.md), or both. */
const billShape = {
  person_id: z.number().int().positive(),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  admission_date: admissionDate,
  discharge_date: date,
  /** Per-date cost lines; with fee_lines they may be left out (derived), or must agree exactly. */
  costs: z.array(costLine).min(1).max(400).superRefine(withinTotals).optional(),
  /** The HIS's fee lines (2301 fields, shared/fee-lines.ts): the costs are their per-date sums. */
  fee_lines: feeLinesSchema.optional(),
  /** The stay's 就诊ID when the HIS registered the admission with the platform (2401). */
  mdtrt_id: z.string().trim().min(1).max(30).optional(),
  /** The cashier confirmed settling a stay across 1 January with all its costs in one year (issue 17; the window's check). */
  cross_year_confirmed: z.boolean().optional(),
  /** Paid for this stay by schemes not modelled here (公务员医疗补助 …), per year (江阴 二(三)). */
  prior_compensation: z.record(yearKey, amount).default({}),
  /** For the slip: inpatient number, ward, bed, diagnosis (from the hospital system). */
  stay: z
    .strictObject({
      inpatient_no: z.string().trim().max(40).default(''),
      ward: z.string().trim().max(60).default(''),
      bed: z.string().trim().max(20).default(''),
      diagnosis: z.string().trim().max(500).default(''),
    })
    .default({ inpatient_no: '', ward: '', bed: '', diagnosis: '' }),
};

/** The bill's costs: given, or derived from its fee lines (aggregateFeeLines, the one aggregation), checked to agree. */
function withCosts<T extends { costs?: CostLine[] | undefined; fee_lines?: FeeLine[] | undefined }>(
  schema: z.ZodType<T>,
) {
  return schema
    .superRefine((b, ctx) => {
      if (!b.costs && b.fee_lines) {
        // Costs derived from the fee lines: their totals within the limit too.
        const t = totalsProblem(aggregateFeeLines(b.fee_lines), COST_AMOUNT_FIELDS);
        if (t) return void ctx.addIssue(issue(t.problem, ['fee_lines']));
      }
      if (!b.fee_lines) {
        if (!b.costs)
          ctx.addIssue({
            code: 'custom',
            path: ['costs'],
            message: '须有费用（costs）或费用明细（fee_lines）',
            params: { code: 'no_costs', en: 'a bill needs costs or fee_lines' },
          });
        return;
      }
      const { admission_date: from, discharge_date: to } = b as { admission_date?: unknown; discharge_date?: unknown };
      const outside =
        typeof from === 'string' && typeof to === 'string' ? feeLinesOutsideStay(b.fee_lines, from, to) : null;
      if (outside) return addProblem(ctx, outside, ['fee_lines']);
      const disagree = b.costs ? costsDisagreement(b.costs, aggregateFeeLines(b.fee_lines)) : null;
      if (disagree) addProblem(ctx, disagree);
    }, WHEN_VALID)
    .transform((b) => ({ ...b, costs: billCosts(b) }));
}

export const billInput = withCosts(z.strictObject(billShape));

/** What the service settles: the bill, and whether the link to the insurer was down (脱机结算), which the terminal knows, not the window. */
export const settleInput = withCosts(z.strictObject({ ...billShape, offline: z.boolean().default(false) }));

/** F8 at the window: the bill and the digest its F5 answered with (what you see is what you settle; services/settlements.ts). */
export const windowSettleInput = withCosts(
  z.strictObject({
    ...billShape,
    preview_digest: z.string().regex(/^[0-9a-f]{64}$/),
  }),
);

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
  admission_date: admissionDate,
  discharge_date: date,
  invoices: z
    .array(z.strictObject({ invoice_no: text(40), invoice_date: date, ...costAmounts }))
    .min(1)
    .max(200)
    .superRefine(withinTotals),
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

/** What the services take: inputs validated at a trust boundary (the window's contract, a file, the CLI), defaults applied. */
export type CreateOperatorInput = z.output<typeof createOperatorInput>;
export type LoginInput = z.output<typeof loginInput>;
export type RecordPersonInput = z.output<typeof recordPersonInput>;
export type BillInput = z.output<typeof billInput>;
export type SettleInput = z.output<typeof settleInput>;
export type ReverseInput = z.output<typeof reverseInput>;
export type HistoryQuery = z.output<typeof historyQuery>;
export type ManualClaimInput = z.output<typeof manualClaimInput>;
export type CloseDayInput = z.output<typeof closeDayInput>;

/** Validates at a trust boundary that is not the window's contract (CLI input, tests standing in for the window). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input, { reportInput: true });
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}
