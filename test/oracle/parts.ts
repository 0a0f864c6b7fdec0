/**
 * Splitting a stay into parts (docs/settlement-model.md#decision-parts): one per
 * (calendar year, rule version, status of each layer on the cost's date).
 */
import { addMonths, yearOf } from '../../shared/dates.js';
import { DeskError } from '../../shared/errors.js';
import {
  SCHEME_NAMES,
  basicPeriod,
  inPeriod,
  layerPeriod,
  type LayerRules,
  type RulePackage,
} from '../../shared/rules/schema.js';
import type { RuleSet } from '../../shared/rules/ruleset.js';
import type { Cost } from './costs.js';
import type { SettlementRequest } from '../../shared/engine/request.js';

/** Why a layer of the scheme pays nothing for a part, decided per cost date. */
export type LayerStatus = 'pays' | 'not_in_force' | 'filing_expired';

export interface Part {
  year: number;
  pkg: RulePackage;
  /** Every layer of the package for the scheme, in order, with its status on this part's dates. */
  layers: { layer: LayerRules; status: LayerStatus }[];
  costs: Cost[];
}

/**
 * Splits the costs into parts, one per (calendar year, rule version, status of
 * each layer on the cost's date), in date order
 * (docs/settlement-model.md#decision-parts). A cost is refused only where no basic parameters are in force
 * on its date, or where the person's basic benefits are suspended that year.
 */
export function splitIntoParts(req: SettlementRequest, costs: readonly Cost[], rules: RuleSet): Part[] {
  const order = [...costs].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.index - b.index));
  const parts: Part[] = [];
  const suspended = new Set(req.insured.suspended_years);
  let lastKey = '';
  for (const c of order) {
    const pkg = rules.versionFor(req.region, c.date);
    const basic = pkg?.schemes[req.insured.scheme];
    if (!pkg || (basic && !inPeriod(basicPeriod(pkg, basic), c.date))) {
      const region = rules.versions(req.region)[0]?.region.name ?? req.region;
      throw new DeskError(
        'no_rule_in_force',
        `costs[${c.index}].date`,
        `${region} 在 ${c.date} 没有生效的基本医保规则`,
        `no basic rules of ${req.region} are in force on ${c.date}`,
      );
    }
    if (basic === undefined) {
      throw new DeskError(
        'scheme_not_covered',
        'insured.scheme',
        `${pkg.region.name} 规则 ${pkg.version} 不含 ${SCHEME_NAMES[req.insured.scheme]}`,
        `scheme ${req.insured.scheme} is not covered by ${req.region} rules ${pkg.version}`,
      );
    }
    const year = yearOf(c.date);
    if (suspended.has(String(year))) {
      throw new DeskError(
        'benefits_suspended',
        `costs[${c.index}].date`,
        `参保人 ${year} 年基本医保待遇暂停（等待期或中断缴费），${c.date} 的费用不能按医保结算：请按自费收取，或待遇恢复后办理手工报销`,
        `the person's basic benefits are suspended in ${year} (waiting period or arrears): the cost of ${c.date} cannot be settled by insurance; take it as self-pay, or file a manual claim once benefits are restored`,
      );
    }
    const layers = pkg.layers
      .filter((l) => l.schemes.includes(req.insured.scheme))
      .map((layer) => ({ layer, status: layerStatus(req, pkg, layer, c.date) }));
    const key = `${year}|${pkg.region.id}/${pkg.version}|${layers.map((l) => l.status).join(',')}`;
    const last = parts[parts.length - 1];
    if (last && key === lastKey) last.costs.push(c);
    else parts.push({ year, pkg, layers, costs: [c] });
    lastKey = key;
  }
  return parts;
}

/** Whether a layer pays for a cost of this date: its own period, then (manual claims) its filing limit. */
function layerStatus(req: SettlementRequest, pkg: RulePackage, layer: LayerRules, date: string): LayerStatus {
  if (!inPeriod(layerPeriod(pkg, layer), date)) return 'not_in_force';
  const limit = layer.filing_limit;
  if (limit && req.claim_filed_on !== null && req.claim_filed_on > addMonths(date, limit.months))
    return 'filing_expired';
  return 'pays';
}
