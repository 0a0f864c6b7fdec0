/**
 * The settlement engine: domain.md §3, exactly.
 *
 * A stay is split into parts, one per (calendar year, rule version); each part
 * goes through the basic layer (deductible, ratio, annual cap → three
 * segments), then the package's layers in order (banded on the cumulative base
 * of the year, or flat on this claim), their annual and combined caps, and the
 * in-policy ceiling. decimal.js throughout; fund payments and segments are
 * rounded half-up to the cent and nothing else is.
 */
import {
  Decimal,
  ZERO,
  toCents,
  formatAmount as fmt,
  formatRate,
  minMoney,
  maxMoney,
  sumMoney,
  type Money,
} from '../money.js';
import { addMonths, yearOf } from '../dates.js';
import { DeskError } from '../errors.js';
import {
  BASIC_LAYER_ID,
  SEGMENT_NAMES,
  SCHEME_NAMES,
  basicPeriod,
  inPeriod,
  layerPeriod,
  periodText,
  type FundField,
  type LayerRules,
  type RulePackage,
  type Segment,
} from '../rules/schema.js';
import { enrolledIn } from './insured.js';
import type { RuleSet } from '../rules/ruleset.js';
import { compiled, type CompiledLayer, type CompiledPart } from '../rules/compiled.js';
import { Accumulators } from './accumulators.js';
import { parseSettlementRequest, type CostLine, type SettlementRequest } from './request.js';
import type { FundPayment, NationalFields, NotPaying, PartResult, SettlementResult, TraceStep } from './result.js';

const LEVEL_NAMES = { 1: '一级', 2: '二级', 3: '三级' } as const;
const ZERO_TEXT = '0.00';
const SAMPLE = '〔样例值〕';
const DECISION_PARTS = 'domain.md §3 决定：按（年度, 当日生效的层级）分段结算';
const DECISION_ONE_DEDUCTIBLE = 'domain.md §3 决定：每次住院只收取一次起付线，在第一段收取';

export interface SettleOptions {
  /**
   * Build the Chinese calculation trace (default true). Batch re-settlement
   * that only needs the amounts can turn it off; the amounts are identical.
   */
  trace?: boolean;
}

/** Validates the request and settles it. Throws DeskError on bad input. */
export function settle(input: unknown, rules: RuleSet, options: SettleOptions = {}): SettlementResult {
  return settleRequest(parseSettlementRequest(input, rules), rules, options);
}

/** Trace text, given as a thunk so that nothing is formatted when the trace is off. */
type Text = string | (() => string);

class Trace {
  readonly steps: TraceStep[] = [];
  constructor(readonly enabled: boolean) {}

  add(part: number | null, layer: string, step: string, text: Text, article: string | null): void {
    if (this.enabled) this.steps.push({ part, layer, step, text: typeof text === 'string' ? text : text(), article });
  }
}

interface CostTotals {
  medfee: Money;
  fulamt: Money;
  overlmt: Money;
  preself: Money;
}

interface Cost extends CostTotals {
  index: number;
  date: string;
}

/** Why a layer of the scheme pays nothing for a part, decided per cost date. */
type LayerStatus = 'pays' | 'not_in_force' | 'filing_expired';

interface Part {
  year: number;
  pkg: RulePackage;
  /** Every layer of the package for the scheme, in order, with its status on this part's dates. */
  layers: { layer: LayerRules; status: LayerStatus }[];
  costs: Cost[];
}

function parseCosts(lines: readonly CostLine[]): Cost[] {
  return lines.map((c, index) => ({
    index,
    date: c.date,
    medfee: new Decimal(c.medfee_sumamt),
    fulamt: new Decimal(c.fulamt_ownpay_amt),
    overlmt: new Decimal(c.overlmt_selfpay),
    preself: new Decimal(c.preselfpay_amt),
  }));
}

/**
 * Splits the costs into parts, one per (calendar year, rule version, status of
 * each layer on the cost's date), in date order (domain.md §3, corrected
 * 2026-11-30). A cost is refused only where no basic parameters are in force
 * on its date, or where the person's basic benefits are suspended that year.
 */
function splitIntoParts(req: SettlementRequest, costs: readonly Cost[], rules: RuleSet): Part[] {
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

function totals(costs: readonly CostTotals[]): CostTotals {
  if (costs.length === 1) return costs[0]!;
  let medfee = ZERO;
  let fulamt = ZERO;
  let overlmt = ZERO;
  let preself = ZERO;
  for (const c of costs) {
    medfee = medfee.plus(c.medfee);
    fulamt = fulamt.plus(c.fulamt);
    overlmt = overlmt.plus(c.overlmt);
    preself = preself.plus(c.preself);
  }
  return { medfee, fulamt, overlmt, preself };
}

function checkSelfPay(costs: readonly Cost[]): void {
  for (const c of costs) {
    const selfPay = c.fulamt.plus(c.overlmt).plus(c.preself);
    if (selfPay.greaterThan(c.medfee)) {
      throw new DeskError(
        'self_pay_exceeds_total',
        `costs[${c.index}]`,
        `全自费 + 超限价自费 + 先行自付 = ${fmt(selfPay)}，大于医疗费总额 ${fmt(c.medfee)}`,
        `fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt = ${fmt(selfPay)} exceeds medfee_sumamt ${fmt(c.medfee)}`,
      );
    }
  }
}

export function settleRequest(req: SettlementRequest, rules: RuleSet, options: SettleOptions = {}): SettlementResult {
  const costs = parseCosts(req.costs);
  checkSelfPay(costs);
  const parts = splitIntoParts(req, costs, rules);
  const acc = Accumulators.fromJson(req.ytd);
  const trace = new Trace(options.trace ?? true);
  // Prior compensation per year, consumed by the layers that are net of it, across the year's parts (江阴 二(三)).
  const priors = new Map<number, PriorLeft>();
  const priorLeft = (year: number): PriorLeft => {
    let p = priors.get(year);
    if (!p) priors.set(year, (p = { left: new Decimal(req.prior_compensation[String(year)] ?? '0') }));
    return p;
  };
  const settled = parts.map((part, index) => settlePart(req, part, index, parts.length, acc, trace, priorLeft));

  const first = parts[0]!.pkg;
  const all = totals(costs);
  const fundTotals = new Map<string, Money>();
  const details = new Map<string, Omit<FundPayment, 'amount'>>();
  parts.forEach((part, index) => {
    const { paid } = settled[index]!;
    const basic = part.pkg.schemes[req.insured.scheme]!;
    details.set(BASIC_LAYER_ID, {
      layer: BASIC_LAYER_ID,
      name: basic.fund.name,
      field: basic.fund.field,
      fund_pay_type: basic.fund.fund_pay_type,
    });
    for (const l of part.pkg.layers) {
      if (l.schemes.includes(req.insured.scheme))
        details.set(l.id, { layer: l.id, name: l.fund.name, field: l.fund.field, fund_pay_type: l.fund.fund_pay_type });
    }
    for (const [id, amount] of paid) {
      const before = fundTotals.get(id);
      fundTotals.set(id, before === undefined ? amount : before.plus(amount));
    }
  });

  const byField: Partial<Record<FundField, Money>> = {};
  const fundDetails: FundPayment[] = [];
  const funds: Record<string, string> = {};
  for (const [id, d] of details) {
    const amount = fundTotals.get(id) ?? ZERO;
    const sofar = byField[d.field];
    byField[d.field] = sofar === undefined ? amount : sofar.plus(amount);
    const text = fmt(amount);
    funds[id] = text;
    fundDetails.push({ layer: d.layer, name: d.name, field: d.field, fund_pay_type: d.fund_pay_type, amount: text });
  }
  const fundSum = sumMoney(fundTotals.values());
  const personal = all.medfee.minus(fundSum);
  const personalText = fmt(personal);
  // A single part (the usual case) already has the bill's figures formatted.
  const only = settled.length === 1 ? settled[0]!.result : null;
  const field = (f: FundField) => {
    const v = byField[f];
    return v === undefined ? ZERO_TEXT : fmt(v);
  };
  const national: NationalFields = {
    medfee_sumamt: only ? only.medfee_sumamt : fmt(all.medfee),
    fulamt_ownpay_amt: only ? only.fulamt_ownpay_amt : fmt(all.fulamt),
    overlmt_selfpay: only ? only.overlmt_selfpay : fmt(all.overlmt),
    preselfpay_amt: only ? only.preselfpay_amt : fmt(all.preself),
    inscp_scp_amt: only ? only.inscp_scp_amt : fmt(all.medfee.minus(all.fulamt).minus(all.overlmt).minus(all.preself)),
    act_pay_dedc: only ? only.act_pay_dedc : fmt(sumMoney(settled.map((p) => p.deductible))),
    hifp_pay: field('hifp_pay'),
    cvlserv_pay: field('cvlserv_pay'),
    hifes_pay: field('hifes_pay'),
    hifmi_pay: field('hifmi_pay'),
    hifob_pay: field('hifob_pay'),
    maf_pay: field('maf_pay'),
    oth_pay: field('oth_pay'),
    fund_pay_sumamt: fmt(fundSum),
    psn_part_amt: personalText,
    acct_pay: ZERO_TEXT,
    psn_cash_pay: personalText,
  };
  trace.add(
    null,
    'settlement',
    'cash',
    () => `个人现金支付 = 医疗费总额 ${fmt(all.medfee)} − 基金支付合计 ${fmt(fundSum)} = ${fmt(personal)}`,
    null,
  );

  return {
    region: req.region,
    region_name: first.region.name,
    scheme: req.insured.scheme,
    ...national,
    funds,
    fund_details: fundDetails,
    parts: settled.map((p) => p.result),
    ytd_after: acc.toJson(),
    trace: trace.steps,
  };
}

function settlePart(
  req: SettlementRequest,
  part: Part,
  index: number,
  partCount: number,
  acc: Accumulators,
  trace: Trace,
  priorLeft: (year: number) => PriorLeft,
): SettledPart {
  const { pkg, year } = part;
  const scheme = req.insured.scheme;
  const level = req.hospital_level;
  const rules = pkg.schemes[scheme]!;
  const numbers = compiled(pkg).schemes[scheme]!;
  const say = (layer: string, step: string, text: Text, article: string | null) =>
    trace.add(index, layer, step, text, article);
  const t = totals(part.costs);
  const dates = part.costs.map((c) => c.date);
  const firstDate = dates[0]!;
  const lastDate = dates[dates.length - 1]!;
  let usesSample = rules.status === 'sample';

  if (partCount > 1) {
    say(
      'settlement',
      'part',
      () =>
        `第 ${index + 1} 段（共 ${partCount} 段）：${year} 年 ${firstDate} 至 ${lastDate} 的费用，适用 ${pkg.region.name} 规则 ${pkg.version}（${pkg.effective.from} 起）` +
        `；本段支付的层级：${['基本医保', ...part.layers.filter((l) => l.status === 'pays').map((l) => l.layer.name)].join('、')}`,
      DECISION_PARTS,
    );
  } else {
    say(
      'settlement',
      'part',
      () =>
        `${year} 年费用，适用 ${pkg.region.name} 规则 ${pkg.version}（${pkg.effective.from} 起${pkg.effective.to ? `，至 ${pkg.effective.to}` : ''}）`,
      null,
    );
  }

  // In-policy amount P (inscp_scp_amt).
  const P = t.medfee.minus(t.fulamt).minus(t.overlmt).minus(t.preself);
  say(
    BASIC_LAYER_ID,
    'in_policy',
    () =>
      `政策范围内费用 = 医疗费总额 ${fmt(t.medfee)} − 全自费 ${fmt(t.fulamt)} − 超限价自费 ${fmt(t.overlmt)} − 先行自付 ${fmt(t.preself)} = ${fmt(P)}`,
    null,
  );

  // Deductible: once per admission, in the first part (domain.md §3).
  const ytd = acc.year(year);
  const prior = priorLeft(year);
  const sample = rules.status === 'sample' ? SAMPLE : '';
  let D: Money;
  if (index === 0) {
    const full = numbers.deductible[level];
    const later = ytd.admissions > 0;
    const d = later ? toCents(full.times(numbers.subsequentFactor)) : full;
    D = minMoney(P, d);
    say(
      BASIC_LAYER_ID,
      'deductible',
      () =>
        `${LEVEL_NAMES[level]}医院起付线 ${fmt(full)}${sample}` +
        (later ? `；本年第 ${ytd.admissions + 1} 次住院，× ${numbers.subsequentFactor.toString()} = ${fmt(d)}` : '') +
        `；实际支付起付线 = min(${fmt(P)}, ${fmt(d)}) = ${fmt(D)}`,
      rules.article,
    );
  } else {
    D = ZERO;
    say(BASIC_LAYER_ID, 'deductible', '起付线已在第 1 段收取，本段不再收取', DECISION_ONE_DEDUCTIBLE);
  }
  const R = P.minus(D);

  // Ratio and the basic fund's annual cap.
  const retired = req.insured.retired && !numbers.retiredIncrement.isZero();
  const r = retired ? numbers.ratio[level].plus(numbers.retiredIncrement) : numbers.ratio[level];
  const ratioText = () =>
    `${LEVEL_NAMES[level]}医院支付比例 ${formatRate(numbers.ratio[level])}${sample}` +
    (retired ? ` + 退休 ${formatRate(numbers.retiredIncrement)} = ${formatRate(r)}` : '');
  const cap = numbers.annualCap;
  const room = maxMoney(ZERO, cap.minus(ytd.basicPaid));
  const wanted = R.times(r);
  let basic: Money;
  let W: Money;
  if (wanted.lessThanOrEqualTo(room)) {
    basic = toCents(wanted);
    W = R;
    say(
      BASIC_LAYER_ID,
      'basic',
      () =>
        `${ratioText()}。统筹基金 = (${fmt(P)} − ${fmt(D)}) × ${formatRate(r)} = ${fmt(basic)}；年度限额 ${fmt(cap)}${sample}，本年已付 ${fmt(ytd.basicPaid)}，剩余 ${fmt(room)}，未超限`,
      rules.article,
    );
  } else {
    basic = room;
    W = minMoney(R, toCents(room.div(r)));
    say(
      BASIC_LAYER_ID,
      'basic',
      () =>
        `${ratioText()}。按比例应付 (${fmt(P)} − ${fmt(D)}) × ${formatRate(r)} = ${wanted.toFixed(2)}，超过年度剩余限额（限额 ${fmt(cap)}${sample} − 本年已付 ${fmt(ytd.basicPaid)} = ${fmt(room)}），统筹基金支付 ${fmt(basic)}；限额内费用 = min(${fmt(R)}, ${fmt(room)} ÷ ${formatRate(r)}) = ${fmt(W)}`,
      rules.article,
    );
  }
  const segments: Record<Segment, Money> = { deductible: D, coinsurance: W.minus(basic), over_cap: R.minus(W) };
  say(
    BASIC_LAYER_ID,
    'segments',
    () =>
      `转入后续层级：${SEGMENT_NAMES.deductible} ${fmt(D)}；${SEGMENT_NAMES.coinsurance} = ${fmt(W)} − ${fmt(basic)} = ${fmt(segments.coinsurance)}；${SEGMENT_NAMES.over_cap} = ${fmt(R)} − ${fmt(W)} = ${fmt(segments.over_cap)}`,
    null,
  );

  // Layers, in the package's order; a layer not in force (or forfeited) on this part's dates pays nothing and says why.
  const layers = part.layers.map((l) => l.layer);
  const thisPart = new Map<string, Money>([[BASIC_LAYER_ID, basic]]);
  const baseAdded = new Map<string, Money>();
  const notPaying: Record<string, NotPaying> = {};
  for (const { layer, status } of part.layers) {
    const lsay = (step: string, text: Text, article: string | null) => say(layer.id, step, text, article);
    if (status === 'not_in_force') {
      const p = layerPeriod(pkg, layer);
      lsay(
        'not_in_force',
        () =>
          `${layer.name}：${firstDate === lastDate ? firstDate : `${firstDate} 至 ${lastDate}`} 不在本层有效期（${periodText(p)}）内，本段不予支付`,
        p.article ?? null,
      );
      thisPart.set(layer.id, ZERO);
      notPaying[layer.id] = 'not_in_force';
      continue;
    }
    if (status === 'filing_expired') {
      const limit = layer.filing_limit!;
      lsay(
        'filing_expired',
        () =>
          `${layer.name}：费用发生于 ${firstDate}，申请日 ${req.claim_filed_on} 已超过 ${limit.months} 个月的申请期限（截至 ${addMonths(firstDate, limit.months)}），本层视为放弃，其他层级照常支付`,
        limit.article,
      );
      thisPart.set(layer.id, ZERO);
      notPaying[layer.id] = 'filing_expired';
      continue;
    }
    const outcome = settleLayer(
      req,
      layer,
      compiled(pkg).layers.get(layer)!,
      year,
      segments,
      acc,
      thisPart,
      prior,
      trace.enabled,
      lsay,
    );
    if (outcome.notEnrolled) notPaying[layer.id] = 'not_enrolled';
    thisPart.set(layer.id, outcome.pay);
    if (outcome.bandedBase) baseAdded.set(layer.id, outcome.bandedBase);
    usesSample ||= outcome.usesSample;
  }

  // In-policy ceiling: basic + all layers ≤ P; the excess comes off the last layer first.
  const fundSum = sumMoney(thisPart.values());
  if (fundSum.greaterThan(P)) {
    let excess = fundSum.minus(P);
    const cuts: string[] = [];
    for (const layer of [...layers].reverse()) {
      if (excess.isZero()) break;
      const pay = thisPart.get(layer.id)!;
      if (pay.isZero()) continue;
      const cut = minMoney(pay, excess);
      thisPart.set(layer.id, pay.minus(cut));
      excess = excess.minus(cut);
      cuts.push(`${layer.name} 减 ${fmt(cut)} 为 ${fmt(pay.minus(cut))}`);
    }
    say(
      'settlement',
      'in_policy_ceiling',
      () =>
        `各项基金合计 ${fmt(fundSum)} 超过政策范围内费用 ${fmt(P)}，超出 ${fmt(fundSum.minus(P))}，自最后一层起扣减：${cuts.join('；')}`,
      pkg.in_policy_ceiling.article,
    );
  }

  // Commit this part's movements to the accumulators before the next part.
  ytd.basicPaid = ytd.basicPaid.plus(basic);
  if (index === 0) ytd.admissions += 1;
  for (const { layer, status } of part.layers) {
    if (status !== 'pays') continue;
    const l = acc.layer(year, layer.id);
    l.paid = l.paid.plus(thisPart.get(layer.id)!);
    const added = baseAdded.get(layer.id);
    if (added) l.base = l.base.plus(added);
  }

  const funds: Record<string, string> = {};
  for (const [id, amount] of thisPart) funds[id] = fmt(amount);
  const result: PartResult = {
    year,
    rule_version: pkg.version,
    uses_sample_values: usesSample,
    first_date: firstDate,
    last_date: lastDate,
    medfee_sumamt: fmt(t.medfee),
    fulamt_ownpay_amt: fmt(t.fulamt),
    overlmt_selfpay: fmt(t.overlmt),
    preselfpay_amt: fmt(t.preself),
    inscp_scp_amt: fmt(P),
    act_pay_dedc: fmt(D),
    segments: {
      deductible: fmt(segments.deductible),
      coinsurance: fmt(segments.coinsurance),
      over_cap: fmt(segments.over_cap),
    },
    funds,
    not_paying: notPaying,
  };
  return { result, paid: thisPart, deductible: D };
}

interface SettledPart {
  result: PartResult;
  /** Layer id → payment of this part, basic included. */
  paid: Map<string, Money>;
  deductible: Money;
}

/** What is left of a year's prior compensation to take off the bases that are net of it. */
interface PriorLeft {
  left: Money;
}

interface LayerOutcome {
  notEnrolled?: boolean;
  pay: Money;
  /** The base this claim adds to the layer's cumulative banded base, if it has a banded part. */
  bandedBase: Money | null;
  usesSample: boolean;
}

function settleLayer(
  req: SettlementRequest,
  layer: LayerRules,
  numbers: CompiledLayer,
  year: number,
  segments: Record<Segment, Money>,
  acc: Accumulators,
  thisPart: Map<string, Money>,
  prior: PriorLeft,
  tracing: boolean,
  say: (step: string, text: Text, article: string | null) => void,
): LayerOutcome {
  // Eligibility per calendar year (开封 第八、九条, 庆阳 六(三), 德阳 第三、九条): not eligible, no payment, no accumulation.
  const eligibility = layer.eligibility;
  const eligible =
    eligibility === null ||
    (eligibility.requires === 'enrolment'
      ? enrolledIn(req.insured.enrolled[layer.id], year)
      : req.insured.medical_assistance);
  if (!eligible && eligibility) {
    const forYear = eligibility.requires === 'enrolment' ? `${year} 年` : '';
    say(
      'eligibility',
      () => `${layer.name}：${forYear}不符合享受条件（${eligibility.condition}），本层不予支付`,
      eligibility.article,
    );
    return { pay: ZERO, bandedBase: null, usesSample: false, notEnrolled: eligibility.requires === 'enrolment' };
  }

  // Modifiers for groups of people (江阴: medical-assistance recipients).
  const person = { medical_assistance: req.insured.medical_assistance, retired: req.insured.retired };
  let thresholdFactor: Money | null = null;
  let rateAdd: Money | null = null;
  layer.modifiers.forEach((m, i) => {
    if (!person[m.when]) return;
    const n = numbers.modifiers[i]!;
    thresholdFactor = thresholdFactor ? thresholdFactor.times(n.thresholdFactor) : n.thresholdFactor;
    rateAdd = rateAdd ? rateAdd.plus(n.rateAdd) : n.rateAdd;
    say('modifier', () => `${layer.name}：${m.description}`, m.article);
  });

  let usesSample = false;
  let raw = ZERO;
  let bandedBase: Money | null = null;
  layer.parts.forEach((part, partIndex) => {
    const byYear = part.threshold_by_year?.[String(year)];
    const status = byYear?.status ?? part.status;
    usesSample ||= status === 'sample';
    let base = segments[part.base[0]!];
    for (let i = 1; i < part.base.length; i++) base = base.plus(segments[part.base[i]!]);
    // 江阴 二(三): the base is what is left after the other schemes; never below zero.
    const netOfPrior = layer.net_of_prior;
    if (netOfPrior && prior.left.greaterThan(0)) {
      const taken = minMoney(prior.left, base);
      const gross = base;
      base = base.minus(taken);
      prior.left = prior.left.minus(taken);
      say(
        'net_of_prior',
        () =>
          `${layer.name}：基数扣除其他补偿（公务员医疗补助、职工补充医疗保险等）${fmt(taken)}：${fmt(gross)} − ${fmt(taken)} = ${fmt(base)}`,
        netOfPrior.article,
      );
    }
    const before = part.kind === 'banded' ? acc.layer(year, layer.id).base : ZERO;
    if (part.kind === 'banded') bandedBase = base;
    const compiledPart = numbers.parts[partIndex]!;
    const forYear = compiledPart.byYear.get(String(year)) ?? compiledPart;
    const { pay, lines } = applyBands(forYear, before, base, thresholdFactor, rateAdd, tracing);
    raw = raw.plus(pay);
    say(
      part.kind,
      () => {
        const baseName = part.base.map((s) => SEGMENT_NAMES[s]).join(' + ');
        const where =
          part.kind === 'banded'
            ? `基数（${baseName}）本年累计 ${fmt(before)} → ${fmt(before.plus(base))}`
            : `基数（${baseName}）本次 ${fmt(base)}`;
        const none = base.isZero() ? '基数为 0，不支付' : '未超过起付标准，不支付';
        const threshold = byYear
          ? `${year} 年起付标准 ${fmt(forYear.threshold)}${byYear.status === 'published' ? '（公布值）' : ''}；`
          : '';
        return `${layer.name}：${threshold}${where}；${lines.length > 0 ? lines.join('；') : none}${status === 'sample' ? SAMPLE : ''}`;
      },
      byYear?.article ?? part.article,
    );
  });
  let pay = toCents(raw);
  if (layer.parts.length > 1 || !raw.equals(pay))
    say(
      'sum',
      () =>
        `${layer.name}：${layer.parts.length > 1 ? '各部分合计' : '计算值'} ${raw.toString()}，四舍五入到分 = ${fmt(pay)}`,
      null,
    );

  const annualCap = layer.annual_cap;
  if (annualCap) {
    usesSample ||= annualCap.status === 'sample';
    const cap = numbers.annualCap!;
    const paid = acc.layer(year, layer.id).paid;
    const room = maxMoney(ZERO, cap.minus(paid));
    const capped = minMoney(pay, room);
    say(
      'annual_cap',
      () =>
        `${layer.name}：年度最高支付 ${fmt(cap)}${annualCap.status === 'sample' ? SAMPLE : ''}，本年已付 ${fmt(paid)}，剩余 ${fmt(room)}${capped.lessThan(pay) ? `，本次由 ${fmt(pay)} 限为 ${fmt(capped)}` : '，未超限'}`,
      annualCap.article,
    );
    pay = capped;
  }

  if (layer.combined_cap) {
    const cc = layer.combined_cap;
    usesSample ||= cc.status === 'sample';
    const cap = numbers.combinedCap!;
    const used = sumMoney(cc.with.map((id) => acc.paid(year, id).plus(thisPart.get(id) ?? ZERO)));
    const room = maxMoney(ZERO, cap.minus(used));
    const capped = minMoney(pay, room);
    say(
      'combined_cap',
      () =>
        `${layer.name}：与${cc.with
          .filter((id) => id !== layer.id)
          .map((id) => (id === BASIC_LAYER_ID ? '基本医保统筹基金' : id))
          .join(
            '、',
          )}合计年度限额 ${fmt(cap)}${cc.status === 'sample' ? SAMPLE : ''}，本年已用 ${fmt(used)}（含本次统筹），剩余 ${fmt(room)}${capped.lessThan(pay) ? `，本次由 ${fmt(pay)} 限为 ${fmt(capped)}` : '，未超限'}`,
      cc.article,
    );
    pay = capped;
  }
  return { pay, bandedBase, usesSample };
}

/**
 * Σ rate × |[before, before + base] ∩ band| over the part's bands (domain.md §3).
 * The first band starts at the threshold (× modifier); each later band starts where the previous ends.
 */
function applyBands(
  part: CompiledPart,
  before: Money,
  base: Money,
  thresholdFactor: Money | null,
  rateAdd: Money | null,
  tracing: boolean,
): { pay: Money; lines: string[] } {
  const lo = before;
  const hi = before.plus(base);
  let from = thresholdFactor ? part.threshold.times(thresholdFactor) : part.threshold;
  let pay = ZERO;
  const lines: string[] = [];
  for (const band of part.bands) {
    const to = band.to;
    // Nothing at or below this band's start: neither here nor in any later band.
    if (hi.lessThanOrEqualTo(from)) break;
    const start = maxMoney(lo, from);
    const end = to === null ? hi : minMoney(hi, to);
    if (end.greaterThan(start)) {
      const rate = rateAdd ? band.rate.plus(rateAdd) : band.rate;
      const width = end.minus(start);
      const amount = width.times(rate);
      pay = pay.plus(amount);
      if (tracing) {
        const range = to === null ? `超过 ${from.toFixed(2)} 的部分` : `${from.toFixed(2)} 至 ${to.toFixed(2)} 段`;
        lines.push(`${range} ${width.toFixed(2)} × ${formatRate(rate)} = ${amount.toString()}`);
      }
    }
    if (to === null) break;
    from = maxMoney(from, to);
  }
  return { pay, lines };
}
