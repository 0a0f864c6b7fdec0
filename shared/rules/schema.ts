/**
 * The rule package: the insurer's rules as data, not code (domain.md §3).
 *
 * One schema, defined here once. It validates every package on load (bundled or
 * received from the insurer) and is exported as JSON Schema for the insurer
 * (`npm run schema` writes docs/rule-package.schema.json).
 *
 * Every rule carries the policy article it comes from and whether its values
 * are published by the policy or are samples standing in for figures the
 * policy does not state.
 */
import { z } from 'zod';
import { DECIMAL_PATTERN, AMOUNT_PATTERN, Decimal } from '../money.js';
import { isRealDate } from '../dates.js';

export const PACKAGE_FORMAT = 'discharge-desk/rule-package@1';

export const SCHEME_IDS = ['employee', 'resident'] as const;
export type SchemeId = (typeof SCHEME_IDS)[number];
export const SCHEME_NAMES: Record<SchemeId, string> = {
  employee: '职工基本医疗保险',
  resident: '城乡居民基本医疗保险',
};

/** The national setlinfo fields a fund's payment is reported in (domain.md §2). */
export const FUND_FIELDS = [
  'hifp_pay',
  'cvlserv_pay',
  'hifes_pay',
  'hifmi_pay',
  'hifob_pay',
  'maf_pay',
  'oth_pay',
] as const;
export type FundField = (typeof FUND_FIELDS)[number];

/** The three segments the basic layer hands to later layers (domain.md §3). */
export const SEGMENTS = ['deductible', 'coinsurance', 'over_cap'] as const;
export type Segment = (typeof SEGMENTS)[number];
export const SEGMENT_NAMES: Record<Segment, string> = {
  deductible: '起付线',
  coinsurance: '个人比例负担',
  over_cap: '基本医保最高支付限额以上',
};

/** Person attributes a modifier can key on. */
export const MODIFIER_CONDITIONS = ['medical_assistance', 'retired'] as const;
export type ModifierCondition = (typeof MODIFIER_CONDITIONS)[number];

/** What a layer can require of the person: enrolment (or contribution) in it, or being an assistance recipient. */
export const ELIGIBILITY_REQUIREMENTS = ['enrolment', 'medical_assistance'] as const;

export const BASIC_LAYER_ID = 'basic';
export const LAYER_ID_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

const en = (code: string, english: string) => ({ params: { code, en: english } });

const amount = z.string().regex(AMOUNT_PATTERN, {
  message: '须为非负金额，最多两位小数',
  ...en('invalid_rule_package', 'must be a non-negative amount with at most two decimals'),
});
const decimal = z.string().regex(DECIMAL_PATTERN, {
  message: '须为非负十进制数',
  ...en('invalid_rule_package', 'must be a non-negative decimal number'),
});
const rate = decimal.refine((s) => new Decimal(s).lessThanOrEqualTo(1), {
  message: '比例须在 0 到 1 之间',
  ...en('invalid_rule_package', 'a rate must be between 0 and 1'),
});
const positiveRate = rate.refine((s) => new Decimal(s).greaterThan(0), {
  message: '比例须大于 0',
  ...en('invalid_rule_package', 'a rate must be greater than 0'),
});
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式须为 YYYY-MM-DD' })
  .refine(isRealDate, {
    message: '须为真实存在的日期 YYYY-MM-DD',
    ...en('invalid_rule_package', 'must be a real date YYYY-MM-DD'),
  });
const text = z.string().min(1).max(500);
const layerId = z.string().regex(LAYER_ID_PATTERN, { message: '层级编号须为小写字母、数字和下划线' });

/** Published by the policy, or a sample value standing in until the insurer's package replaces it. */
const valueStatus = z.enum(['published', 'sample']);

const fund = z.strictObject({
  field: z.enum(FUND_FIELDS).describe('national setlinfo field the payment is reported in'),
  fund_pay_type: z.string().regex(/^\d{6}$/, { message: 'fund_pay_type 须为 6 位数字' }),
  name: text,
});

const perLevel = <T extends z.ZodType>(value: T) => z.strictObject({ '1': value, '2': value, '3': value });

/**
 * When a part of the package is in force (domain.md §3, corrected 2026-11-30):
 * the basic parameters and each layer have their own period. Absent (packages
 * before 2026-11-30): the package's own period.
 */
const period = z.strictObject({
  from: isoDate,
  to: isoDate.nullable(),
  article: text.optional().describe('the policy article that sets the period'),
});

const basicRules = z.strictObject({
  fund,
  deductible: perLevel(amount).describe('起付线 per hospital level'),
  subsequent_admission_factor: decimal.describe('deductible factor for the 2nd and later admissions of a year'),
  ratio: perLevel(positiveRate).describe('统筹基金支付比例 per hospital level'),
  retired_increment: rate.describe('added to the ratio for retired employees'),
  annual_cap: amount.describe('统筹基金年度最高支付限额'),
  status: valueStatus,
  article: text,
  effective: period.optional().describe("when these basic parameters are in force; absent = the package's period"),
});

const band = z.strictObject({
  to: amount.nullable().describe('upper end of the band (inclusive); null = no upper end'),
  rate,
});

const layerPart = z.strictObject({
  kind: z
    .enum(['banded', 'flat'])
    .describe('banded: bands apply to the cumulative base of the year; flat: to this claim alone'),
  base: z.array(z.enum(SEGMENTS)).min(1).describe('segments summed into the base'),
  threshold: amount.describe('起付标准: where the first band starts'),
  /** A year whose threshold is set (or published) apart from the default, e.g. 江阴's published 2020 value. */
  threshold_by_year: z
    .record(
      z.string().regex(/^\d{4}$/, { message: '年度须为四位数字' }),
      z.strictObject({ amount, status: valueStatus, article: text }),
    )
    .optional()
    .describe('per calendar year: the threshold and whether it is published; other years use threshold and status'),
  bands: z.array(band).min(1),
  status: valueStatus,
  article: text,
});

const cap = z.strictObject({ amount, status: valueStatus, article: text });

const combinedCap = cap.extend({
  with: z.array(layerId).min(1).describe('the layers (basic included) whose payments share this cap'),
});

const modifier = z.strictObject({
  when: z.enum(MODIFIER_CONDITIONS),
  threshold_factor: decimal,
  rate_add: rate.describe('added to every band rate'),
  description: text,
  article: text,
});

const layer = z.strictObject({
  id: layerId,
  name: text,
  fund,
  schemes: z.array(z.enum(SCHEME_IDS)).min(1),
  eligibility: z
    .strictObject({ requires: z.enum(ELIGIBILITY_REQUIREMENTS), condition: text, article: text })
    .nullable()
    .describe(
      'enrolment: pays only if insured.enrolled.<layer id> is true; medical_assistance: only for assistance recipients',
    ),
  parts: z.array(layerPart).min(1),
  annual_cap: cap.nullable(),
  combined_cap: combinedCap.nullable(),
  modifiers: z.array(modifier),
  effective: period.optional().describe("when this layer is in force; absent = the package's period"),
  net_of_prior: z
    .strictObject({ article: text })
    .nullable()
    .optional()
    .describe(
      "set: the layer's base is net of the request's prior_compensation for the year (江阴 二(三)), never below zero",
    ),
  filing_limit: z
    .strictObject({ months: z.number().int().min(1).max(120), article: text })
    .nullable()
    .optional()
    .describe(
      'a manual claim filed later than this many months after a cost date gets nothing from this layer for that cost (德阳 第十四条)',
    ),
});

export const rulePackageSchema = z
  .strictObject({
    format: z.literal(PACKAGE_FORMAT),
    /** name_en: the region's name in the window's English (optional; the Chinese name is the one printed). */
    region: z.strictObject({ id: layerId, name: text, name_en: text.optional() }),
    version: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/),
    effective: z.strictObject({ from: isoDate, to: isoDate.nullable() }),
    source: z.strictObject({ title: text, document: text, url: z.string().max(500).nullable() }),
    schemes: z.strictObject({ employee: basicRules.optional(), resident: basicRules.optional() }),
    layers: z.array(layer),
    in_policy_ceiling: z.strictObject({ article: text }).describe('basic + all layers ≤ in-policy amount, per part'),
    manual_claims: z
      .strictObject({ filing_limit_months: z.number().int().min(1).max(120), article: text })
      .nullable()
      .optional()
      .describe(
        'packages before 2026-11-30 only: a whole claim past this many months is refused; newer packages set filing_limit per layer',
      ),
    notes: z.array(text),
  })
  .superRefine((pkg, ctx) => {
    const problem = (path: PropertyKey[], message: string, english: string) =>
      ctx.addIssue({ code: 'custom', path, message, params: { code: 'invalid_rule_package', en: english } });

    if (pkg.effective.to !== null && pkg.effective.to < pkg.effective.from) {
      problem(['effective', 'to'], '失效日期早于生效日期', 'effective.to is before effective.from');
    }
    const checkPeriod = (p: z.infer<typeof period> | undefined, path: PropertyKey[]) => {
      if (p && p.to !== null && p.to < p.from)
        problem([...path, 'to'], '失效日期早于生效日期', 'effective.to is before effective.from');
    };
    for (const s of SCHEME_IDS) checkPeriod(pkg.schemes[s]?.effective, ['schemes', s, 'effective']);
    pkg.layers.forEach((l, i) => checkPeriod(l.effective, ['layers', i, 'effective']));
    const schemes = SCHEME_IDS.filter((s) => pkg.schemes[s] !== undefined);
    if (schemes.length === 0) problem(['schemes'], '至少需要一个险种', 'at least one scheme is required');
    for (const s of schemes) {
      const basic = pkg.schemes[s]!;
      for (const level of ['1', '2', '3'] as const) {
        if (new Decimal(basic.ratio[level]).plus(basic.retired_increment).greaterThan(1)) {
          problem(
            ['schemes', s, 'retired_increment'],
            '支付比例加退休增加比例超过 100%',
            'ratio plus retired increment exceeds 100%',
          );
        }
      }
    }
    const seen = new Set<string>([BASIC_LAYER_ID]);
    pkg.layers.forEach((l, i) => {
      if (seen.has(l.id))
        problem(['layers', i, 'id'], `层级编号 "${l.id}" 重复或保留`, `layer id "${l.id}" is duplicated or reserved`);
      seen.add(l.id);
      l.schemes.forEach((s, j) => {
        if (pkg.schemes[s] === undefined)
          problem(
            ['layers', i, 'schemes', j],
            `险种 ${s} 没有基本医保参数`,
            `scheme ${s} has no basic rules in this package`,
          );
      });
      if (l.parts.filter((p) => p.kind === 'banded').length > 1) {
        problem(
          ['layers', i, 'parts'],
          '每个层级最多一个累计分段部分',
          'a layer has at most one banded part (its cumulative base is one accumulator)',
        );
      }
      l.parts.forEach((p, j) => {
        let from = new Decimal(p.threshold);
        p.bands.forEach((b, k) => {
          const path = ['layers', i, 'parts', j, 'bands', k];
          if (b.to === null && k !== p.bands.length - 1)
            problem([...path, 'to'], '只有最后一段可以不设上限', 'only the last band may be open-ended');
          if (b.to !== null) {
            if (!new Decimal(b.to).greaterThan(from))
              problem([...path, 'to'], '分段上限须大于起点', 'band upper end must be above its start');
            from = new Decimal(b.to);
          }
          const boost = l.modifiers.reduce((acc, m) => acc.plus(m.rate_add), new Decimal(0));
          if (new Decimal(b.rate).plus(boost).greaterThan(1))
            problem([...path, 'rate'], '加上倾斜比例后超过 100%', 'rate plus modifiers exceeds 100%');
        });
      });
      if (l.combined_cap) {
        l.combined_cap.with.forEach((id, j) => {
          const known = id === BASIC_LAYER_ID || pkg.layers.some((o) => o.id === id);
          if (!known) problem(['layers', i, 'combined_cap', 'with', j], `未知层级 "${id}"`, `unknown layer "${id}"`);
        });
        if (!l.combined_cap.with.includes(l.id)) {
          problem(
            ['layers', i, 'combined_cap', 'with'],
            '合并限额须包含本层级',
            'a combined cap must include its own layer',
          );
        }
      }
    });
  });

export type RulePackage = z.infer<typeof rulePackageSchema>;
export type BasicRules = z.infer<typeof basicRules>;
export type LayerRules = z.infer<typeof layer>;
export type LayerPartRules = z.infer<typeof layerPart>;
export type Period = z.infer<typeof period>;

/** The basic parameters' period (the package's where the package states none). */
export function basicPeriod(pkg: RulePackage, basic: BasicRules): Period {
  return basic.effective ?? pkg.effective;
}

/** A layer's period (the package's where the package states none). */
export function layerPeriod(pkg: RulePackage, layer: LayerRules): Period {
  return layer.effective ?? pkg.effective;
}

export function inPeriod(p: Period, date: string): boolean {
  return p.from <= date && (p.to === null || date <= p.to);
}

export function periodText(p: Period): string {
  return p.to === null ? `${p.from} 起` : `${p.from} 至 ${p.to}`;
}
export type HospitalLevel = 1 | 2 | 3;
