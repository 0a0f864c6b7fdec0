/**
 * A validated package with its decimal strings turned into exact integers once
 * (shared/engine/exact.ts), so the engine's hot path does integer arithmetic,
 * not parsing. Amounts are fen; each rate shares one denominator with the rates
 * it is added to (the basic ratio and the retired increment; a layer's band
 * rates and its modifiers' rate_add), so adding them is adding numerators.
 * Cached per package object.
 */
import { parseFen, parseScaled, atScale, type Exact, type Scaled } from '../engine/exact.js';
import type { BasicRules, HospitalLevel, LayerRules, RulePackage, SchemeId } from './schema.js';

export interface CompiledBasic {
  /** Fen per hospital level. */
  deductible: Record<HospitalLevel, number>;
  subsequentFactor: Scaled;
  /** Numerators over 10^rateScale. */
  ratio: Record<HospitalLevel, Exact>;
  retiredIncrement: Exact;
  rateScale: number;
  /** Fen. */
  annualCap: number;
}

export interface CompiledPart {
  /** Fen. */
  threshold: number;
  /** `to` in fen; `rate` a numerator over 10^CompiledLayer.rateScale. */
  bands: { to: number | null; rate: Exact }[];
  /** The part as it applies in a year with its own threshold (threshold_by_year), compiled once. */
  byYear: Map<string, CompiledPart>;
}

export interface CompiledLayer {
  parts: CompiledPart[];
  /** The denominator's exponent of every band rate and rate_add of the layer. */
  rateScale: number;
  annualCap: number | null;
  combinedCap: number | null;
  /** rateAdd: a numerator over 10^rateScale. */
  modifiers: { thresholdFactor: Scaled; rateAdd: Exact }[];
}

export interface CompiledPackage {
  schemes: Partial<Record<SchemeId, CompiledBasic>>;
  layers: Map<LayerRules, CompiledLayer>;
}

const cache = new WeakMap<RulePackage, CompiledPackage>();

/** Rates over one common denominator 10^scale, the finest of theirs. */
function common(texts: readonly string[]): { scale: number; at: (s: string) => Exact } {
  const scale = Math.max(0, ...texts.map((t) => parseScaled(t).scale));
  return { scale, at: (s) => atScale(parseScaled(s), scale) };
}

function compileBasic(b: BasicRules): CompiledBasic {
  const rates = common([b.ratio['1'], b.ratio['2'], b.ratio['3'], b.retired_increment]);
  return {
    deductible: { 1: parseFen(b.deductible['1']), 2: parseFen(b.deductible['2']), 3: parseFen(b.deductible['3']) },
    subsequentFactor: parseScaled(b.subsequent_admission_factor),
    ratio: { 1: rates.at(b.ratio['1']), 2: rates.at(b.ratio['2']), 3: rates.at(b.ratio['3']) },
    retiredIncrement: rates.at(b.retired_increment),
    rateScale: rates.scale,
    annualCap: parseFen(b.annual_cap),
  };
}

function compileLayer(l: LayerRules): CompiledLayer {
  const rates = common([...l.parts.flatMap((p) => p.bands.map((b) => b.rate)), ...l.modifiers.map((m) => m.rate_add)]);
  return {
    parts: l.parts.map((p) => {
      const bands = p.bands.map((b) => ({ to: b.to === null ? null : parseFen(b.to), rate: rates.at(b.rate) }));
      const byYear = new Map<string, CompiledPart>(
        Object.entries(p.threshold_by_year ?? {}).map(([year, t]) => [
          year,
          { threshold: parseFen(t.amount), bands, byYear: new Map() },
        ]),
      );
      return { threshold: parseFen(p.threshold), bands, byYear };
    }),
    rateScale: rates.scale,
    annualCap: l.annual_cap ? parseFen(l.annual_cap.amount) : null,
    combinedCap: l.combined_cap ? parseFen(l.combined_cap.amount) : null,
    modifiers: l.modifiers.map((m) => ({
      thresholdFactor: parseScaled(m.threshold_factor),
      rateAdd: rates.at(m.rate_add),
    })),
  };
}

export function compiled(pkg: RulePackage): CompiledPackage {
  let c = cache.get(pkg);
  if (!c) {
    const schemes: Partial<Record<SchemeId, CompiledBasic>> = {};
    if (pkg.schemes.employee) schemes.employee = compileBasic(pkg.schemes.employee);
    if (pkg.schemes.resident) schemes.resident = compileBasic(pkg.schemes.resident);
    c = { schemes, layers: new Map(pkg.layers.map((l) => [l, compileLayer(l)])) };
    cache.set(pkg, c);
  }
  return c;
}
