/** Installed rule versions per region: effective periods, sample vs published values, signature state, install time. */
import { useTranslation } from 'react-i18next';
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';
import { useFundName, useRegionName } from '../ui.js';

export function RulesScreen({ rules }: { rules: RuleVersionSummary[] }) {
  const { t } = useTranslation();
  const regionName = useRegionName();
  const fundName = useFundName();
  return (
    <section className="result wide-screen" aria-label={t('rules.label')}>
      <h2>{t('rules.title')}</h2>
      <table className="list" data-testid="rules">
        <thead>
          <tr>
            <th>{t('rules.region')}</th>
            <th>{t('rules.version')}</th>
            <th>{t('rules.period')}</th>
            <th>{t('rules.basis')}</th>
            <th>{t('rules.values')}</th>
            <th>{t('rules.origin')}</th>
            <th>{t('rules.installed')}</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={`${r.region}-${r.version}`}>
              <td>{regionName(r)}</td>
              <td>{r.version}</td>
              <td className="date">
                {t('rules.range', { from: r.effective_from, to: r.effective_to ?? t('rules.openEnded') })}
                {/* Each layer's own period where it differs from the package's. */}
                {r.layers
                  .filter((l) => l.effective_from !== r.effective_from || l.effective_to !== r.effective_to)
                  .map((l) => (
                    <div key={l.id} className="muted" data-testid={`layer-period-${r.region}-${l.id}`}>
                      {fundName(l)}{' '}
                      {t('rules.range', { from: l.effective_from, to: l.effective_to ?? t('rules.openEnded') })}
                    </div>
                  ))}
              </td>
              {/* The policy documents the package cites, as the package names them. */}
              <td>{r.source}</td>
              <td>{r.uses_sample_values ? t('rules.sampleValues') : t('rules.publishedValues')}</td>
              <td>
                {r.origin === 'bundled'
                  ? t('rules.bundled')
                  : r.signature === 'verified'
                    ? t('rules.verified')
                    : t('rules.unverified')}
              </td>
              <td className="date">{r.installed_at.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
