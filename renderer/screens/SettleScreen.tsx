/**
 * Discharge settlement at the window: find the person by identity number (or
 * record them), enter the bill, F5 preview with the trace beside the numbers,
 * F8 settle, F9 print the slip. Year-to-date accumulators come from the store,
 * never from the cashier's memory.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.js';
import type {
  AppStatus,
  PlatformPreview,
  PlatformSettlement,
  PrintedSlipInfo,
  RuleVersionSummary,
} from '../../shared/ipc/contract.js';
import type { SettlementResult } from '../../shared/engine/result.js';
import type { CostLine } from '../../shared/engine/cost-line.js';
import type { FeeLine } from '../../shared/fee-lines.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall, windowError } from '../ui.js';
import { useAppStatus } from '../app-status.js';
import { ResultView, SlipView } from './ResultView.js';
import { PersonLookup } from '../components/PersonLookup.js';
import { CostLines } from '../components/CostLines.js';
import { PlatformView } from '../components/PlatformView.js';
import { bridge } from '../bridge.js';
import { usePersonLookup } from '../hooks/usePersonLookup.js';
import { useCostLines } from '../hooks/useCostLines.js';
import { importBill } from '../../shared/bill-import.js';

const emptyCost = (date: string): CostLine => ({
  date,
  medfee_sumamt: '',
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
});

export function SettleScreen({ rules, status }: { rules: RuleVersionSummary[]; status: AppStatus }) {
  const { t } = useTranslation();
  const { refresh } = useAppStatus();
  const { call, error, busy, setError } = useCall();
  const [level, setLevel] = useState<1 | 2 | 3>(3);
  const [admission, setAdmission] = useState('');
  const [discharge, setDischarge] = useState('');
  const [stay, setStay] = useState({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
  const costs = useCostLines(() => emptyCost(''));
  /** 江阴 二(三): paid by 公务员医疗补助 / 职工补充医疗保险 for this stay, per year (typed: the discharge year's; imported: per line's year). */
  const [prior, setPrior] = useState<Record<string, string>>({});
  /** An item-level bill from the HIS (docs/bill-import.md): sent as is; the costs shown are its per-date sums. */
  const [items, setItems] = useState<{ lines: FeeLine[]; mdtrt_id?: string } | null>(null);
  const [result, setResult] = useState<SettlementResult | null>(null);
  const [settled, setSettled] = useState<string | null>(null);
  const [layout, setLayout] = useState<'a5' | 'receipt80'>('a5');
  const [slip, setSlip] = useState<PrintedSlipInfo | null>(null);
  /** NHSA terminal: the platform's 2303 after F5, its 2304 after F8 (docs/nhsa.md §7.6). */
  const [platform, setPlatform] = useState<PlatformPreview | PlatformSettlement | null>(null);
  /** Why the platform's figures are missing or the amounts provisional (the platform's or the terminal's words). */
  const [platformNote, setPlatformNote] = useState<{ kind: 'pending' | 'failed' | 'provisional'; text: string } | null>(
    null,
  );
  const clearPlatform = () => {
    setPlatform(null);
    setPlatformNote(null);
  };
  const lookup = usePersonLookup(call, () => {
    setResult(null);
    setSettled(null);
    setSlip(null);
    clearPlatform();
  });
  const { person } = lookup;
  const actions = useRef({ preview: () => {}, settle: () => {}, print: () => {} });

  const input = () => ({
    person_id: person?.person_id ?? 0,
    hospital_level: level,
    admission_date: admission,
    discharge_date: discharge,
    // With fee lines the services derive the costs from them (the ones shown are the same sums, not editable).
    ...(items
      ? { fee_lines: items.lines, ...(items.mdtrt_id ? { mdtrt_id: items.mdtrt_id } : {}) }
      : { costs: costs.rows.map((c) => ({ ...c, date: c.date || discharge })) }),
    prior_compensation: Object.fromEntries(
      Object.entries(prior)
        .filter(([, v]) => v.trim() !== '')
        .map(([y, v]) => [y, v.trim()]),
    ),
    stay,
  });
  const priorYear = (discharge || admission || status.today).slice(0, 4);

  const nhsa = status.protocol === 'nhsa';
  actions.current.preview = () => {
    if (!person || settled) return;
    const bill = input();
    clearPlatform();
    void call('settlement.preview', bill).then(async (r) => {
      if (!r) return;
      setResult(r);
      if (!nhsa || !status.online) return;
      // The platform's 2303 beside the local preview; without it F8 still settles here, provisionally.
      setPlatformNote({ kind: 'pending', text: '' });
      const p = await bridge.invoke('settlement.presettle', bill);
      if (p.ok) {
        setPlatform(p.value);
        setPlatformNote(null);
      } else {
        setPlatformNote({ kind: 'failed', text: i18next.language === 'en' ? p.error.message_en : p.error.message });
      }
    });
  };
  actions.current.settle = () => {
    if (!person || settled || !result || platformNote?.kind === 'pending') return;
    void call('settlement.settle', input()).then((r) => {
      if (!r) return;
      setResult(r.result);
      setSettled(r.number);
      setPlatform(r.platform);
      setPlatformNote(r.provisional ? { kind: 'provisional', text: r.provisional } : null);
      void refresh();
    });
  };
  actions.current.print = () => {
    if (!settled) return;
    void call('slip.print', { number: settled, layout }).then((r) => {
      if (r) setSlip(r);
      void refresh(); // free space is measured around each print: a low-space warning shows now
    });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const run = { F5: actions.current.preview, F8: actions.current.settle, F9: actions.current.print }[e.key];
      if (run) {
        e.preventDefault();
        run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const next = () => {
    lookup.clear();
    costs.reset();
    setItems(null);
    setStay({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
    setPrior({});
    setAdmission('');
    setDischarge('');
    setResult(null);
    setSettled(null);
    setSlip(null);
    clearPlatform();
  };

  /** A bill exported by the hospital system: JSON (the CLI's request) or CSV (shared/bill-import.ts). */
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    const outcome = importBill(file.name, await file.text());
    if (!outcome.ok)
      return setError(
        windowError('import', (lng) =>
          i18next.t('settle.importFailed', {
            lng,
            file: file.name,
            problem: lng === 'en' ? outcome.problem_en : outcome.problem,
          }),
        ),
      );
    const b = outcome.bill;
    if (b.admission_date) setAdmission(b.admission_date);
    if (b.discharge_date) setDischarge(b.discharge_date);
    if (b.hospital_level) setLevel(b.hospital_level);
    costs.reset(b.costs);
    setItems(b.fee_lines ? { lines: b.fee_lines, ...(b.mdtrt_id ? { mdtrt_id: b.mdtrt_id } : {}) } : null);
    setPrior(b.prior_compensation ?? {});
    setResult(null);
    setError(null);
  };

  return (
    <div className="columns">
      <section className="form" aria-label={t('settle.formLabel')} onKeyDown={moveOnEnter}>
        <PersonLookup lookup={lookup} error={error} rules={rules} today={status.today} autoFocus />
        {lookup.ready && (
          <>
            <fieldset disabled={!!settled}>
              <legend>{t('settle.stay')}</legend>
              <Field label={t('common.hospitalLevel')}>
                <select
                  {...bind(error, 'hospital_level')}
                  value={level}
                  onChange={(e) => setLevel(Number(e.target.value) as 1 | 2 | 3)}
                >
                  <option value={1}>{t('common.level1')}</option>
                  <option value={2}>{t('common.level2')}</option>
                  <option value={3}>{t('common.level3')}</option>
                </select>
              </Field>
              <Field label={t('common.admissionDate')}>
                <input
                  type="date"
                  {...bind(error, 'admission_date')}
                  value={admission}
                  onChange={(e) => setAdmission(e.target.value)}
                />
              </Field>
              <Field label={t('common.dischargeDate')}>
                <input
                  type="date"
                  {...bind(error, 'discharge_date')}
                  value={discharge}
                  onChange={(e) => setDischarge(e.target.value)}
                />
              </Field>
              <Field label={t('settle.inpatientNo')}>
                <input
                  {...bind(error, 'stay.inpatient_no')}
                  value={stay.inpatient_no}
                  onChange={(e) => setStay({ ...stay, inpatient_no: e.target.value })}
                />
              </Field>
              <Field label={t('settle.wardBed')}>
                <span className="pair">
                  <input
                    {...bind(error, 'stay.ward')}
                    value={stay.ward}
                    onChange={(e) => setStay({ ...stay, ward: e.target.value })}
                  />
                  <input
                    {...bind(error, 'stay.bed')}
                    value={stay.bed}
                    onChange={(e) => setStay({ ...stay, bed: e.target.value })}
                  />
                </span>
              </Field>
              <Field label={t('settle.diagnosis')}>
                <input
                  {...bind(error, 'stay.diagnosis')}
                  value={stay.diagnosis}
                  onChange={(e) => setStay({ ...stay, diagnosis: e.target.value })}
                />
              </Field>
            </fieldset>
            <fieldset disabled={!!settled}>
              <legend>{t('settle.costs')}</legend>
              {items && (
                <p className="hint" data-testid="fee-lines">
                  {t('settle.feeLinesImported', { count: items.lines.length })}
                  {items.mdtrt_id && t('settle.feeLinesStay', { id: items.mdtrt_id })}{' '}
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setItems(null);
                      costs.reset();
                      setResult(null);
                    }}
                  >
                    {t('settle.clearFeeLines')}
                  </button>
                </p>
              )}
              {/* Lines derived from fee lines are shown, not edited: a nested fieldset disables them all. */}
              <fieldset disabled={!!items} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
                <CostLines
                  lines={costs}
                  name="costs"
                  error={error}
                  lead={(c, i) =>
                    costs.rows.length > 1 && (
                      <Field label={t('settle.lineDate', { line: i + 1 })}>
                        <input
                          type="date"
                          {...bind(error, `costs[${i}].date`)}
                          value={c.date}
                          onChange={(e) => costs.set(i, 'date', e.target.value)}
                        />
                      </Field>
                    )
                  }
                  addLabel={t('settle.addLine')}
                  onAdd={() => costs.add(emptyCost(discharge))}
                />
              </fieldset>
              <Field label={t('settle.priorCompensation', { year: priorYear })}>
                <input
                  inputMode="decimal"
                  {...bind(error, `prior_compensation.${priorYear}`, 'amount')}
                  data-field="prior_compensation"
                  value={prior[priorYear] ?? ''}
                  placeholder={t('settle.optional')}
                  onChange={(e) => setPrior({ ...prior, [priorYear]: e.target.value })}
                />
              </Field>
              <Field label={t('settle.importBill')}>
                <input
                  type="file"
                  data-field="import"
                  accept=".json,.csv,application/json,text/csv"
                  onChange={(e) => void importFile(e.target.files?.[0])}
                />
              </Field>
            </fieldset>
            <div className="actions">
              <button
                type="button"
                className="default"
                disabled={busy || !!settled}
                onClick={() => actions.current.preview()}
              >
                {t('settle.preview')}
              </button>
              <button
                type="button"
                disabled={busy || !!settled || !result || platformNote?.kind === 'pending'}
                onClick={() => actions.current.settle()}
              >
                {t('settle.settle')}
              </button>
              <select
                aria-label={t('settle.paper')}
                value={layout}
                onChange={(e) => setLayout(e.target.value as 'a5' | 'receipt80')}
              >
                <option value="a5">{t('settle.paperA5')}</option>
                <option value="receipt80">{t('settle.paperReceipt')}</option>
              </select>
              <button type="button" disabled={busy || !settled} onClick={() => actions.current.print()}>
                {t('settle.print')}
              </button>
              {settled && (
                <button type="button" className="link" onClick={next}>
                  {t('settle.next')}
                </button>
              )}
            </div>
          </>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('settle.resultLabel')}>
        {settled && (
          <p className="settled" data-testid="settled-number">
            {t('settle.settled', { number: settled })}
            {!status.online && t('settle.settledOffline')}
          </p>
        )}
        {slip && <SlipView slip={slip} />}
        {platformNote && (
          <p
            className={platformNote.kind === 'pending' ? 'hint' : 'provisional'}
            data-testid={`platform-${platformNote.kind}`}
          >
            {t(`platform.${platformNote.kind}`, { message: platformNote.text })}
          </p>
        )}
        {platform && <PlatformView platform={platform} />}
        {platform && result && (
          <h3 className="hint" data-testid="local-reference">
            {t('platform.localReference')}
          </h3>
        )}
        {result ? (
          // Beside the platform's figures the terminal's are a check, not what the patient pays: drawn smaller.
          <div className={platform ? 'reference' : undefined}>
            <ResultView result={result} />
          </div>
        ) : (
          <p className="hint">{t('settle.hint')}</p>
        )}
      </section>
    </div>
  );
}
