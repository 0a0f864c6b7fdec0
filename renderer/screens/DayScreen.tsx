/**
 * Day close (日结): an operator's totals per fund, counts, reversals, offline settlements; close (after a confirmation
 * naming operator, date, count and totals) and print the report; a supervisor's reconciliation of the day with the
 * insurer (our protocol's, or the national 3201/3202). The heading names whose day is shown, from the services'
 * answer (never from what is being typed); what a cashier may not do is shown disabled with why.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, DayView, ReconciliationView } from '../../shared/ipc/contract.js';
import { groupedYuan } from '../../shared/money.js';
import type { FundField } from '../../shared/rules/schema.js';
import { DateInput } from '../components/DateInput.js';
import { ErrorBox, Field, bind, formatMoment, moveOnEnter, useCall } from '../ui.js';
import { SlipView } from './ResultView.js';

/** A fund layer's name on screen: the national field's name (as the printed day report names it), never the layer id. */
function useLayerName(day: DayView): (layer: string) => string {
  const { t } = useTranslation();
  return (layer) => {
    const field = day.fund_fields[layer];
    if (field) return t(`funds.${field as FundField}`);
    return layer === 'basic' ? t('day.basicFund') : t('funds.oth_pay');
  };
}

export function DayScreen({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const { call, error, busy } = useCall();
  const supervisor = status.operator?.role === 'supervisor';
  const [operator, setOperator] = useState(status.operator!.code);
  const [date, setDate] = useState(status.today);
  const [day, setDay] = useState<DayView | null>(null);
  const [report, setReport] = useState<{ html_url: string | null; pdf_url: string | null } | null>(null);
  const [recon, setRecon] = useState<ReconciliationView | null>(null);
  const [confirming, setConfirming] = useState(false);
  const closeButton = useRef<HTMLButtonElement>(null);
  const printButton = useRef<HTMLButtonElement>(null);

  /** The day of the operator and date answered for (the heading and the actions follow the answer, not the inputs). */
  const load = async (operatorCode = operator, businessDate = date) => {
    const r = await call('day.totals', { operator_code: operatorCode, business_date: businessDate });
    if (r) {
      setDay(r);
      setReport(null);
      setRecon(null);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const close = async () => {
    if (!day) return;
    setConfirming(false);
    const r = await call('day.close', { operator_code: day.operator.code, business_date: day.business_date });
    if (r) {
      await load(day.operator.code, day.business_date);
      setJustClosed(true);
    }
  };
  // Closed: the next thing to do is the report (日结 itself is gone from the closed day), once it is enabled again.
  const [justClosed, setJustClosed] = useState(false);
  useEffect(() => {
    if (!justClosed || busy || !day?.closed) return;
    printButton.current?.focus();
    setJustClosed(false);
  }, [justClosed, busy, day]);
  const cancelClose = () => setConfirming(false);
  // Focus back on 日结 once the confirmation is gone (while it is open the page behind is inert and the button disabled).
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (wasConfirming.current && !confirming) closeButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);
  const reconcile = async () => {
    if (!day) return;
    const r = await call('sync.reconcile', { business_date: day.business_date });
    if (r) setRecon(r);
  };
  // Through the national interface, each record of the 3202 result file with its stmt_rslt (docs/nhsa.md §8).
  const nhsaRecords = recon?.records.filter((r) => r.nhsa) ?? [];
  const print = async () => {
    if (!day) return;
    const r = await call('day.report', {
      operator_code: day.operator.code,
      business_date: day.business_date,
      layout: 'a5',
    });
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
            <DateInput {...bind(error, 'business_date')} value={date} onChange={setDate} />
          </Field>
          <button type="button" className="default" disabled={busy} onClick={() => void load()}>
            {t('day.load')}
          </button>
        </fieldset>
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('day.resultLabel')}>
        {day && <DayTotalsView day={day} />}
        {day && (
          <>
            <div className="actions">
              {!day.closed && (
                <button
                  type="button"
                  className="danger"
                  ref={closeButton}
                  disabled={busy || !supervisor || confirming}
                  onClick={() => setConfirming(true)}
                >
                  {t('day.close')}
                </button>
              )}
              <button type="button" ref={printButton} disabled={busy || !supervisor} onClick={() => void print()}>
                {t('day.print')}
              </button>
              <button type="button" disabled={busy || !supervisor} onClick={() => void reconcile()}>
                {t('day.reconcile')}
              </button>
            </div>
            {!supervisor && (
              <p className="hint" data-testid="day-why">
                {t('day.why')}
              </p>
            )}
            {confirming && <ConfirmClose day={day} onConfirm={() => void close()} onCancel={cancelClose} />}
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
                          <td className="amt">{groupedYuan(d.terminal)}</td>
                          <td className="amt">{groupedYuan(d.insurer)}</td>
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
                        terminal: r.terminal === null ? t('common.none') : groupedYuan(r.terminal),
                        insurer: r.insurer === null ? t('common.none') : groupedYuan(r.insurer),
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

/** The answered day: whose, whether closed (and by whom), its counts and totals per fund, amounts grouped. */
function DayTotalsView({ day }: { day: DayView }) {
  const { t } = useTranslation();
  const layerName = useLayerName(day);
  return (
    <>
      <h2 data-testid="day-state">
        {t('day.state', {
          date: day.business_date,
          operator: day.operator.code,
          name: day.operator.name,
          state: day.closed ? t('day.closed') : t('day.open'),
        })}
      </h2>
      {day.closed_by && (
        <p className="settled" data-testid="day-closed">
          {t('day.closedBy', { name: day.closed_by.name, at: formatMoment(day.closed_by.at) })}
        </p>
      )}
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
            <td>{groupedYuan(day.medfee_sumamt)}</td>
          </tr>
          {Object.entries(day.funds).map(([layer, amount]) => (
            <tr key={layer}>
              <th>{layerName(layer)}</th>
              <td data-testid={`day-fund-${layer}`}>{groupedYuan(amount)}</td>
            </tr>
          ))}
          <tr className="total">
            <th>{t('result.fundTotal')}</th>
            <td>{groupedYuan(day.fund_pay_sumamt)}</td>
          </tr>
          <tr className="total">
            <th>{t('day.cashTotal')}</th>
            <td data-testid="day-cash">{groupedYuan(day.psn_cash_pay)}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

/**
 * What 日结 will close, asked before it does, as a modal: the native <dialog> opened with showModal() makes the page
 * behind inert; focus starts on the confirm button (Enter closes), Tab and Shift+Tab cycle between its buttons (never
 * out to the browser's own UI), Escape or 取消 goes back (the screen then returns focus to 日结).
 */
function ConfirmClose({ day, onConfirm, onCancel }: { day: DayView; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    confirm.current?.focus();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      role="dialog"
      aria-modal="true"
      aria-labelledby="day-close-title"
      data-testid="day-close-confirm"
      className="confirm"
      // The browser's Escape (and its close request): the screen decides, so the dialog is not closed behind React.
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onCancel();
        } else if (e.key === 'Tab') {
          const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
          const first = buttons[0];
          const last = buttons[buttons.length - 1];
          if (!first || !last) return;
          const at = document.activeElement;
          if (e.shiftKey ? at === first || !buttons.includes(at as HTMLButtonElement) : at === last) {
            e.preventDefault();
            (e.shiftKey ? last : first).focus();
          }
        }
      }}
    >
      <h2 id="day-close-title">{t('day.confirmTitle')}</h2>
      <p>
        {t('day.confirmText', {
          name: day.operator.name,
          operator: day.operator.code,
          date: day.business_date,
          settlements: day.settlements,
          reversals: day.reversals,
          medfee: groupedYuan(day.medfee_sumamt),
          cash: groupedYuan(day.psn_cash_pay),
        })}
      </p>
      <div className="actions">
        <button type="button" className="danger" ref={confirm} onClick={onConfirm}>
          {t('day.confirm')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('day.cancel')}
        </button>
      </div>
    </dialog>
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
            <td className="amt">{groupedYuan(g.medfee_sumamt)}</td>
            <td className="amt">{groupedYuan(g.fund_pay_sumamt)}</td>
            <td className="amt">{groupedYuan(g.acct_pay)}</td>
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
              <td className="amt">{r.terminal === null ? t('common.none') : groupedYuan(r.terminal)}</td>
              <td className="amt">{r.insurer === null ? t('common.none') : groupedYuan(r.insurer)}</td>
              <td>{r.nhsa!.memo}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
