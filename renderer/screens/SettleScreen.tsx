/**
 * Discharge settlement at the window: find the person by identity number (or
 * record them), enter the bill, F5 preview with the trace beside the numbers,
 * F8 settle, F9 print the slip, F12 next patient. Year-to-date accumulators
 * come from the store, never from the cashier's memory.
 *
 * What you see is what you settle (issue 17): the preview is kept with the bill
 * it was computed for (the request as sent) and shown only while the bill on the
 * screen is that one: any edit clears it and disables F8, a failed F5 clears it.
 * F8 sends the digest F5 answered with; the service refuses a settle whose bill
 * differs (preview_stale). The amount to collect is shown beside F8.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { groupedYuan } from '../../shared/money.js';
import { isRealDate } from '../../shared/dates.js';
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
import { ErrorBox, Field, bind, moveOnEnter, useCall, useRegionName, windowError, type UiError } from '../ui.js';
import { DateInput } from '../components/DateInput.js';
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

/**
 * The field of the screen an error names (issue 17 item 3): the services name request paths, the error box labels and
 * focuses the input whose data-field is the path, so a path the screen has no input for is mapped to the one the
 * cashier corrects it in. Fee lines (and costs derived from them) come from the imported file; the person's region,
 * scheme and accumulators from the person found by identity number.
 */
export function screenField(field: string, lines: number, imported: boolean): string {
  if (field === '') return '';
  if (/^(fee_lines|mdtrt_id)\b/.test(field)) return 'import';
  if (/^prior_compensation\b/.test(field)) return 'prior_compensation';
  if (/^(insured|region|ytd|person_id)\b/.test(field)) return 'id_number';
  const line = /^costs\[(\d+)\](\.\w+)?$/.exec(field);
  if (field === 'costs' || line) {
    if (imported) return 'import';
    const i = line ? Math.min(Number(line[1]), lines - 1) : 0;
    return `costs[${i}]${line?.[2] && Number(line[1]) < lines ? line[2] : '.medfee_sumamt'}`;
  }
  return field;
}

/** A stay across 1 January whose typed lines (a blank date is the discharge date) all lie in one year, else null. */
function oneYearOfTwo(admission: string, discharge: string, dates: string[]): string | null {
  if (!isRealDate(admission) || !isRealDate(discharge) || admission.slice(0, 4) === discharge.slice(0, 4)) return null;
  const years = new Set(dates.map((d) => (d || discharge).slice(0, 4)));
  return years.size === 1 ? [...years][0]! : null;
}

export function SettleScreen({ rules, status }: { rules: RuleVersionSummary[]; status: AppStatus }) {
  const { t } = useTranslation();
  const { refresh } = useAppStatus();
  const regionName = useRegionName();
  const { call, error: serviceError, busy, setError } = useCall();
  const [level, setLevel] = useState<1 | 2 | 3>(3);
  const [admission, setAdmission] = useState('');
  const [discharge, setDischarge] = useState('');
  const [stay, setStay] = useState({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
  const costs = useCostLines(() => emptyCost(''));
  /** 江阴 二(三): paid by 公务员医疗补助 / 职工补充医疗保险 for this stay, per year (typed: the discharge year's; imported: per line's year). */
  const [prior, setPrior] = useState<Record<string, string>>({});
  /** An item-level bill from the HIS (docs/bill-import.md): sent as is; the costs shown are its per-date sums. */
  const [items, setItems] = useState<{ lines: FeeLine[]; mdtrt_id?: string } | null>(null);
  /** The cashier's confirmation of a stay across 1 January settled in one year (sent with the bill, so previewed). */
  const [crossYear, setCrossYear] = useState(false);
  /** What the file carried of the person and was not taken (shown, not silently ignored). */
  const [importNote, setImportNote] = useState<string | null>(null);
  /** F5's answer with the bill it was computed for (the request as sent) and the digest F8 sends back. */
  const [preview, setPreview] = useState<{ key: string; result: SettlementResult; digest: string } | null>(null);
  /** The settled record's result (F8's answer). */
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
    setPreview(null);
    setResult(null);
    setSettled(null);
    setSlip(null);
    clearPlatform();
  });
  const { person } = lookup;
  const actions = useRef({ preview: () => {}, settle: () => {}, print: () => {}, next: () => {} });

  /** Typed lines all in one year of a stay across 1 January: the year, and the confirmation box shows. */
  const singleYear = items
    ? null
    : oneYearOfTwo(
        admission,
        discharge,
        costs.rows.map((c) => c.date),
      );
  const input = () => ({
    person_id: person?.person_id ?? 0,
    hospital_level: level,
    admission_date: admission,
    discharge_date: discharge,
    // With fee lines the services derive the costs from them (the ones shown are the same sums, not editable).
    // A blank line date is the discharge date, as its input shows (placeholder), never filled in silently.
    ...(items
      ? { fee_lines: items.lines, ...(items.mdtrt_id ? { mdtrt_id: items.mdtrt_id } : {}) }
      : { costs: costs.rows.map((c) => ({ ...c, date: c.date || discharge })) }),
    ...(singleYear && crossYear ? { cross_year_confirmed: true } : {}),
    prior_compensation: Object.fromEntries(
      Object.entries(prior)
        .filter(([, v]) => v.trim() !== '')
        .map(([y, v]) => [y, v.trim()]),
    ),
    stay,
  });
  const priorYear = (discharge || admission || status.today).slice(0, 4);
  /** The bill on the screen as it would be sent: a preview is shown only while it is for this one. */
  const key = JSON.stringify(input());
  const keyRef = useRef(key);
  keyRef.current = key;
  const current = preview !== null && preview.key === key ? preview : null;
  // Any edit of the bill clears what F5 showed (the platform's figures too): F8 needs a new F5.
  useEffect(() => {
    if (settled) return;
    setPreview((p) => (p && p.key !== key ? null : p));
    setPlatform(null);
    setPlatformNote(null);
  }, [key, settled]);
  /** The screen's error, naming a field the screen has (screenField). */
  // Memoized: the error box focuses its field whenever the error object changes, not on every render.
  const lineCount = costs.rows.length;
  const imported = items !== null;
  const error: UiError | null = useMemo(
    () => serviceError && { ...serviceError, field: screenField(serviceError.field, lineCount, imported) },
    [serviceError, lineCount, imported],
  );

  const nhsa = status.protocol === 'nhsa';
  // Each F5 is numbered: only the latest one's answers (its preview, its 2303) are shown, even for the same bill.
  const lastF5 = useRef(0);
  // The confirmation of a single-year stay across New Year holds only while that box is shown for that year.
  useEffect(() => setCrossYear(false), [singleYear]);
  actions.current.preview = () => {
    if (!person || settled) return;
    const bill = input();
    const sent = JSON.stringify(bill);
    const n = ++lastF5.current;
    const latest = () => lastF5.current === n && keyRef.current === sent;
    setPreview(null);
    clearPlatform();
    void call('settlement.preview', bill).then(async (r) => {
      // A failed F5 leaves nothing on the screen for F8 (the error names the field instead).
      if (!r || !latest()) return;
      const { digest, ...local } = r;
      setPreview({ key: sent, result: local, digest });
      if (!nhsa || !status.online) return;
      // The platform's 2303 beside the local preview; without it F8 still settles here, provisionally.
      setPlatformNote({ kind: 'pending', text: '' });
      const p = await bridge.invoke('settlement.presettle', bill);
      if (!latest()) return;
      if (p.ok) {
        const { digest: withPlatform, ...platform } = p.value;
        setPlatform(platform);
        setPlatformNote(null);
        // F8 now settles what is shown: the bill and the platform's 2303 (the service checks both).
        setPreview((v) => (v && v.key === sent ? { ...v, digest: withPlatform } : v));
      } else {
        setPlatformNote({ kind: 'failed', text: i18next.language === 'en' ? p.error.message_en : p.error.message });
      }
    });
  };
  actions.current.settle = () => {
    if (!person || settled || !current || platformNote?.kind === 'pending') return;
    void call('settlement.settle', { ...input(), preview_digest: current.digest }).then((r) => {
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
      const run = {
        F5: actions.current.preview,
        F8: actions.current.settle,
        F9: actions.current.print,
        F12: actions.current.next,
      }[e.key];
      if (run) {
        e.preventDefault();
        run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  /** 下一位 (F12, once settled): a clean screen with the focus on the identity number, the first thing to do. */
  const [focusId, setFocusId] = useState(0);
  useEffect(() => {
    if (focusId) document.querySelector<HTMLElement>('[data-field="id_number"]')?.focus();
  }, [focusId]);
  const next = () => {
    lookup.clear();
    costs.reset();
    setItems(null);
    setStay({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
    setPrior({});
    setAdmission('');
    setDischarge('');
    setCrossYear(false);
    setImportNote(null);
    setPreview(null);
    setResult(null);
    setSettled(null);
    setSlip(null);
    setError(null);
    clearPlatform();
    setFocusId((n) => n + 1);
  };
  actions.current.next = () => {
    if (settled) next();
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
    // A file for another region than the person found is another patient's bill, or a wrong export: refused.
    if (person && b.region && b.region !== person.region) {
      const named = (code: string) => {
        const r = rules.find((v) => v.region === code);
        return r ? regionName(r) : code;
      };
      return setError(
        windowError('import', (lng) =>
          i18next.t('settle.importOtherRegion', {
            lng,
            file: file.name,
            fileRegion: named(b.region!),
            personRegion: named(person.region),
          }),
        ),
      );
    }
    setImportNote(b.person_fields?.length ? t('settle.importPersonIgnored', { file: file.name }) : null);
    if (b.admission_date) setAdmission(b.admission_date);
    if (b.discharge_date) setDischarge(b.discharge_date);
    if (b.hospital_level) setLevel(b.hospital_level);
    costs.reset(b.costs);
    setItems(b.fee_lines ? { lines: b.fee_lines, ...(b.mdtrt_id ? { mdtrt_id: b.mdtrt_id } : {}) } : null);
    setPrior(b.prior_compensation ?? {});
    setPreview(null);
    setError(null);
  };

  /** What the result column shows: the settled record's, else the preview of the bill on the screen. */
  const shown = settled ? result : (current?.result ?? null);

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
                <DateInput {...bind(error, 'admission_date')} value={admission} onChange={setAdmission} />
              </Field>
              <Field label={t('common.dischargeDate')}>
                <DateInput {...bind(error, 'discharge_date')} value={discharge} onChange={setDischarge} />
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
                      setPreview(null);
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
                  lead={(c, i) => (
                    // Every line's date is on the screen: a blank one shows what it means (the discharge date).
                    <Field label={t('settle.lineDate', { line: i + 1 })}>
                      <DateInput
                        {...bind(error, `costs[${i}].date`)}
                        value={c.date}
                        placeholder={t('settle.lineDateBlank', { date: discharge || 'YYYY-MM-DD' })}
                        onChange={(v) => costs.set(i, 'date', v)}
                      />
                    </Field>
                  )}
                  addLabel={t('settle.addLine')}
                  onAdd={() => costs.add(emptyCost(discharge))}
                />
              </fieldset>
              {singleYear && (
                <label className="check wide">
                  <input
                    type="checkbox"
                    {...bind(error, 'cross_year_confirmed')}
                    checked={crossYear}
                    onChange={(e) => setCrossYear(e.target.checked)}
                  />
                  <span>{t('settle.crossYear', { year: singleYear })}</span>
                </label>
              )}
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
              {importNote && (
                <p className="hint" data-testid="import-note">
                  {importNote}
                </p>
              )}
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
                disabled={busy || !!settled || !current || platformNote?.kind === 'pending'}
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
            {current && !settled && (
              // The amount to collect, before F8: the platform's when its 2303 answered, else the terminal's.
              <p className="confirm" data-testid="settle-confirm">
                {t('settle.confirm', {
                  amount: groupedYuan(
                    platform?.rows.find((r) => r.key === 'psn_cash_pay')?.platform ?? current.result.psn_cash_pay,
                  ),
                })}
              </p>
            )}
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
        {platform && shown && (
          <h3 className="hint" data-testid="local-reference">
            {t('platform.localReference')}
          </h3>
        )}
        {shown ? (
          // Beside the platform's figures the terminal's are a check, not what the patient pays: drawn smaller.
          <div className={platform ? 'reference' : undefined}>
            <ResultView result={shown} />
          </div>
        ) : (
          <p className="hint">{t('settle.hint')}</p>
        )}
      </section>
    </div>
  );
}
