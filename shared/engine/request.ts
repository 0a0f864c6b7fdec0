/**
 * The settlement request (v1), as hospital systems send it to the CLI and as the
 * UI builds it. Amounts are decimal strings; dates ISO. Validation names the
 * field and the problem; nothing is guessed or silently defaulted except what
 * the contract says (missing accumulators are zero, missing enrolment flags
 * are false).
 *
 * Here: a bill (Bill, its cost lines declared once in cost-line.ts) and the request (SettlementRequest, and
 * SettlementRequestJson as JSON carries it), and the request's shape read with
 * zod (parseRequestShape) or, for JSON values, in one compiled pass
 * (readRequestShape: request-validator.generated.ts, built from the same
 * schema's JSON Schema, with zod only to word a refusal). Its check against
 * the rules is check.ts.
 */
import { z } from 'zod';
import { AMOUNT_PATTERN, amountProblem } from '../money.js';
import { isRealDate } from '../dates.js';
import { enrolmentValue, suspendedYears, YEAR_PATTERN, type Insured } from './insured.js';
import { DeskError, fromZodError, type ErrorCode } from '../errors.js';
import { LAYER_ID_PATTERN, BASIC_LAYER_ID, type SchemeId, type HospitalLevel } from '../rules/schema.js';
import type { RuleSet } from '../rules/ruleset.js';
import type { YtdJson } from './accumulators.js';
import { checkRequest } from './check.js';
import { COST_AMOUNT_FIELDS, type CostAmounts, type CostLine } from './cost-line.js';
import { validateRequestJson } from './request-validator.generated.js';

export { COST_AMOUNT_FIELDS, type CostAmounts, type CostLine };

/**
 * What the JSON Schema of the request (settlementRequestJsonSchema) says of a
 * field whose check zod cannot export (a superRefine, a refined key): the
 * same rule as a JSON Schema keyword. Private, so that no other export of a
 * schema (the OpenAPI document) changes.
 */
const jsonShapes = z.registry<Record<string, unknown>>();
function withJson<S extends z.ZodType>(schema: S, json: Record<string, unknown>): S {
  jsonShapes.add(schema, json);
  return schema;
}

/**
 * isRealDate as a regular expression (YYYY-MM-DD, years 1900 to 2200, the
 * month's days, 29 February in leap years): a test compares the two on every
 * string of the form from 1800-00-00 to 2300-99-99.
 */
export const REAL_DATE_SOURCE =
  '^(?:(?:19\\d\\d|20\\d\\d|21\\d\\d|2200)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))' +
  '|(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))-02-29)$';

/**
 * A field checked by hand so that every failure, wrong JSON type included,
 * gets the specific code (invalid_amount, invalid_date, …) and a message in
 * both languages. Missing fields are reported as missing_field.
 */
function checked<T>(check: (v: unknown) => { code: ErrorCode; zh: string; en: string } | null) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      const p =
        v === undefined
          ? { code: 'missing_field' as const, zh: '缺少必填字段', en: 'required field is missing' }
          : check(v);
      if (p) ctx.addIssue({ code: 'custom', message: p.zh, params: { code: p.code, en: p.en } });
    })
    .transform((v) => v as T);
}

/** An amount; `field` names it in the message of the amount limit (shared/limits.ts). */
const amountFor = (field: string) =>
  withJson(
    checked<string>((v) => {
      if (typeof v !== 'string')
        return {
          code: 'invalid_amount',
          zh: `金额须写成字符串形式的十进制数，如 "1234.50"（收到 ${JSON.stringify(v)}）`,
          en: `amount must be a decimal string such as "1234.50" (got ${JSON.stringify(v)})`,
        };
      const p = amountProblem(v, field);
      return p && { code: 'invalid_amount', ...p };
    }),
    { type: 'string', pattern: AMOUNT_PATTERN.source },
  );
const amount = amountFor('amount');

const date = withJson(
  checked<string>((v) =>
    typeof v === 'string' && isRealDate(v)
      ? null
      : {
          code: 'invalid_date',
          zh: `日期 ${JSON.stringify(v)} 不存在或格式不是 "YYYY-MM-DD"`,
          en: `${JSON.stringify(v)} is not a real date "YYYY-MM-DD"`,
        },
  ),
  { type: 'string', pattern: REAL_DATE_SOURCE },
);

const hospitalLevel = withJson(
  checked<HospitalLevel>((v) =>
    v === 1 || v === 2 || v === 3
      ? null
      : {
          code: 'invalid_hospital_level',
          zh: `医院等级须为 1、2 或 3（收到 ${JSON.stringify(v)}）`,
          en: `hospital level must be 1, 2 or 3 (got ${JSON.stringify(v)})`,
        },
  ),
  { enum: [1, 2, 3] },
);

const count = z.number().int().min(0).max(9999);

const keyMatching = (pattern: RegExp, zh: string, en: string) =>
  withJson(
    z.string().refine((s) => pattern.test(s), { message: zh, params: { code: 'invalid_field', en } }),
    {
      type: 'string',
      pattern: pattern.source,
    },
  );
const layerKey = keyMatching(
  LAYER_ID_PATTERN,
  '层级编号无效（小写字母、数字、下划线）',
  'invalid layer id (lower-case letters, digits, underscore)',
);
const yearKey = keyMatching(/^\d{4}$/, '年度须为四位数字，如 "2026"', 'year must be four digits such as "2026"');

/**
 * A zod shape for a cost line, field for field in CostLine's order: the date,
 * then every COST_AMOUNT_FIELDS field with the schemas the boundary uses (the
 * engine's, the protocol's, the bill import's). Type the object schema built
 * from it against CostLine.
 */
export function costLineShape<D extends z.ZodType<string>, A extends z.ZodType<string>>(
  date: D,
  amount: A,
): { date: D } & Record<keyof CostAmounts, A> {
  const shape = { date } as { date: D } & Record<keyof CostAmounts, A>;
  for (const f of COST_AMOUNT_FIELDS) shape[f] = amount;
  return shape;
}

/**
 * A hospital bill: the stay, the hospital's level and the cost lines, with
 * what other schemes (公务员医疗补助, 职工补充医疗保险) paid for it per year
 * (江阴 二(三)). The request, the imported bill and the protocol's request
 * derive from it.
 */
export interface Bill {
  hospital_level: HospitalLevel;
  admission_date: string;
  discharge_date: string;
  costs: CostLine[];
  prior_compensation: Record<string, string>;
}

export interface LayerAccumulator {
  paid?: string;
  base?: string;
  admissions?: number;
}

/** A settlement request, every default filled in: what settleRequest takes. */
export interface SettlementRequest extends Bill {
  region: string;
  insured: Insured;
  ytd: YtdJson;
  claim_filed_on: string | null;
}

/** The request as JSON carries it (CLI v1, the sync protocol): what has a default may be left out. */
export interface SettlementRequestJson extends Omit<
  SettlementRequest,
  'insured' | 'ytd' | 'prior_compensation' | 'claim_filed_on'
> {
  insured: Omit<Insured, 'enrolled' | 'suspended_years'> & Partial<Pick<Insured, 'enrolled' | 'suspended_years'>>;
  ytd?: SettlementRequest['ytd'];
  prior_compensation?: SettlementRequest['prior_compensation'];
  claim_filed_on?: string;
}

const cost = z.strictObject({
  date,
  ...(Object.fromEntries(COST_AMOUNT_FIELDS.map((f) => [f, amountFor(f)])) as Record<keyof CostAmounts, typeof amount>),
}) satisfies z.ZodType<CostLine>;

const ACCUMULATOR_JSON: Record<keyof LayerAccumulator, Record<string, unknown>> = {
  paid: { type: 'string', pattern: AMOUNT_PATTERN.source },
  base: { type: 'string', pattern: AMOUNT_PATTERN.source },
  admissions: { type: 'integer', minimum: 0, maximum: 9999 },
};
const accumulatorJson = (...fields: (keyof LayerAccumulator)[]) => ({
  type: 'object',
  properties: Object.fromEntries(fields.map((f) => [f, ACCUMULATOR_JSON[f]])),
  additionalProperties: false,
});

const accumulator = z.strictObject({
  paid: amount.optional(),
  base: amount.optional(),
  admissions: count.optional(),
}) satisfies z.ZodType<LayerAccumulator>;

const yearAccumulators = withJson(
  z.record(layerKey, accumulator).superRefine((layers, ctx) => {
    for (const [id, acc] of Object.entries(layers)) {
      const wrong =
        id === BASIC_LAYER_ID
          ? acc.base !== undefined
            ? 'base'
            : null
          : acc.admissions !== undefined
            ? 'admissions'
            : null;
      if (wrong) {
        ctx.addIssue({
          code: 'custom',
          path: [id, wrong],
          message: `"${id}" 没有 "${wrong}" 累计值`,
          params: { code: 'unknown_field', en: `"${id}" has no "${wrong}" accumulator` },
        });
      }
    }
  }),
  // The same rule as a JSON Schema: "basic" has no base, the other layers no admissions.
  {
    properties: { [BASIC_LAYER_ID]: accumulatorJson('paid', 'admissions') },
    additionalProperties: accumulatorJson('paid', 'base'),
  },
);

// insured.ts's enrolment and suspension, their year keys as patterns.
const YEAR_JSON = { type: 'string', pattern: YEAR_PATTERN.source };
jsonShapes.add(enrolmentValue, {
  anyOf: [{ type: 'boolean' }, { type: 'object', propertyNames: YEAR_JSON, additionalProperties: { type: 'boolean' } }],
});
jsonShapes.add(suspendedYears, { items: YEAR_JSON });

export const settlementRequestSchema = z.strictObject({
  region: z.string().min(1),
  insured: z.strictObject({
    scheme: z.string(),
    retired: z.boolean(),
    medical_assistance: z.boolean(),
    /** Per layer: a boolean for every year of the stay, or year → boolean (docs/settlement-model.md#eligibility). */
    enrolled: z.record(layerKey, enrolmentValue).optional(),
    /** Years in which basic benefits are suspended (达州 第十一条, 庆阳 四, 德阳 第九条). */
    suspended_years: suspendedYears.optional(),
  }),
  hospital_level: hospitalLevel,
  admission_date: date,
  discharge_date: date,
  costs: z.array(cost),
  ytd: z.record(yearKey, yearAccumulators).optional(),
  /** Paid for this stay by schemes not modelled here (公务员医疗补助, 职工补充医疗保险), per year (江阴 二(三)). */
  prior_compensation: z.record(yearKey, amount).optional(),
  /** Manual claims: the day the claim is filed, for the layers' filing limits (德阳 第十四条). */
  claim_filed_on: date.optional(),
}) satisfies z.ZodType<WithAnyScheme<SettlementRequestJson>>;

/** The scheme as the shape reads it: any string, refused as unknown_scheme by checkRequest (after the region). */
type WithAnyScheme<R extends { insured: { scheme: SchemeId } }> = Omit<R, 'insured'> & {
  insured: Omit<R['insured'], 'scheme'> & { scheme: string };
};

/**
 * Reads the request's shape (zod): JSON types, amounts, dates, field names,
 * with the defaults filled in. Nothing is checked against the rules here: the
 * scheme may still be unknown (checkRequest refuses it). Throws DeskError
 * naming the field.
 */
export function parseRequestShape(input: unknown): SettlementRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DeskError('invalid_field', '', '请求须为 JSON 对象', 'the request must be a JSON object');
  }
  const parsed = settlementRequestSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw fromZodError(parsed.error);
  return withDefaults(parsed.data);
}

/**
 * The request's shape as a JSON Schema (draft 2020-12): settlementRequestSchema
 * through z.toJSONSchema, with the rules zod cannot export (amounts, real
 * dates, hospital levels, key patterns, which accumulators a layer has)
 * stated as JSON Schema keywords. It accepts exactly what the zod schema
 * accepts for JSON values (test/request-validator.test.ts compares the two).
 * The compiled validator request-validator.generated.ts is built from it
 * (cli/request-validator.ts).
 */
export function settlementRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(settlementRequestSchema, {
    io: 'input',
    unrepresentable: 'any',
    metadata: jsonShapes,
  }) as Record<string, unknown>;
}

/** The shape as read (zod's output, or a JSON value the compiled validator accepted), defaults filled in. */
function withDefaults(req: WithAnyScheme<SettlementRequestJson>): SettlementRequest {
  return {
    region: req.region,
    insured: {
      // checkRequest refuses a scheme not in SCHEME_IDS (after an unknown region).
      scheme: req.insured.scheme as SchemeId,
      retired: req.insured.retired,
      medical_assistance: req.insured.medical_assistance,
      enrolled: req.insured.enrolled ?? {},
      suspended_years: req.insured.suspended_years ?? [],
    },
    hospital_level: req.hospital_level,
    admission_date: req.admission_date,
    discharge_date: req.discharge_date,
    costs: req.costs,
    ytd: req.ytd ?? {},
    prior_compensation: req.prior_compensation ?? {},
    claim_filed_on: req.claim_filed_on ?? null,
  };
}

/**
 * parseRequestShape in one compiled pass, for JSON values (what JSON.parse
 * returns: the CLI, the sync protocol's bodies): the validator generated from
 * settlementRequestJsonSchema checks the whole shape; only when it fails does
 * zod read the request again, to name the field and word the error exactly as
 * parseRequestShape does. The request is not copied: its arrays and objects
 * are the input's.
 */
export function readRequestShape(input: unknown): SettlementRequest {
  if (validateRequestJson(input)) return withDefaults(input as WithAnyScheme<SettlementRequestJson>);
  return parseRequestShape(input);
}

/**
 * Validates an untrusted JSON request: its shape (readRequestShape), then
 * against the rules (checkRequest). Throws DeskError naming the field.
 */
export function parseSettlementRequest(input: unknown, rules: RuleSet): SettlementRequest {
  const req = readRequestShape(input);
  checkRequest(req, rules);
  return req;
}
