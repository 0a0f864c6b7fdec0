/**
 * Day close (日结): an operator's totals per fund, counts, reversals, offline settlements; close and print the
 * report; a supervisor's reconciliation of the day with the insurer (our protocol's, or the national 3201/3202).
 */
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
  // Through the national interface, each record of the 3202 result file with its stmt_rslt (docs/nhsa.md §8).
  const nhsaRecords = recon?.records.filter((r) => r.nhsa) ?? [];
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
                {recon.groups && <NhsaGroups groups={recon.groups} />}
                {nhsaRecords.length > 0 && <NhsaRecords records={nhsaRecords} />}
                {recon.records
                  .filter((r) => !r.nhsa)
                  .map((r) => (
                    <p key={r.number ?? ''}>
                      {t('day.record', {
                        number: r.number ?? t('day.noLocal'),
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

type Recon = ReconciliationView;

/** 平 in green, anything else in amber and bold: the name says which, the colour only helps the eye. */
const rsltClass = (rslt: string) => (rslt === '0' ? 'online-text' : 'offline-text');
/** Names and local numbers stay on one line in these wide tables (the platform's 30-digit ids may break). */
const NOWRAP = { whiteSpace: 'nowrap' } as const;

/** The 3201 answer per group (national interface). */
function NhsaGroups({ groups }: { groups: NonNullable<Recon['groups']> }) {
  const { t } = useTranslation();
  return (
    <table className="list" data-testid="nhsa-groups">
      <caption>{t('day.nhsaGroups')}</caption>
      <thead>
        <tr>
          <th>{t('day.group')}</th>
          <th>{t('day.refdFlag')}</th>
          <th className="amt">{t('day.setlCount')}</th>
          <th className="amt">{t('amounts.medfee_sumamt')}</th>
          <th className="amt">{t('day.fundPay')}</th>
          <th className="amt">{t('day.acctPay')}</th>
          <th>{t('day.stmtRslt')}</th>
          <th>{t('day.stmtDscr')}</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={[g.insutype, g.clr_type, g.setl_optins, g.refd_setl_flag].join('|')} data-stmt-rslt={g.stmt_rslt}>
            <td style={NOWRAP}>{[g.insutype, g.clr_type, g.setl_optins].join(' · ')}</td>
            <td>{t(`day.refd${g.refd_setl_flag}`)}</td>
            <td className="amt">{g.count}</td>
            <td className="amt">{g.medfee_sumamt}</td>
            <td className="amt">{g.fund_pay_sumamt}</td>
            <td className="amt">{g.acct_pay}</td>
            <td className={rsltClass(g.stmt_rslt)} style={NOWRAP}>
              {t(`day.problems.stmt_${g.stmt_rslt}`)}
            </td>
            <td>{g.stmt_rslt_dscr}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The 3202 result file, one row per record: its stmt_rslt named, the local number where this terminal has one. */
function NhsaRecords({ records }: { records: Recon['records'] }) {
  const { t } = useTranslation();
  return (
    <table className="list" data-testid="nhsa-records">
      <caption>{t('day.nhsaRecords')}</caption>
      <thead>
        <tr>
          <th>{t('day.stmtRslt')}</th>
          <th>{t('day.number')}</th>
          <th>{t('day.setlId')}</th>
          <th className="amt">{t('day.terminal')}</th>
          <th className="amt">{t('day.insurer')}</th>
          <th>{t('day.memo')}</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => {
          const rslt = r.code.slice('stmt_'.length);
          return (
            <tr key={r.nhsa!.setl_id} data-testid="nhsa-record" data-stmt-rslt={rslt}>
              <td className={rsltClass(rslt)} style={NOWRAP}>
                {t(`day.problems.${r.code}`)}
              </td>
              <td style={NOWRAP}>
                {r.number ?? <span className="muted">{t('day.noLocal')}</span>}
                {r.nhsa!.refd_setl_flag === '1' && <span className="muted"> · {t('day.refd1')}</span>}
              </td>
              <td style={{ wordBreak: 'break-all' }}>{r.nhsa!.setl_id}</td>
              <td className="amt">{r.terminal ?? t('common.none')}</td>
              <td className="amt">{r.insurer ?? t('common.none')}</td>
              <td>{r.nhsa!.memo}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
