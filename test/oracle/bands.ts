/** A layer part's bands applied to this claim's slice of the year's cumulative base (docs/settlement-model.md#layers). */
import { ZERO, formatRate, minMoney, maxMoney, type Money } from './money.js';
import type { CompiledPart } from './compiled.js';

/**
 * Σ rate × |[before, before + base] ∩ band| over the part's bands (docs/settlement-model.md#layers).
 * The first band starts at the threshold (× modifier); each later band starts where the previous ends.
 */
export function applyBands(
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
