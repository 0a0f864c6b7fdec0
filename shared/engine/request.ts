/**
 * The settlement request (v1), as hospital systems send it to the CLI and as the
 * UI builds it. Amounts are decimal strings; dates ISO. Validation names the
 * field and the problem; nothing is guessed or silently defaulted except what
 * the contract says (missing accumulators are zero, missing enrolment flags
 * are false).
 */
import { z } from 'zod';
import { amountProblem } from '../money.js';
import { isRealDate, yearsBetween } from '../dates.js';
import { enrolmentValue, suspendedYears, type Enrolment } from './insured.js';
import { DeskError, fromZodError, formatPath, type ErrorCode } from '../errors.js';
import { LAYER_ID_PATTERN, SCHEME_IDS, BASIC_LAYER_ID, type SchemeId, type HospitalLevel } from '../rules/schema.js';
import type { RuleSet } from '../rules/ruleset.js';

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

const amount = checked<string>((v) => {
  if (typeof v !== 'string')
    return {
      code: 'invalid_amount',
      zh: `金额须写成字符串形式的十进制数，如 "1234.50"（收到 ${JSON.stringify(v)}）`,
      en: `amount must be a decimal string such as "1234.50" (got ${JSON.stringify(v)})`,
    };
  const p = amountProblem(v);
  return p && { code: 'invalid_amount', ...p };
});

const date = checked<string>((v) =>
  typeof v === 'string' && isRealDate(v)
    ? null
    : {
        code: 'invalid_date',
        zh: `日期 ${JSON.stringify(v)} 不存在或格式不是 "YYYY-MM-DD"`,
        en: `${JSON.stringify(v)} is not a real date "YYYY-MM-DD"`,
      },
);

const hospitalLevel = checked<HospitalLevel>((v) =>
  v === 1 || v === 2 || v === 3
    ? null
    : {
        code: 'invalid_hospital_level',
        zh: `医院等级须为 1、2 或 3（收到 ${JSON.stringify(v)}）`,
        en: `hospital level must be 1, 2 or 3 (got ${JSON.stringify(v)})`,
      },
);

const count = z.number().int().min(0).max(9999);

const keyMatching = (pattern: RegExp, zh: string, en: string) =>
  z.string().refine((s) => pattern.test(s), { message: zh, params: { code: 'invalid_field', en } });
const layerKey = keyMatching(
  LAYER_ID_PATTERN,
  '层级编号无效（小写字母、数字、下划线）',
  'invalid layer id (lower-case letters, digits, underscore)',
);
const yearKey = keyMatching(/^\d{4}$/, '年度须为四位数字，如 "2026"', 'year must be four digits such as "2026"');

const cost = z.strictObject({
  date,
  medfee_sumamt: amount,
  fulamt_ownpay_amt: amount,
  overlmt_selfpay: amount,
  preselfpay_amt: amount,
});

const accumulator = z.strictObject({ paid: amount.optional(), base: amount.optional(), admissions: count.optional() });

const yearAccumulators = z.record(layerKey, accumulator).superRefine((layers, ctx) => {
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
});

export const settlementRequestSchema = z.strictObject({
  region: z.string().min(1),
  insured: z.strictObject({
    scheme: z.string(),
    retired: z.boolean(),
    medical_assistance: z.boolean(),
    /** Per layer: a boolean for every year of the stay, or year → boolean (domain.md §3, eligibility per year). */
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
});

type RawRequest = z.infer<typeof settlementRequestSchema>;

/** One cost line of a bill (national field names): the one declaration every other cost shape derives from. */
export interface CostLine {
  date: string;
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
}
/** A cost line's amounts without its date (an invoice's amounts, a row's amount fields). */
export type CostAmounts = Omit<CostLine, 'date'>;
export const COST_AMOUNT_FIELDS = [
  'medfee_sumamt',
  'fulamt_ownpay_amt',
  'overlmt_selfpay',
  'preselfpay_amt',
] as const satisfies readonly (keyof CostAmounts)[];

export interface LayerAccumulator {
  paid?: string;
  base?: string;
  admissions?: number;
}

export interface SettlementRequest {
  region: string;
  insured: {
    scheme: SchemeId;
    retired: boolean;
    medical_assistance: boolean;
    enrolled: Record<string, Enrolment>;
    suspended_years: string[];
  };
  hospital_level: HospitalLevel;
  admission_date: string;
  discharge_date: string;
  costs: CostLine[];
  ytd: Record<string, Record<string, LayerAccumulator>>;
  prior_compensation: Record<string, string>;
  claim_filed_on: string | null;
}

function unknownLayer(field: string, id: string, region: string, known: Set<string>): DeskError {
  const list = [...known].join(', ') || '—';
  return new DeskError(
    'unknown_field',
    field,
    `统筹区 ${region} 没有层级 "${id}"（有：${list}）`,
    `region ${region} has no layer "${id}" (it has: ${list})`,
  );
}

/** Validates an untrusted request; throws DeskError naming the field. */
export function parseSettlementRequest(input: unknown, rules: RuleSet): SettlementRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DeskError('invalid_field', '', '请求须为 JSON 对象', 'the request must be a JSON object');
  }
  const parsed = settlementRequestSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw fromZodError(parsed.error);
  const req: RawRequest = parsed.data;

  if (!rules.hasRegion(req.region)) {
    throw new DeskError(
      'unknown_region',
      'region',
      `未知统筹区 "${req.region}"（已安装：${rules.regions().join('、')}）`,
      `unknown region "${req.region}" (installed: ${rules.regions().join(', ')})`,
    );
  }
  const scheme = req.insured.scheme;
  if (!(SCHEME_IDS as readonly string[]).includes(scheme)) {
    throw new DeskError(
      'unknown_scheme',
      'insured.scheme',
      `未知险种 "${scheme}"（应为 employee 职工 或 resident 城乡居民）`,
      `unknown scheme "${scheme}" (employee or resident)`,
    );
  }
  // A layer id the region does not have is refused, not ignored: a misspelt
  // enrolment flag or accumulator would silently change the money.
  const layerIds = rules.layerIds(req.region);
  const stayYears = yearsBetween(req.admission_date, req.discharge_date).map(String);
  const outsideStay = (field: string, y: string) =>
    new DeskError(
      'invalid_field',
      field,
      `${y} 年不在住院期间（${req.admission_date} 至 ${req.discharge_date}）内`,
      `year ${y} is outside the stay ${req.admission_date}..${req.discharge_date}`,
    );
  for (const [id, e] of Object.entries(req.insured.enrolled ?? {})) {
    if (!layerIds.has(id)) throw unknownLayer(`insured.enrolled.${id}`, id, req.region, layerIds);
    if (typeof e === 'object')
      for (const y of Object.keys(e)) if (!stayYears.includes(y)) throw outsideStay(`insured.enrolled.${id}.${y}`, y);
  }
  for (const y of Object.keys(req.prior_compensation ?? {}))
    if (!stayYears.includes(y)) throw outsideStay(`prior_compensation.${y}`, y);
  for (const [year, layers] of Object.entries(req.ytd ?? {})) {
    for (const id of Object.keys(layers)) {
      if (id !== BASIC_LAYER_ID && !layerIds.has(id)) throw unknownLayer(`ytd.${year}.${id}`, id, req.region, layerIds);
    }
  }
  if (req.discharge_date < req.admission_date) {
    throw new DeskError(
      'discharge_before_admission',
      'discharge_date',
      `出院日期 ${req.discharge_date} 早于入院日期 ${req.admission_date}`,
      `discharge date ${req.discharge_date} is before admission date ${req.admission_date}`,
    );
  }
  if (req.costs.length === 0) {
    throw new DeskError(
      'no_costs',
      'costs',
      '没有费用明细，至少需要一条',
      'no costs: at least one cost line is required',
    );
  }
  req.costs.forEach((c, i) => {
    const field = formatPath(['costs', i]);
    if (c.date < req.admission_date || c.date > req.discharge_date) {
      throw new DeskError(
        'cost_outside_stay',
        `${field}.date`,
        `费用日期 ${c.date} 不在住院期间 ${req.admission_date} 至 ${req.discharge_date} 内`,
        `cost date ${c.date} is outside the stay ${req.admission_date}..${req.discharge_date}`,
      );
    }
  });

  return {
    region: req.region,
    insured: {
      scheme: scheme as SchemeId,
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
