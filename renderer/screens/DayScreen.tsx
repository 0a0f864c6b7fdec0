/** Day close (日结): an operator's totals per fund, counts, reversals, offline settlements; close and print the report. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, ReconciliationView } from '../../shared/ipc/contract.js';
import type { DayTotals } from '../../shared/store/records.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall } from '../ui.js';
import { SlipView } from './ResultView.js';

export function DayScreen({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const { call, error, busy } = useCall();
  const [operator, setOperator] = useState(status.operator!.code);
  const [date, setDate] = useState(status.today);
  const [day, setDay] = useState<(DayTotals & { closed: boolean }) | null>(null);
  const [report, setReport] = useState<{ html_url: string | null; pdf_url: string | null } | null>(null);
  const [recon, setRecon] = useState<ReconciliationView | null>(null);

  const load = async () => {
    const r = await call('day.totals', { operator_code: operator, business_date: date });
    if (r) setDay(r);
  };
  useEffect(() => {
    void load();
  }, []);
  const close = async () => {
    const r = await call('day.close', { operator_code: operator, business_date: date });
    if (r) await load();
  };
  const reconcile = async () => {
    const r = await call('sync.reconcile', { business_date: date });
    if (r) setRecon(r);
  };
  const print = async () => {
    const r = await call('day.report', { operator_code: operator, business_date: date, layout: 'a5' });
    if (r) setReport(r);
  };

  return (
    <div className="columns">
      <section className="form" onKeyDown={moveOnEnter} aria-label={t('day.title')}>
        <fieldset>
          <legend>{t('day.title')}</legend>
          <Field label={t('day.operator')}>
            <input {...bind(error, 'operator_code')} value={operator} onChange={(e) => setOperator(e.target.value)} />
          </Field>
          <Field label={t('day.date')}>
            <input
              type="date"
              {...bind(error, 'business_date')}
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
          </Field>
          <button type="button" className="default" disabled={busy} onClick={() => void load()}>
            {t('day.load')}
          </button>
        </fieldset>
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('day.resultLabel')}>
        {day && (
          <>
            <h2 data-testid="day-state">
              {t('day.state', { date, operator, state: day.closed ? t('day.closed') : t('day.open') })}
            </h2>
            <table className="funds" data-testid="day-totals">
              <tbody>
                <tr>
                  <th>{t('day.settlements')}</th>
                  <td>{day.settlements}</td>
                </tr>
                <tr>
                  <th>{t('day.reversals')}</th>
                  <td>{day.reversals}</td>
                </tr>
                <tr>
                  <th>{t('day.offline')}</th>
                  <td>{day.offline}</td>
                </tr>
                <tr>
                  <th>{t('amounts.medfee_sumamt')}</th>
                  <td>{day.medfee_sumamt}</td>
                </tr>
                {Object.entries(day.funds).map(([layer, amount]) => (
                  <tr key={layer}>
                    <th>{layer === 'basic' ? t('day.basicFund') : layer}</th>
                    <td data-testid={`day-fund-${layer}`}>{amount}</td>
                  </tr>
                ))}
                <tr className="total">
                  <th>{t('result.fundTotal')}</th>
                  <td>{day.fund_pay_sumamt}</td>
                </tr>
                <tr className="total">
                  <th>{t('day.cashTotal')}</th>
                  <td data-testid="day-cash">{day.psn_cash_pay}</td>
                </tr>
              </tbody>
            </table>
            <div className="actions">
              {!day.closed && (
                <button type="button" className="danger" disabled={busy} onClick={() => void close()}>
                  {t('day.close')}
                </button>
              )}
              <button type="button" disabled={busy} onClick={() => void print()}>
                {t('day.print')}
              </button>
              <button type="button" disabled={busy} onClick={() => void reconcile()}>
                {t('day.reconcile')}
              </button>
            </div>
            {recon && (
              <div data-testid="reconciliation">
                <h2>
                  {recon.result === 'balanced'
                    ? t('day.balanced', { date: recon.business_date })
                    : t('day.mismatch', { date: recon.business_date })}
                </h2>
                {recon.differences.length > 0 && (
                  <table className="list">
                    <thead>
                      <tr>
                        <th>{t('day.item')}</th>
                        <th className="amt">{t('day.terminal')}</th>
                        <th className="amt">{t('day.insurer')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {recon.differences.map((d) => (
                        <tr key={d.field}>
                          <td>{d.field}</td>
                          <td className="amt">{d.terminal}</td>
                          <td className="amt">{d.insurer}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {recon.records.map((r) => (
                  <p key={r.number}>
                    {t('day.record', {
                      number: r.number,
                      problem: t(`day.problems.${r.code}`),
                      terminal: r.terminal ?? t('common.none'),
                      insurer: r.insurer ?? t('common.none'),
                    })}
                  </p>
                ))}
              </div>
            )}
            {report && <SlipView slip={report} />}
          </>
        )}
      </section>
    </div>
  );
}
