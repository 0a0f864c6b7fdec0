/**
 * One part of a stay (one year, one rule version): the in-policy amount, the
 * basic layer (deductible once per admission, ratio, annual cap → three
 * segments), the package's layers in order, the in-policy ceiling, and the
 * part's movements committed to the accumulators (docs/settlement-model.md,
 * #basic-layer, #layers, #decision-in-policy-ceiling).
 */
import { addMonths } from '../dates.js';
import {
  BASIC_LAYER_ID,
  SEGMENT_NAMES,
  layerPeriod,
  periodText,
  type RulePackage,
  type Segment,
} from '../rules/schema.js';
import { compiled } from '../rules/compiled.js';
import type { Accumulators } from './accumulators.js';
import { totals } from './costs.js';
import {
  add,
  decimalText,
  divHalfUp,
  fen as fmt,
  fixed2,
  mul,
  percent,
  pow10,
  roundToFen,
  type Exact,
  type Scaled,
} from './exact.js';
import { settleLayer, type PriorLeft } from './layer.js';
import type { Part } from './parts.js';
import type { SettlementRequest } from './request.js';
import type { NotPaying, PartResult } from './result.js';
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
  paid: Map<string, number>;
  /** Fen. */
  deductible: number;
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
  // All amounts below are fen (shared/engine/exact.ts).
  const P = t.medfee - t.fulamt - t.overlmt - t.preself;
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
  let D: number;
  if (index === 0) {
    const full = numbers.deductible[level];
    const later = ytd.admissions > 0;
    const f = numbers.subsequentFactor;
    // Half-up to the fen; with a factor above 1 this may pass 2^53 (then a BigInt), but D = min(P, d) is an amount.
    const d: Exact = later ? roundToFen(mul(full, f.num), f.scale) : full;
    D = d < P ? Number(d) : P;
    say(
      BASIC_LAYER_ID,
      'deductible',
      () =>
        `${LEVEL_NAMES[level]}医院起付线 ${fmt(full)}${sample}` +
        (later ? `；本年第 ${ytd.admissions + 1} 次住院，× ${decimalText(f.num, f.scale)} = ${fmt(d)}` : '') +
        `；实际支付起付线 = min(${fmt(P)}, ${fmt(d)}) = ${fmt(D)}`,
      rules.article,
    );
  } else {
    D = 0;
    say(BASIC_LAYER_ID, 'deductible', '起付线已在第 1 段收取，本段不再收取', DECISION.oneDeductible);
  }
  const R = P - D;

  // Ratio and the basic fund's annual cap. r = r.num / 10^k; R × r is kept as R × r.num (fen × 10^-k) until rounded.
  const k = numbers.rateScale;
  const retired = req.insured.retired && numbers.retiredIncrement !== 0;
  const r: Scaled = {
    num: retired ? add(numbers.ratio[level], numbers.retiredIncrement) : numbers.ratio[level],
    scale: k,
  };
  const ratioText = () =>
    `${LEVEL_NAMES[level]}医院支付比例 ${percent({ num: numbers.ratio[level], scale: k })}${sample}` +
    (retired ? ` + 退休 ${percent({ num: numbers.retiredIncrement, scale: k })} = ${percent(r)}` : '');
  const cap = numbers.annualCap;
  const room = Math.max(0, cap - ytd.basicPaid);
  const wanted = mul(R, r.num);
  const one = pow10(k);
  let basic: number;
  let W: number;
  if (wanted <= mul(room, one)) {
    // Half-up to the fen; ≤ room, so a safe number.
    basic = Number(roundToFen(wanted, k));
    W = R;
    say(
      BASIC_LAYER_ID,
      'basic',
      () =>
        `${ratioText()}。统筹基金 = (${fmt(P)} − ${fmt(D)}) × ${percent(r)} = ${fmt(basic)}；年度限额 ${fmt(cap)}${sample}，本年已付 ${fmt(ytd.basicPaid)}，剩余 ${fmt(room)}，未超限`,
      rules.article,
    );
  } else {
    basic = room;
    // round(room / r) = round(room × 10^k / r.num), half-up, exactly. (The decimal.js engine divided to 40
    // significant digits first; that never moved a cent: the quotient's fraction is j / r.num with
    // r.num ≤ 2 × 10^12, at least 1 / (2 r.num) fen from a tie unless it is one, far more than 40 digits resolve.)
    const w = divHalfUp(mul(room, one), r.num);
    W = w < R ? Number(w) : R;
    say(
      BASIC_LAYER_ID,
      'basic',
      () =>
        `${ratioText()}。按比例应付 (${fmt(P)} − ${fmt(D)}) × ${percent(r)} = ${fixed2(wanted, k)}，超过年度剩余限额（限额 ${fmt(cap)}${sample} − 本年已付 ${fmt(ytd.basicPaid)} = ${fmt(room)}），统筹基金支付 ${fmt(basic)}；限额内费用 = min(${fmt(R)}, ${fmt(room)} ÷ ${percent(r)}) = ${fmt(W)}`,
      rules.article,
    );
  }
  const segments: Record<Segment, number> = { deductible: D, coinsurance: W - basic, over_cap: R - W };
  say(
    BASIC_LAYER_ID,
    'segments',
    () =>
      `转入后续层级：${SEGMENT_NAMES.deductible} ${fmt(D)}；${SEGMENT_NAMES.coinsurance} = ${fmt(W)} − ${fmt(basic)} = ${fmt(segments.coinsurance)}；${SEGMENT_NAMES.over_cap} = ${fmt(R)} − ${fmt(W)} = ${fmt(segments.over_cap)}`,
    null,
  );

  // Layers, in the package's order; a layer not in force (or forfeited) on this part's dates pays nothing and says why.
  const layers = part.layers.map((l) => l.layer);
  const thisPart = new Map<string, number>([[BASIC_LAYER_ID, basic]]);
  const baseAdded = new Map<string, number>();
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
      thisPart.set(layer.id, 0);
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
      thisPart.set(layer.id, 0);
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
    if (outcome.bandedBase !== null) baseAdded.set(layer.id, outcome.bandedBase);
    usesSample ||= outcome.usesSample;
  }

  // In-policy ceiling: basic + all layers ≤ P; the excess comes off the last layer first.
  let fundSum = 0;
  for (const v of thisPart.values()) fundSum += v;
  if (fundSum > P) {
    let excess = fundSum - P;
    const cuts: string[] = [];
    for (const layer of [...layers].reverse()) {
      if (excess === 0) break;
      const pay = thisPart.get(layer.id)!;
      if (pay === 0) continue;
      const cut = Math.min(pay, excess);
      thisPart.set(layer.id, pay - cut);
      excess -= cut;
      cuts.push(`${layer.name} 减 ${fmt(cut)} 为 ${fmt(pay - cut)}`);
    }
    say(
      'settlement',
      'in_policy_ceiling',
      () =>
        `各项基金合计 ${fmt(fundSum)} 超过政策范围内费用 ${fmt(P)}，超出 ${fmt(fundSum - P)}，自最后一层起扣减：${cuts.join('；')}`,
      pkg.in_policy_ceiling.article,
    );
  }

  // Commit this part's movements to the accumulators before the next part.
  ytd.basicPaid += basic;
  if (index === 0) ytd.admissions += 1;
  for (const { layer, status } of part.layers) {
    if (status !== 'pays') continue;
    const l = acc.layer(year, layer.id);
    l.paid += thisPart.get(layer.id)!;
    const added = baseAdded.get(layer.id);
    if (added !== undefined) l.base += added;
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
