/**
 * The Chinese calculation trace: steps added as the engine goes, formatted only
 * when the trace is on. Each step cites where its rule comes from: the region's
 * policy article (from the rule package, e.g. "达州 第九条"), or a product
 * decision in docs/settlement-model.md (cited with the section's anchor).
 */
import type { RulePackage } from '../../shared/rules/schema.js';
import type { TraceStep } from '../../shared/engine/result.js';

/** Marks a value that is a sample, not a published figure. */
export const SAMPLE = '〔样例值〕';

/** The settlement model shipped with the code; trace lines cite its sections by anchor. */
export const MODEL_DOC = 'docs/settlement-model.md';

/** A section of docs/settlement-model.md, e.g. modelSection('in-policy-ceiling') → "docs/settlement-model.md#in-policy-ceiling". */
export function modelSection(anchor: string): string {
  return `${MODEL_DOC}#${anchor}`;
}

/** The product decisions the engine itself cites (docs/settlement-model.md, "Decisions"). */
export const DECISION = {
  parts: `决定：按（年度, 当日生效的层级）分段结算（${modelSection('decision-parts')}）`,
  oneDeductible: `决定：每次住院只收取一次起付线，在第一段收取（${modelSection('decision-one-deductible')}）`,
} as const;

/**
 * Older rule packages cite the product owner's notes ("domain.md §3 决定：…"),
 * which are not shipped; the trace cites the same rule in docs/settlement-model.md.
 */
const LEGACY_CITATIONS: readonly { match: RegExp; anchor: string }[] = [
  { match: /政策范围内费用/, anchor: 'decision-in-policy-ceiling' },
  { match: /分段/, anchor: 'decision-parts' },
  { match: /起付线/, anchor: 'decision-one-deductible' },
  { match: /四舍五入|舍入/, anchor: 'decision-rounding' },
];
const LEGACY_SECTIONS: Record<string, string> = { '1': 'window', '2': 'national-fields', '3': 'model', '4': 'slip' };

/** A rule's article as the trace shows it: a policy article as the package states it, a legacy domain.md citation as its docs/settlement-model.md section. */
export function citation(article: string | null): string | null {
  if (article === null) return null;
  const m = /^domain\.md\s*(?:§\s*(\d))?[\s，,：:]*(.*)$/s.exec(article);
  if (!m) return article;
  const rest = m[2]!.replace(/（?domain\.md[^）)]*[）)]?/g, '').trim();
  const anchor = LEGACY_CITATIONS.find((c) => c.match.test(rest))?.anchor ?? LEGACY_SECTIONS[m[1] ?? '3'] ?? 'model';
  return rest ? `${rest}（${modelSection(anchor)}）` : modelSection(anchor);
}

/** The rule package and its policy document, as the first line of each part cites them. */
export function packageCitation(pkg: RulePackage): string {
  return `规则包 ${pkg.region.name} ${pkg.version}；《${pkg.source.title}》（${pkg.source.document}）`;
}

/** Trace text, given as a thunk so that nothing is formatted when the trace is off. */
export type Text = string | (() => string);

export class Trace {
  readonly steps: TraceStep[] = [];
  constructor(readonly enabled: boolean) {}

  add(part: number | null, layer: string, step: string, text: Text, article: string | null): void {
    if (this.enabled)
      this.steps.push({
        part,
        layer,
        step,
        text: typeof text === 'string' ? text : text(),
        article: citation(article),
      });
  }
}
