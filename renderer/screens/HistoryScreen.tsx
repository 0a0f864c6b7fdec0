/**
 * Settlement history: search (by any part of a number, a person, a date range, a status), open with its trace (a
 * reversal's figures signed, as its list row and slip show them), reprint (补打, the count refreshed), reverse
 * (supervisor, reason required; shown disabled with why to others).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, PrintedSlipInfo } from '../../shared/ipc/contract.js';
import type { SettlementResult } from '../../shared/engine/result.js';
import type { SettlementRecord } from '../../shared/store/records.js';
import { groupedYuan } from '../../shared/money.js';
import { DateInput } from '../components/DateInput.js';
import { ErrorBox, Field, bind, formatMoment, moveOnEnter, useCall } from '../ui.js';
import { useAppStatus } from '../app-status.js';
import { ResultView, SlipView } from './ResultView.js';

export function HistoryScreen({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const { refresh } = useAppStatus();
  const { call, error, busy } = useCall();
  const mayReverse = status.operator?.role === 'supervisor';
  // A claims clerk searches and reads the history; printing slips is the cashier's and the supervisor's.
  const mayPrint = status.operator?.role !== 'claims_clerk';
  const [q, setQ] = useState({ number: '', id_number: '', from: status.today, to: status.today, status: '' });
  const [rows, setRows] = useState<SettlementRecord[] | null>(null);
  const [open, setOpen] = useState<{ record: SettlementRecord; result: SettlementResult } | null>(null);
  const [reason, setReason] = useState('');
  const [slip, setSlip] = useState<PrintedSlipInfo | null>(null);

  const search = async () => {
    const query = {
      ...(q.number.trim() ? { number: q.number.trim() } : {}),
      ...(q.id_number.trim() ? { id_number: q.id_number.trim() } : {}),
      ...(q.number.trim() || q.id_number.trim() ? {} : { from: q.from || undefined, to: q.to || undefined }),
      ...(q.status ? { status: q.status as 'settled' } : {}),
    };
    const r = await call('history.search', query);
    if (r) setRows(r);
  };
  /** Why a reversal just made still waits for the insurer (null: done there too, or no insurer). */
  const [reversalNote, setReversalNote] = useState<string | null>(null);
  const show = async (number: string) => {
    const r = await call('settlement.get', { number });
    if (r) {
      setOpen(r);
      setReversalNote(null);
      setSlip(null);
      setReason('');
    }
  };
  const reprint = async () => {
    if (!open) return;
    const r = await call('slip.print', { number: open.record.number, layout: 'a5' });
    if (r) {
      setSlip(r);
      // The header's 补打 count from the record as it now is (the slip says 补打第 n 次).
      const again = await call('settlement.get', { number: open.record.number });
      if (again) setOpen(again);
    }
    void refresh(); // free space is measured around each print: a low-space warning shows now
  };
  const reverse = async () => {
    if (!open) return;
    const r = await call('settlement.reverse', { number: open.record.number, reason });
    if (r) {
      void refresh();
      await show(r.number);
      setReversalNote(r.provisional);
      await search();
    }
  };

  return (
    <div className="columns">
      <section className="form" onKeyDown={moveOnEnter} aria-label={t('history.formLabel')}>
        <fieldset>
          <legend>{t('history.search')}</legend>
          <Field label={t('history.settlementNo')}>
            <input
              {...bind(error, 'number')}
              value={q.number}
              onChange={(e) => setQ({ ...q, number: e.target.value })}
            />
          </Field>
          <Field label={t('common.idNumber')}>
            <input
              {...bind(error, 'id_number')}
              value={q.id_number}
              onChange={(e) => setQ({ ...q, id_number: e.target.value })}
            />
          </Field>
          <Field label={t('history.from')}>
            <DateInput {...bind(error, 'from')} value={q.from} onChange={(v) => setQ({ ...q, from: v })} />
          </Field>
          <Field label={t('history.to')}>
            <DateInput {...bind(error, 'to')} value={q.to} onChange={(v) => setQ({ ...q, to: v })} />
          </Field>
          <Field label={t('common.status')}>
            <select value={q.status} onChange={(e) => setQ({ ...q, status: e.target.value })}>
              <option value="">{t('history.all')}</option>
              <option value="settled">{t('history.status.settled')}</option>
              <option value="reversed">{t('history.status.reversed')}</option>
              <option value="reversal">{t('history.status.reversal')}</option>
            </select>
          </Field>
          <button type="button" className="default" disabled={busy} onClick={() => void search()}>
            {t('history.search')}
          </button>
        </fieldset>
        {rows && (
          <table className="list" data-testid="history">
            <thead>
              <tr>
                <th>{t('common.number')}</th>
                <th>{t('history.time')}</th>
                <th>{t('common.name')}</th>
                <th>{t('history.operator')}</th>
                <th className="amt">{t('history.cash')}</th>
                <th>{t('common.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.number}
                  onClick={() => void show(r.number)}
                  tabIndex={0}
                  onKeyDown={(e) => e.key === 'Enter' && void show(r.number)}
                >
                  <td>{r.number}</td>
                  <td>{formatMoment(r.settled_at)}</td>
                  <td>{r.person_name}</td>
                  <td>{r.operator_code}</td>
                  <td className="amt">{groupedYuan(r.psn_cash_pay)}</td>
                  <td>
                    {t(`history.status.${r.status}`)}
                    {r.offline && t('history.offline')}
                  </td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={6}>{t('history.empty')}</td>
                </tr>
              )}
            </tbody>
          </table>
        )}
        {reversalNote && (
          <p className="provisional" data-testid="reversal-provisional">
            {reversalNote}
          </p>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('history.detailLabel')}>
        {open ? (
          <>
            <h2 data-testid="open-number">
              {open.record.number} · {t(`history.status.${open.record.status}`)}
              {open.record.reverses && t('history.reverses', { number: open.record.reverses })}
            </h2>
            <p className="muted">
              {t('history.detail', {
                name: open.record.person_name,
                id: open.record.id_masked,
                operator: open.record.operator_code,
                count: open.record.reprints,
              })}
              {open.record.reason && t('history.reason', { reason: open.record.reason })}
            </p>
            <div className="actions">
              <button type="button" onClick={() => void reprint()} disabled={busy || !mayPrint}>
                {open.record.kind === 'reversal' ? t('history.printReversal') : t('history.reprint')}
              </button>
              {open.record.status === 'settled' && (
                <span className="reverse">
                  <input
                    aria-label={t('history.reverseReason')}
                    data-field="reason"
                    placeholder={t('history.reverseReasonPlaceholder')}
                    value={reason}
                    disabled={!mayReverse}
                    onChange={(e) => setReason(e.target.value)}
                  />
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void reverse()}
                    disabled={busy || !mayReverse}
                  >
                    {t('history.reverse')}
                  </button>
                </span>
              )}
            </div>
            {open.record.status === 'settled' && !mayReverse && (
              <p className="hint" data-testid="reverse-why">
                {t('history.reverseWhy')}
              </p>
            )}
            {!mayPrint && (
              <p className="hint" data-testid="print-why">
                {t('history.printWhy')}
              </p>
            )}
            {slip && <SlipView slip={slip} />}
            <ResultView result={open.result} />
          </>
        ) : (
          <p className="hint">{t('history.hint')}</p>
        )}
      </section>
    </div>
  );
}
