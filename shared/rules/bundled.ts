/**
 * The rule packages shipped with the app, one per region, with the values of
 * domain.md. The store installs them on first start; the insurer's signed
 * packages replace them. Adding a city is adding a JSON file here (or receiving
 * one from the insurer), never a code change.
 */
import dazhou from './packages/dazhou-2023.2.json' with { type: 'json' };
import kaifeng from './packages/kaifeng-2024.2.json' with { type: 'json' };
import qingyang from './packages/qingyang-2021.2.json' with { type: 'json' };
import deyang from './packages/deyang-2026.2.json' with { type: 'json' };
import jiangyin from './packages/jiangyin-2020.2.json' with { type: 'json' };
import { RuleSet } from './ruleset.js';

export const bundledPackages: readonly unknown[] = [dazhou, kaifeng, qingyang, deyang, jiangyin];

let cached: RuleSet | undefined;
export function bundledRuleSet(): RuleSet {
  cached ??= RuleSet.fromPackages(bundledPackages);
  return cached;
}
