/**
 * The request against the rules (pure TypeScript, no zod): the region is
 * installed, the scheme exists, every layer id it names is the region's, every
 * year it names is in the stay, admission is not before 1990, discharge is
 * not before admission, there are costs, each is dated within the stay, and
 * their totals are within the amount limit (shared/limits.ts). settleRequest runs it on every
 * request, parsed (settle) or built by trusted code (the terminal's service),
 * so both paths refuse the same request with the same error.
 */
import { yearsBetween } from '../dates.js';
import { DeskError, formatPath } from '../errors.js';
import { BASIC_LAYER_ID, SCHEME_IDS } from '../rules/schema.js';
import type { RuleSet } from '../rules/ruleset.js';
import type { SettlementRequest } from './request.js';
import { COST_AMOUNT_FIELDS } from './cost-line.js';
import { MAX_AMOUNT, admissionProblem, limitError, totalsProblem } from '../limits.js';
import { parseFen } from './exact.js';

/** Per rule set (immutable once built), each region's layer ids: built once, not per request. */
const layerIdCache = new WeakMap<RuleSet, Map<string, ReadonlySet<string>>>();

function regionLayerIds(rules: RuleSet, region: string): ReadonlySet<string> {
  let byRegion = layerIdCache.get(rules);
  if (!byRegion) layerIdCache.set(rules, (byRegion = new Map()));
  let ids = byRegion.get(region);
  if (!ids) byRegion.set(region, (ids = rules.layerIds(region)));
  return ids;
}

function unknownLayer(field: string, id: string, region: string, known: ReadonlySet<string>): DeskError {
  const list = [...known].join(', ') || '—';
  return new DeskError(
    'unknown_field',
    field,
    `统筹区 ${region} 没有层级 "${id}"（有：${list}）`,
    `region ${region} has no layer "${id}" (it has: ${list})`,
  );
}

/** Throws DeskError naming the field when the request does not fit the rules or its own stay. */
export function checkRequest(req: SettlementRequest, rules: RuleSet): void {
  if (!rules.hasRegion(req.region)) {
    throw new DeskError(
      'unknown_region',
      'region',
      `未知统筹区 "${req.region}"（已安装：${rules.regions().join('、')}）`,
      `unknown region "${req.region}" (installed: ${rules.regions().join(', ')})`,
    );
  }
  const scheme: string = req.insured.scheme;
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
  // (The stay's years are built only when a field needs them.)
  const layerIds = regionLayerIds(rules, req.region);
  let stayYearsOf: string[] | undefined;
  const inStay = (y: string) =>
    (stayYearsOf ??= yearsBetween(req.admission_date, req.discharge_date).map(String)).includes(y);
  const outsideStay = (field: string, y: string) =>
    new DeskError(
      'invalid_field',
      field,
      `${y} 年不在住院期间（${req.admission_date} 至 ${req.discharge_date}）内`,
      `year ${y} is outside the stay ${req.admission_date}..${req.discharge_date}`,
    );
  for (const id of Object.keys(req.insured.enrolled)) {
    if (!layerIds.has(id)) throw unknownLayer(`insured.enrolled.${id}`, id, req.region, layerIds);
    const e = req.insured.enrolled[id];
    if (typeof e === 'object')
      for (const y of Object.keys(e)) if (!inStay(y)) throw outsideStay(`insured.enrolled.${id}.${y}`, y);
  }
  for (const y of Object.keys(req.prior_compensation)) if (!inStay(y)) throw outsideStay(`prior_compensation.${y}`, y);
  for (const year of Object.keys(req.ytd)) {
    for (const id of Object.keys(req.ytd[year]!)) {
      if (id !== BASIC_LAYER_ID && !layerIds.has(id)) throw unknownLayer(`ytd.${year}.${id}`, id, req.region, layerIds);
    }
  }
  // The limits at entry (shared/limits.ts): no admission before 1990; the bill's totals within what the protocol and the slip carry.
  const early = admissionProblem(req.admission_date);
  if (early) throw limitError('admission_date', early);
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
  for (let i = 0; i < req.costs.length; i++) {
    const c = req.costs[i]!;
    if (c.date < req.admission_date || c.date > req.discharge_date) {
      throw new DeskError(
        'cost_outside_stay',
        `${formatPath(['costs', i])}.date`,
        `费用日期 ${c.date} 不在住院期间 ${req.admission_date} 至 ${req.discharge_date} 内`,
        `cost date ${c.date} is outside the stay ${req.admission_date}..${req.discharge_date}`,
      );
    }
  }
  if (!totalsWithinLimit(req.costs)) {
    const total = totalsProblem(req.costs, COST_AMOUNT_FIELDS);
    if (total) throw limitError(['costs', ...total.path], total.problem);
  }
}

const PLAIN_AMOUNT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
const MAX_FEN = parseFen(MAX_AMOUNT);

/**
 * The usual case of totalsProblem, in integer fen without BigInt: every amount a plain amount of at
 * most 12 integer digits and every field's total within MAX_AMOUNT. Each amount is < 10^14 fen and
 * the sum is checked after each line, so no running sum passes 2 × 10^14 (a safe integer). Anything
 * else (a total beyond the limit, a text that is not a plain amount) goes to totalsProblem, which
 * words the error exactly as before.
 */
function totalsWithinLimit(costs: SettlementRequest['costs']): boolean {
  for (const f of COST_AMOUNT_FIELDS) {
    let sum = 0;
    for (const c of costs) {
      const v = c[f];
      if (typeof v !== 'string' || !PLAIN_AMOUNT.test(v)) return false;
      sum += parseFen(v);
      if (sum > MAX_FEN) return false;
    }
  }
  return true;
}
