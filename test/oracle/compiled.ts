/**
 * A validated package with its decimal strings turned into Decimals once, so
 * the engine's hot path does arithmetic, not parsing. Cached per package object.
 */
import { Decimal, type Money } from './money.js';
import type { BasicRules, HospitalLevel, LayerRules, RulePackage, SchemeId } from '../../shared/rules/schema.js';

export interface CompiledBasic {
  deductible: Record<HospitalLevel, Money>;
  subsequentFactor: Money;
  ratio: Record<HospitalLevel, Money>;
  retiredIncrement: Money;
  annualCap: Money;
}

export interface CompiledPart {
  threshold: Money;
  bands: { to: Money | null; rate: Money }[];
  /** The part as it applies in a year with its own threshold (threshold_by_year), compiled once. */
  byYear: Map<string, CompiledPart>;
}

export interface CompiledLayer {
  parts: CompiledPart[];
  annualCap: Money | null;
  combinedCap: Money | null;
  modifiers: { thresholdFactor: Money; rateAdd: Money }[];
}

export interface CompiledPackage {
  schemes: Partial<Record<SchemeId, CompiledBasic>>;
  layers: Map<LayerRules, CompiledLayer>;
}

const cache = new WeakMap<RulePackage, CompiledPackage>();

const d = (s: string) => new Decimal(s);
const perLevel = (v: Record<'1' | '2' | '3', string>): Record<HospitalLevel, Money> => ({
  1: d(v['1']),
  2: d(v['2']),
  3: d(v['3']),
});

function compileBasic(b: BasicRules): CompiledBasic {
  return {
    deductible: perLevel(b.deductible),
    subsequentFactor: d(b.subsequent_admission_factor),
    ratio: perLevel(b.ratio),
    retiredIncrement: d(b.retired_increment),
    annualCap: d(b.annual_cap),
  };
}

function compileLayer(l: LayerRules): CompiledLayer {
  return {
    parts: l.parts.map((p) => {
      const bands = p.bands.map((b) => ({ to: b.to === null ? null : d(b.to), rate: d(b.rate) }));
      const byYear = new Map<string, CompiledPart>(
        Object.entries(p.threshold_by_year ?? {}).map(([year, t]) => [
          year,
          { threshold: d(t.amount), bands, byYear: new Map() },
        ]),
      );
      return { threshold: d(p.threshold), bands, byYear };
    }),
    annualCap: l.annual_cap ? d(l.annual_cap.amount) : null,
    combinedCap: l.combined_cap ? d(l.combined_cap.amount) : null,
    modifiers: l.modifiers.map((m) => ({ thresholdFactor: d(m.threshold_factor), rateAdd: d(m.rate_add) })),
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
