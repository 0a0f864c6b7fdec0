/** The services behind the contract, shared by the Electron main process and the browser host. */
import { settle } from '../../shared/engine/settle.js';
import type { RuleSet } from '../../shared/rules/ruleset.js';
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';
import { SCHEME_IDS } from '../../shared/rules/schema.js';
import type { Handlers } from './dispatch.js';

export function createHandlers(rules: RuleSet): Handlers {
  return {
    'rules.list': () =>
      rules.regions().flatMap((region) =>
        rules.versions(region).map(
          (pkg): RuleVersionSummary => ({
            region,
            region_name: pkg.region.name,
            version: pkg.version,
            effective_from: pkg.effective.from,
            effective_to: pkg.effective.to,
            source: `${pkg.source.title}（${pkg.source.document}）`,
            schemes: SCHEME_IDS.filter((s) => pkg.schemes[s] !== undefined),
            layers: pkg.layers.map((l) => ({
              id: l.id,
              name: l.name,
              field: l.fund.field,
              schemes: l.schemes,
              enrolment: l.eligibility?.requires === 'enrolment' ? l.eligibility.condition : null,
            })),
            uses_sample_values:
              Object.values(pkg.schemes).some((s) => s?.status === 'sample') ||
              pkg.layers.some((l) => l.parts.some((p) => p.status === 'sample') || l.annual_cap?.status === 'sample' || l.combined_cap?.status === 'sample'),
          }),
        ),
      ),
    'settlement.preview': ({ request }) => settle(request, rules),
  };
}
