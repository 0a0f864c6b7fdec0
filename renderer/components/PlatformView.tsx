/**
 * The NHSA platform's split beside the terminal's (docs/nhsa.md §7.6): after F5 the platform's 2303 预结算,
 * after F8 its 2304 结算 with setl_id. Every row that differs is marked, with the terminal's own trace steps
 * for that fund where they explain its figure. The platform's amounts are what the patient pays.
 */
import { useTranslation } from 'react-i18next';
import type { PlatformPreview, PlatformSettlement } from '../../shared/ipc/contract.js';

type Platform = PlatformPreview | PlatformSettlement;

/** Three amounts side by side: apart, aligned with their headings, never broken (table.funds has no side padding). */
const AMOUNT = { textAlign: 'right', paddingLeft: '1.2em', whiteSpace: 'nowrap' } as const;

export function PlatformView({ platform }: { platform: Platform }) {
  const { t } = useTranslation();
  const settled = 'setl_id' in platform;
  const name = (r: Platform['rows'][number]) => {
    if (r.key === 'fund_pay_sumamt' || r.key === 'psn_cash_pay') return t(`platform.${r.key}`);
    if (r.key === 'inscp_scp_amt') return t('result.inScope');
    if (
      r.key === 'medfee_sumamt' ||
      r.key === 'fulamt_ownpay_amt' ||
      r.key === 'overlmt_selfpay' ||
      r.key === 'preselfpay_amt'
    )
      return t(`amounts.${r.key}`);
    return r.name; // a fund: the package's name
  };
  const cash = platform.rows.find((r) => r.key === 'psn_cash_pay')!;
  return (
    <section
      className="platform"
      aria-label={t('platform.label')}
      data-testid={settled ? 'platform-settled' : 'platform-presettled'}
    >
      <h3>{settled ? t('platform.settledTitle') : t('platform.presettleTitle')}</h3>
      {/* What the patient pays is the platform's figure: the largest number on the screen. */}
      <div className="cash">
        <span>{settled ? t('platform.cashToPay') : t('platform.cashExpected')}</span>
        <strong data-testid="platform-cash">{cash.platform}</strong>
      </div>
      {settled ? (
        <p className="hint" data-testid="platform-ids">
          {t('platform.setlId', { id: platform.setl_id })} ·{' '}
          {t('platform.medinsSetlId', { id: platform.medins_setl_id })}
        </p>
      ) : (
        <p className="hint">{t('platform.mdtrtId', { id: platform.mdtrt_id })}</p>
      )}
      <p className={platform.differs ? 'differs-note' : 'hint'} data-testid="platform-verdict">
        {platform.differs ? t('platform.differs') : t('platform.same')}
      </p>
      <table className="funds">
        <thead>
          <tr>
            <th />
            <th style={AMOUNT}>{t('platform.terminal')}</th>
            <th style={AMOUNT}>{t('platform.platform')}</th>
            <th style={AMOUNT}>{t('platform.difference')}</th>
          </tr>
        </thead>
        <tbody>
          {platform.rows.map((r) => (
            <tr
              key={r.key}
              className={r.difference !== '0.00' ? 'differs' : undefined}
              data-testid={`platform-row-${r.key}`}
            >
              <th>
                {name(r)}
                {r.explanation && <div className="why">{r.explanation}</div>}
              </th>
              <td style={AMOUNT}>{r.terminal}</td>
              <td style={AMOUNT} data-testid={`platform-${r.key}`}>
                {r.platform}
              </td>
              <td style={AMOUNT}>{r.difference}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
