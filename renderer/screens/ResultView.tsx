/** The computed split with its trace (amounts with thousands separators, shared/money.ts groupedYuan), and a printed document with print/download (browser host). */
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { SettlementResult } from '../../shared/engine/result.js';
import { useFundName } from '../ui.js';
import { useLanguage } from '../i18n/useLanguage.js';
import { groupedYuan } from '../../shared/money.js';

export function ResultView({ result }: { result: SettlementResult }) {
  const { t } = useTranslation();
  const fundName = useFundName();
  // In English the national field name stays beside each label: it is what the
  // insurer's documents and the printed slip use.
  const english = useLanguage() === 'en';
  const national = (field: string) => (english ? <small>{field}</small> : null);
  return (
    <div>
      <div className="cash">
        <span>
          {t('result.cash')} {national('psn_cash_pay')}
        </span>
        <strong data-testid="psn_cash_pay">{groupedYuan(result.psn_cash_pay)}</strong>
      </div>
      <table className="funds">
        <tbody>
          <tr>
            <th>
              {t('amounts.medfee_sumamt')} {national('medfee_sumamt')}
            </th>
            <td data-testid="medfee_sumamt">{groupedYuan(result.medfee_sumamt)}</td>
          </tr>
          <tr>
            <th>
              {t('result.inScope')} {national('inscp_scp_amt')}
            </th>
            <td data-testid="inscp_scp_amt">{groupedYuan(result.inscp_scp_amt)}</td>
          </tr>
          <tr>
            <th>
              {t('result.deductible')} {national('act_pay_dedc')}
            </th>
            <td data-testid="act_pay_dedc">{groupedYuan(result.act_pay_dedc)}</td>
          </tr>
          {result.fund_details.map((f) => (
            <tr key={f.layer}>
              <th title={f.name}>
                {fundName(f)} <small>{f.field}</small>
                {/* Why this fund paid nothing for a part: not in force, filed too late, not enrolled that year. */}
                {result.parts.flatMap((p, i) => {
                  const why = p.not_paying[f.layer];
                  return why
                    ? [
                        <div key={i} className="why" data-testid={`fund-why-${f.layer}`}>
                          {t(`result.notPaying.${why}`, { year: p.year })}
                        </div>,
                      ]
                    : [];
                })}
              </th>
              <td data-testid={`fund-${f.layer}`}>{groupedYuan(f.amount)}</td>
            </tr>
          ))}
          <tr className="total">
            <th>
              {t('result.fundTotal')} {national('fund_pay_sumamt')}
            </th>
            <td data-testid="fund_pay_sumamt">{groupedYuan(result.fund_pay_sumamt)}</td>
          </tr>
        </tbody>
      </table>
      {result.parts.some((p) => p.uses_sample_values) && <p className="sample">{t('result.sample')}</p>}
      <h2>{t('result.trace')}</h2>
      {/* The trace is the engine's, in Chinese by specification, exactly as the slip prints it. */}
      <ol className="trace" lang="zh-CN">
        {result.trace.map((t, i) => (
          <li key={i}>
            <span>{t.text}</span>
            {t.article && <em>{t.article}</em>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A printed slip or report: in Electron it went to the printer; in the browser it is shown with print and download. */
export function SlipView({
  slip,
}: {
  slip: { html_url: string | null; pdf_url: string | null; kind?: string; reprint?: number };
}) {
  const { t } = useTranslation();
  const frame = useRef<HTMLIFrameElement>(null);
  const reprint = slip.kind === 'reprint';
  const count = slip.reprint ?? 0;
  if (!slip.html_url) return <p className="settled">{reprint ? t('slip.sentReprint', { count }) : t('slip.sent')}</p>;
  return (
    <div className="slip">
      <div className="actions">
        <span>{reprint ? t('slip.headingReprint', { count }) : t('slip.heading')}</span>
        <button type="button" onClick={() => frame.current?.contentWindow?.print()}>
          {t('slip.print')}
        </button>
        {slip.pdf_url && (
          <a className="button" href={slip.pdf_url} download data-testid="pdf-link">
            {t('slip.download')}
          </a>
        )}
      </div>
      <iframe ref={frame} title={t('slip.frameTitle')} src={slip.html_url} data-testid="slip-frame" />
    </div>
  );
}
