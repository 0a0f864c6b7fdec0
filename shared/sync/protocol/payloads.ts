/** The terminal's outbox payloads: a settlement or a manual claim, with the engine's request as settled and the result. */
import { z } from 'zod';
import { SCHEME_IDS } from '../../rules/schema.js';
import { enrolmentValue, suspendedYears } from '../../engine/insured.js';
import {
  costLineShape,
  type CostLine,
  type LayerAccumulator,
  type SettlementRequestJson,
} from '../../engine/request.js';
import {
  amountIn,
  amountOut,
  businessDate,
  hospitalCode,
  idempotencyKey,
  layerId,
  regionId,
  terminalCode,
  text,
  yearKey,
} from './primitives.js';
import { admissionProblem, totalsProblem } from '../../limits.js';
import { COST_AMOUNT_FIELDS } from '../../engine/cost-line.js';

const costLine = z.strictObject(costLineShape(businessDate, amountIn)) satisfies z.ZodType<CostLine>;
const accumulatorIn = z.strictObject({
  paid: amountIn.optional(),
  base: amountIn.optional(),
  admissions: z.number().int().min(0).max(9999).optional(),
}) satisfies z.ZodType<LayerAccumulator>;
/**
 * The engine's settlement request v1 (shared/engine/request.ts) as the
 * terminal settled it: its own accumulators and flags. The insurer runs the
 * engine's own validation again when it recomputes.
 */
export const settlementRequestWire = z.strictObject({
  region: regionId,
  insured: z.strictObject({
    scheme: z.enum(SCHEME_IDS),
    retired: z.boolean(),
    medical_assistance: z.boolean(),
    enrolled: z.record(layerId, enrolmentValue).optional(),
    suspended_years: suspendedYears.optional(),
  }),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  admission_date: businessDate.superRefine((d, ctx) => {
    const p = admissionProblem(d);
    if (p) ctx.addIssue({ code: 'custom', message: p.zh, params: { code: p.code, en: p.en } });
  }),
  discharge_date: businessDate,
  costs: z
    .array(costLine)
    .min(1)
    .max(400)
    .superRefine((lines, ctx) => {
      // The bill's totals within the amount limit (shared/limits.ts), as the result's amountOut carries them.
      const t = totalsProblem(lines, COST_AMOUNT_FIELDS);
      if (t)
        ctx.addIssue({
          code: 'custom',
          path: t.path,
          message: t.problem.zh,
          params: { code: t.problem.code, en: t.problem.en },
        });
    }),
  ytd: z.record(yearKey, z.record(layerId, accumulatorIn)).optional(),
  prior_compensation: z.record(yearKey, amountIn).optional(),
  claim_filed_on: businessDate.optional(),
}) satisfies z.ZodType<SettlementRequestJson>;
/** The terminal's result, without its trace; kept as sent. The insurer reads these fields. */
export const terminalResult = z.looseObject({
  region: regionId,
  scheme: z.enum(SCHEME_IDS),
  medfee_sumamt: amountOut,
  fund_pay_sumamt: amountOut,
  psn_cash_pay: amountOut,
  /** Layer id ("basic", "large_amount", …) → amount. */
  funds: z.record(layerId, amountOut),
});
export const settlementPayload = z.strictObject({
  number: idempotencyKey,
  terminal: terminalCode,
  hospital_code: hospitalCode,
  /** The terminal's local person id; meaningless to the insurer, kept as sent. */
  person_id: z.number().int().positive(),
  offline: z.boolean(),
  request: settlementRequestWire,
  result: terminalResult,
});
export const manualClaimPayload = z.strictObject({
  number: idempotencyKey,
  terminal: terminalCode,
  person_id: z.number().int().positive(),
  /** The hospital where the patient paid (not the terminal's). */
  hospital_code: text(30),
  hospital_name: text(100),
  request: settlementRequestWire,
  result: terminalResult,
});

export type SettlementRequestWire = z.infer<typeof settlementRequestWire>;
export type SettlementPayload = z.infer<typeof settlementPayload>;
export type ManualClaimPayload = z.infer<typeof manualClaimPayload>;
