/** The rules screen's call: the installed rule packages, each with its period, source, layers and their periods. */
import type { RuleVersionSummary } from '../../../shared/ipc/contract.js';
import { SCHEME_IDS, layerPeriod } from '../../../shared/rules/schema.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';

export function ruleHandlers({ service, sessions }: AppContext): Pick<Handlers, 'rules.list'> {
  return {
    'rules.list': (_req, ctx) => {
      sessions.current(ctx);
      const set = service.rules.ruleSet();
      return service.rules.list().map((row): RuleVersionSummary => {
        const pkg = set.versions(row.region).find((p) => p.version === row.version)!;
        return {
          region: row.region,
          region_name: row.region_name,
          region_name_en: pkg.region.name_en ?? null,
          version: row.version,
          effective_from: row.effective_from,
          effective_to: row.effective_to,
          source: `${pkg.source.title}（${pkg.source.document}）`,
          origin: row.source,
          signature: row.signature,
          installed_at: row.installed_at,
          schemes: SCHEME_IDS.filter((s) => pkg.schemes[s] !== undefined),
          layers: pkg.layers.map((l) => {
            const period = layerPeriod(pkg, l);
            return {
              id: l.id,
              name: l.name,
              field: l.fund.field,
              schemes: l.schemes,
              enrolment: l.eligibility?.requires === 'enrolment' ? l.eligibility.condition : null,
              effective_from: period.from,
              effective_to: period.to,
            };
          }),
          uses_sample_values: row.uses_sample_values,
        };
      });
    },
  };
}
