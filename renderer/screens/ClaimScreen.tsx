/**
 * Out-of-network claims (手工报销): the patient paid elsewhere and brings paper
 * invoices. The clerk enters them one per line with scans attached; the app
 * computes the expected reimbursement from the rules and queues the claim.
 * Duplicate invoices and claims past the filing limit are refused with the reason.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.js';
import type { AppStatus, RuleVersionSummary } from '../../shared/ipc/contract.js';
import type { SettlementResult } from '../../shared/engine/result.js';
import type { CostAmounts } from '../../shared/engine/cost-line.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall, windowError } from '../ui.js';
import { DateInput } from '../components/DateInput.js';
import { useAppStatus } from '../app-status.js';
import { ResultView } from './ResultView.js';
import { PersonLookup } from '../components/PersonLookup.js';
import { CostLines } from '../components/CostLines.js';
import { usePersonLookup } from '../hooks/usePersonLookup.js';
import { useCostLines } from '../hooks/useCostLines.js';

/** A paper invoice: a cost line's amounts, with the invoice's number and date instead of the line's date. */
type Invoice = CostAmounts & { invoice_no: string; invoice_date: string };
interface Attachment {
  file_name: string;
  media_type: 'image/jpeg' | 'image/png' | 'application/pdf';
  content_base64: string;
}

const emptyInvoice = (): Invoice => ({
  invoice_no: '',
  invoice_date: '',
  medfee_sumamt: '',
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
});

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

export function ClaimScreen({ rules, status }: { rules: RuleVersionSummary[]; status: AppStatus }) {
  const { t } = useTranslation();
  const { refresh } = useAppStatus();
  const { call, error, busy, setError } = useCall();
  const lookup = usePersonLookup(call);
  const { person } = lookup;
  const [hospital, setHospital] = useState({ code: '', name: '', level: 2 as 1 | 2 | 3 });
  const [admission, setAdmission] = useState('');
  const [discharge, setDischarge] = useState('');
  const invoices = useCostLines(emptyInvoice);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [claim, setClaim] = useState<{
    number: string;
    expected: string;
    result: SettlementResult;
    submitted: boolean;
  } | null>(null);

  const attach = async (files: FileList | null) => {
    const list: Attachment[] = [];
    for (const f of [...(files ?? [])]) {
      if (!['image/jpeg', 'image/png', 'application/pdf'].includes(f.type)) {
        setError(windowError('attachments', (lng) => i18next.t('claim.badScan', { lng, file: f.name })));
        return;
      }
      list.push({
        file_name: f.name,
        media_type: f.type as Attachment['media_type'],
        content_base64: await readBase64(f),
      });
    }
    setAttachments([...attachments, ...list]);
    // Valid scans attached: the refusal of an earlier file is no longer true (issue 17, bug 9).
    if (list.length > 0) setError((e) => (e?.field === 'attachments' ? null : e));
  };
  const create = async () => {
    if (!person) return;
    const r = await call('claim.create', {
      person_id: person.person_id,
      hospital_code: hospital.code,
      hospital_name: hospital.name,
      hospital_level: hospital.level,
      admission_date: admission,
      discharge_date: discharge,
      invoices: invoices.rows,
      attachments,
    });
    if (r) setClaim({ number: r.number, expected: r.expected_reimbursement, result: r.result, submitted: false });
  };
  const submit = async () => {
    if (!claim) return;
    const r = await call('claim.submit', { number: claim.number });
    if (r) {
      setClaim({ ...claim, submitted: true });
      void refresh();
    }
  };

  return (
    <div className="columns">
      <section className="form" onKeyDown={moveOnEnter} aria-label={t('claim.formLabel')}>
        <PersonLookup lookup={lookup} error={error} rules={rules} today={status.today} />
        {lookup.ready && (
          <fieldset disabled={!!claim}>
            <legend>{t('claim.hospital')}</legend>
            <Field label={t('claim.hospitalCode')}>
              <input
                {...bind(error, 'hospital_code')}
                value={hospital.code}
                onChange={(e) => setHospital({ ...hospital, code: e.target.value })}
              />
            </Field>
            <Field label={t('claim.hospitalName')}>
              <input
                {...bind(error, 'hospital_name')}
                value={hospital.name}
                onChange={(e) => setHospital({ ...hospital, name: e.target.value })}
              />
            </Field>
            <Field label={t('common.hospitalLevel')}>
              <select
                {...bind(error, 'hospital_level')}
                value={hospital.level}
                onChange={(e) => setHospital({ ...hospital, level: Number(e.target.value) as 1 | 2 | 3 })}
              >
                <option value={1}>{t('common.level1')}</option>
                <option value={2}>{t('common.level2')}</option>
                <option value={3}>{t('common.level3')}</option>
              </select>
            </Field>
            <Field label={t('common.admissionDate')}>
              <DateInput {...bind(error, 'admission_date')} value={admission} onChange={setAdmission} />
            </Field>
            <Field label={t('common.dischargeDate')}>
              <DateInput {...bind(error, 'discharge_date')} value={discharge} onChange={setDischarge} />
            </Field>
            <CostLines
              lines={invoices}
              name="invoices"
              error={error}
              lead={(inv, i) => (
                <>
                  <Field label={t('claim.invoiceNo', { n: i + 1 })}>
                    <input
                      {...bind(error, `invoices[${i}].invoice_no`)}
                      value={inv.invoice_no}
                      onChange={(e) => invoices.set(i, 'invoice_no', e.target.value)}
                    />
                  </Field>
                  <Field label={t('claim.invoiceDate')}>
                    <DateInput
                      {...bind(error, `invoices[${i}].invoice_date`)}
                      value={inv.invoice_date}
                      onChange={(v) => invoices.set(i, 'invoice_date', v)}
                    />
                  </Field>
                </>
              )}
              addLabel={t('claim.addInvoice')}
              onAdd={() => invoices.add()}
            />
            <Field label={t('claim.scans')}>
              <input
                type="file"
                data-field="attachments"
                multiple
                accept="image/jpeg,image/png,application/pdf"
                onChange={(e) => void attach(e.target.files)}
              />
            </Field>
            {attachments.length > 0 && (
              <p className="muted">
                {t('claim.attached', { files: attachments.map((a) => a.file_name).join(t('common.listSeparator')) })}
              </p>
            )}
          </fieldset>
        )}
        {lookup.ready && (
          <div className="actions">
            <button type="button" className="default" disabled={busy || !!claim} onClick={() => void create()}>
              {t('claim.create')}
            </button>
            <button type="button" disabled={busy || !claim || claim.submitted} onClick={() => void submit()}>
              {t('claim.submit')}
            </button>
          </div>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('claim.resultLabel')}>
        {claim ? (
          <>
            <p className="settled" data-testid="claim-number">
              {t('claim.number', { number: claim.number, amount: claim.expected })}
              {claim.submitted ? t('claim.submitted') : t('claim.notSubmitted')}
            </p>
            <ResultView result={claim.result} />
          </>
        ) : (
          <p className="hint">{t('claim.hint')}</p>
        )}
      </section>
    </div>
  );
}
