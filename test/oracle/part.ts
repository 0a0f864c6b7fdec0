/**
 * One part of a stay (one year, one rule version): the in-policy amount, the
 * basic layer (deductible once per admission, ratio, annual cap → three
 * segments), the package's layers in order, the in-policy ceiling, and the
 * part's movements committed to the accumulators (docs/settlement-model.md,
 * #basic-layer, #layers, #decision-in-policy-ceiling).
 */
import { ZERO, toCents, formatAmount as fmt, formatRate, minMoney, maxMoney, sumMoney, type Money } from './money.js';
import { addMonths } from '../../shared/dates.js';
import {
  BASIC_LAYER_ID,
  SEGMENT_NAMES,
  layerPeriod,
  periodText,
  type RulePackage,
  type Segment,
} from '../../shared/rules/schema.js';
import { compiled } from './compiled.js';
import type { Accumulators } from './accumulators.js';
import { totals } from './costs.js';
import { settleLayer, type PriorLeft } from './layer.js';
import type { Part } from './parts.js';
import type { SettlementRequest } from '../../shared/engine/request.js';
import type { NotPaying, PartResult } from '../../shared/engine/result.js';
import { DECISION, SAMPLE, packageCitation, type Text, type Trace } from './trace.js';

const LEVEL_NAMES = { 1: '一级', 2: '二级', 3: '三级' } as const;

/** How the trace's short citations ("达州 第九条", "江阴 二(三)") read in full: the package's policy document. */
function policyNote(pkg: RulePackage): string {
  const short = pkg.region.name.replace(/市$/, '');
  return `；政策依据《${pkg.source.title}》（${pkg.source.document}），下文所引"${short} …"条款均指该文件；计算模型见 docs/settlement-model.md`;
}

export interface SettledPart {
  result: PartResult;
  /** Layer id → payment of this part, basic included. */
  paid: Map<string, Money>;
  deductible: Money;
}

export function settlePart(
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
        `第 ${index + 1} 段（共 ${partCount} 段）：${year} 年 ${firstDate} 至 ${lastDate} 的费用，适用 ${pkg.region.name} 规则包 ${pkg.version}（${pkg.effective.from} 起）` +
        `；本段支付的层级：${['基本医保', ...part.layers.filter((l) => l.status === 'pays').map((l) => l.layer.name)].join('、')}` +
        policyNote(pkg),
      `${DECISION.parts}；${packageCitation(pkg)}`,
    );
  } else {
    say(
      'settlement',
      'part',
      () =>
        `${year} 年费用，适用 ${pkg.region.name} 规则包 ${pkg.version}（${pkg.effective.from} 起${pkg.effective.to ? `，至 ${pkg.effective.to}` : ''}）` +
        policyNote(pkg),
      packageCitation(pkg),
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

  // Deductible: once per admission, in the first part (docs/settlement-model.md#decision-one-deductible).
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
    say(BASIC_LAYER_ID, 'deductible', '起付线已在第 1 段收取，本段不再收取', DECISION.oneDeductible);
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
