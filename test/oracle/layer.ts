/**
 * One layer of the package on one part: eligibility for the year, modifiers
 * for groups of people, each of its parts (banded on the year's cumulative
 * base, or flat on this claim; net of prior compensation where it says so),
 * rounding, then its annual and combined caps (docs/settlement-model.md#layers).
 */
import { ZERO, toCents, formatAmount as fmt, minMoney, maxMoney, sumMoney, type Money } from './money.js';
import { BASIC_LAYER_ID, SEGMENT_NAMES, type LayerRules, type Segment } from '../../shared/rules/schema.js';
import type { CompiledLayer } from './compiled.js';
import { enrolledIn } from '../../shared/engine/insured.js';
import type { Accumulators } from './accumulators.js';
import { applyBands } from './bands.js';
import type { SettlementRequest } from '../../shared/engine/request.js';
import { SAMPLE, type Text } from './trace.js';

/** What is left of a year's prior compensation to take off the bases that are net of it. */
export interface PriorLeft {
  left: Money;
}

export interface LayerOutcome {
  notEnrolled?: boolean;
  pay: Money;
  /** The base this claim adds to the layer's cumulative banded base, if it has a banded part. */
  bandedBase: Money | null;
  usesSample: boolean;
}

export function settleLayer(
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
