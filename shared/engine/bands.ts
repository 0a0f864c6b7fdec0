/** A layer part's bands applied to this claim's slice of the year's cumulative base (docs/settlement-model.md#layers). */
import type { CompiledPart } from '../rules/compiled.js';
import {
  add,
  decimalText,
  fen,
  fixed2,
  max,
  min,
  mul,
  percent,
  rescale,
  sub,
  type Exact,
  type Scaled,
} from './exact.js';

/**
 * Σ rate × |[before, before + base] ∩ band| over the part's bands (docs/settlement-model.md#layers).
 * The first band starts at the threshold (× modifier); each later band starts where the previous ends.
 *
 * `before` and `base` are fen; a band rate is a numerator over 10^rateScale, plus `rateAdd` (same
 * denominator) for the modifiers. With a threshold factor f / 10^k every position is kept in
 * fen × 10^-k so that the threshold × f is exact. The payment is returned unrounded, in
 * fen × 10^-(k + rateScale): `pay` over 10^`scale`.
 */
export function applyBands(
  part: CompiledPart,
  before: number,
  base: number,
  thresholdFactor: Scaled | null,
  rateAdd: Exact | null,
  rateScale: number,
  tracing: boolean,
): { pay: Exact; scale: number; lines: string[] } {
  const k = thresholdFactor ? thresholdFactor.scale : 0;
  const scale = k + rateScale;
  const lo: Exact = rescale(before, k);
  const hi: Exact = rescale(before + base, k);
  let from: Exact = thresholdFactor ? mul(part.threshold, thresholdFactor.num) : part.threshold;
  let pay: Exact = 0;
  const lines: string[] = [];
  for (const band of part.bands) {
    const to = band.to === null ? null : rescale(band.to, k);
    // Nothing at or below this band's start: neither here nor in any later band.
    if (hi <= from) break;
    const start = max(lo, from);
    const end = to === null ? hi : min(hi, to);
    if (end > start) {
      const rate = rateAdd === null ? band.rate : add(band.rate, rateAdd);
      const width = sub(end, start);
      const amount = mul(width, rate);
      pay = add(pay, amount);
      if (tracing) {
        const range = band.to === null ? `超过 ${fixed2(from, k)} 的部分` : `${fixed2(from, k)} 至 ${fen(band.to)} 段`;
        lines.push(
          `${range} ${fixed2(width, k)} × ${percent({ num: rate, scale: rateScale })} = ${decimalText(amount, scale + 2)}`,
        );
      }
    }
    if (to === null) break;
    from = max(from, to);
  }
  return { pay, scale, lines };
}
