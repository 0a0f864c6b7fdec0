/**
 * Discharge settlement at the window: find the person by identity number (or
 * record them), enter the bill, F5 preview with the trace beside the numbers,
 * F8 settle, F9 print the slip. Year-to-date accumulators come from the store,
 * never from the cashier's memory.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.js';
import type { AppStatus, PrintedSlipInfo, RuleVersionSummary } from '../../shared/ipc/contract.js';
import type { SettlementResult } from '../../shared/engine/result.js';
import type { PersonSummary } from '../../shared/store/records.js';
import {
  AmountInputs,
  ErrorBox,
  Field,
  bind,
  moveOnEnter,
  useCall,
  useFundName,
  useRegionName,
  windowError,
} from '../ui.js';
import { ResultView, SlipView } from './ResultView.js';
import { importBill } from '../../shared/bill-import.js';
import { enrolledIn, enrolmentYears } from '../../shared/engine/insured.js';

interface CostRow {
  date: string;
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
}

const emptyCost = (date: string): CostRow => ({
  date,
  medfee_sumamt: '',
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
});

export function SettleScreen({ rules, status }: { rules: RuleVersionSummary[]; status: AppStatus }) {
  const { t } = useTranslation();
  const { call, error, busy, setError } = useCall();
  const [idNumber, setIdNumber] = useState('');
  const [person, setPerson] = useState<PersonSummary | null>(null);
  const [recording, setRecording] = useState(false);
  /** The identity number last looked up: kept for updating the person, not shown. */
  const [lookedUp, setLookedUp] = useState('');
  const [level, setLevel] = useState<1 | 2 | 3>(3);
  const [admission, setAdmission] = useState('');
  const [discharge, setDischarge] = useState('');
  const [stay, setStay] = useState({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
  const [costs, setCosts] = useState<CostRow[]>([emptyCost('')]);
  /** 江阴 二(三): paid by 公务员医疗补助 / 职工补充医疗保险 for this stay, per year (typed: the discharge year's; imported: per line's year). */
  const [prior, setPrior] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SettlementResult | null>(null);
  const [settled, setSettled] = useState<string | null>(null);
  const [layout, setLayout] = useState<'a5' | 'receipt80'>('a5');
  const [slip, setSlip] = useState<PrintedSlipInfo | null>(null);
  const actions = useRef({ preview: () => {}, settle: () => {}, print: () => {} });

  const input = () => ({
    person_id: person?.person_id ?? 0,
    hospital_level: level,
    admission_date: admission,
    discharge_date: discharge,
    costs: costs.map((c) => ({ ...c, date: c.date || discharge })),
    prior_compensation: Object.fromEntries(
      Object.entries(prior)
        .filter(([, v]) => v.trim() !== '')
        .map(([y, v]) => [y, v.trim()]),
    ),
    stay,
  });
  const priorYear = (discharge || admission || status.today).slice(0, 4);

  const find = async () => {
    const found = await call('person.find', { id_number: idNumber.trim() });
    if (found === undefined) return;
    setPerson(found);
    setRecording(found === null);
    // Once found, the full identity number leaves the screen; the card shows it masked.
    setLookedUp(idNumber.trim());
    if (found) setIdNumber('');
    setResult(null);
    setSettled(null);
    setSlip(null);
  };

  actions.current.preview = () => {
    if (!person || settled) return;
    void call('settlement.preview', input()).then((r) => r && setResult(r));
  };
  actions.current.settle = () => {
    if (!person || settled || !result) return;
    void call('settlement.settle', input()).then((r) => {
      if (!r) return;
      setResult(r.result);
      setSettled(r.number);
      window.dispatchEvent(new Event('desk:changed'));
    });
  };
  actions.current.print = () => {
    if (!settled) return;
    void call('slip.print', { number: settled, layout }).then((r) => r && setSlip(r));
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
    setIdNumber('');
    setPerson(null);
    setRecording(false);
    setCosts([emptyCost('')]);
    setStay({ inpatient_no: '', ward: '', bed: '', diagnosis: '' });
    setPrior({});
    setAdmission('');
    setDischarge('');
    setResult(null);
    setSettled(null);
    setSlip(null);
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
    setCosts(b.costs);
    setPrior(b.prior_compensation ?? {});
    setResult(null);
    setError(null);
  };

  const setCost = (i: number, key: keyof CostRow, value: string) =>
    setCosts((rows) => rows.map((r, j) => (j === i ? { ...r, [key]: value } : r)));

  return (
    <div className="columns">
      <section className="form" aria-label={t('settle.formLabel')} onKeyDown={moveOnEnter}>
        <fieldset>
          <legend>{t('common.insuredPerson')}</legend>
          <Field label={t('common.idNumber')}>
            <input
              {...bind(error, 'id_number')}
              autoFocus
              value={idNumber}
              onChange={(e) => setIdNumber(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && void find()}
              maxLength={18}
            />
          </Field>
          {person && !recording && <PersonCard person={person} rules={rules} onEdit={() => setRecording(true)} />}
        </fieldset>
        {recording && (
          <RecordPerson
            idNumber={lookedUp}
            rules={rules}
            existing={person}
            today={status.today}
            onDone={(p) => {
              setPerson(p);
              setRecording(false);
            }}
          />
        )}
        {person && !recording && (
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
              {costs.map((c, i) => (
                <div className="cost" key={i}>
                  {costs.length > 1 && (
                    <Field label={t('settle.lineDate', { line: i + 1 })}>
                      <input
                        type="date"
                        {...bind(error, `costs[${i}].date`)}
                        value={c.date}
                        onChange={(e) => setCost(i, 'date', e.target.value)}
                      />
                    </Field>
                  )}
                  <AmountInputs
                    error={error}
                    path={`costs[${i}]`}
                    row={c}
                    onChange={(key, value) => setCost(i, key, value)}
                  />
                </div>
              ))}
              <button type="button" className="link" onClick={() => setCosts([...costs, emptyCost(discharge)])}>
                {t('settle.addLine')}
              </button>
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
              <button type="button" disabled={busy || !!settled || !result} onClick={() => actions.current.settle()}>
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
        {result ? <ResultView result={result} /> : <p className="hint">{t('settle.hint')}</p>}
      </section>
    </div>
  );
}

export function PersonCard({
  person,
  rules,
  onEdit,
}: {
  person: PersonSummary;
  rules: RuleVersionSummary[];
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const fundName = useFundName();
  const regionName = useRegionName();
  const region = rules.find((r) => r.region === person.region);
  const enrolled = (region?.layers ?? []).filter((l) => l.enrolment !== null && l.schemes.includes(person.scheme));
  return (
    <div className="person" data-testid="person">
      <strong>{person.name}</strong>{' '}
      {person.gender === 'F' ? t('person.female') : person.gender === 'M' ? t('person.male') : ''}{' '}
      <code>{person.id_masked}</code>
      <div>
        {region ? regionName(region) : person.region} · {t(`schemes.${person.scheme}`)}
        {person.scheme === 'employee' && ` · ${person.retired ? t('person.retired') : t('person.working')}`}
        {person.medical_assistance && ` · ${t('person.assistance')}`}
      </div>
      {enrolled.flatMap((l) =>
        enrolmentYears(person.enrolled[l.id]).map(({ year, enrolled: yes }) => (
          <div key={`${l.id}-${year ?? 'all'}`} data-testid={`enrolment-${l.id}${year ? `-${year}` : ''}`}>
            {year === null
              ? yes
                ? t('person.enrolled', { layer: fundName(l) })
                : t('person.notEnrolled', { layer: fundName(l) })
              : yes
                ? t('person.enrolledIn', { layer: fundName(l), year })
                : t('person.notEnrolledIn', { layer: fundName(l), year })}
          </div>
        )),
      )}
      {person.suspended_years.length > 0 && (
        <div className="warn" data-testid="suspended">
          {t('person.suspended', { years: person.suspended_years.join(', ') })}
        </div>
      )}
      <div className="muted">
        {t('person.source', {
          source: person.source === 'insurer' ? t('person.sourceInsurer') : t('person.sourceCashier'),
          date: person.as_of.slice(0, 10),
        })}
        <button type="button" className="link" onClick={onEdit}>
          {t('person.update')}
        </button>
      </div>
    </div>
  );
}

export function RecordPerson({
  idNumber,
  rules,
  existing,
  today,
  onDone,
}: {
  idNumber: string;
  rules: RuleVersionSummary[];
  existing: PersonSummary | null;
  today: string;
  onDone: (p: PersonSummary) => void;
}) {
  const { t } = useTranslation();
  const fundName = useFundName();
  const regionName = useRegionName();
  const { call, error, busy } = useCall();
  const regions = useMemo(() => [...new Map(rules.map((r) => [r.region, r])).values()], [rules]);
  const [name, setName] = useState(existing?.name ?? '');
  const [gender, setGender] = useState<'M' | 'F' | ''>(existing?.gender ?? '');
  const [region, setRegion] = useState(existing?.region ?? regions[0]?.region ?? '');
  const version = regions.find((r) => r.region === region);
  const [scheme, setScheme] = useState<'employee' | 'resident'>(existing?.scheme ?? version?.schemes[0] ?? 'employee');
  const [retired, setRetired] = useState(existing?.retired ?? false);
  const [assistance, setAssistance] = useState(existing?.medical_assistance ?? false);
  const year = today.slice(0, 4);
  /** Enrolment for this year and last year (a stay over New Year touches both: 开封 第八条). */
  const years = [String(Number(year) - 1), year];
  const [enrolled, setEnrolled] = useState<Record<string, Record<string, boolean>>>(() =>
    Object.fromEntries(
      Object.entries(existing?.enrolled ?? {}).map(([id, e]) => [
        id,
        Object.fromEntries(years.map((y) => [y, enrolledIn(e, Number(y))])),
      ]),
    ),
  );
  const [paid, setPaid] = useState('0.00');
  const [admissions, setAdmissions] = useState('0');
  const layers = (version?.layers ?? []).filter((l) => l.enrolment !== null && l.schemes.includes(scheme));
  const setEnrolledIn = (id: string, y: string, on: boolean) =>
    setEnrolled({ ...enrolled, [id]: { ...enrolled[id], [y]: on } });

  const save = async () => {
    const p = await call('person.record', {
      id_number: idNumber,
      name,
      gender: gender || null,
      region,
      scheme,
      retired: scheme === 'employee' && retired,
      medical_assistance: assistance,
      enrolled: Object.fromEntries(
        layers.map((l) => [l.id, Object.fromEntries(years.map((y) => [y, enrolled[l.id]?.[y] === true]))]),
      ),
      accumulators: { [year]: { basic: { paid: paid.trim(), admissions: Number(admissions) } } },
      as_of: new Date().toISOString(),
      source: 'cashier',
    });
    if (p) onDone(p);
  };

  return (
    <fieldset onKeyDown={moveOnEnter}>
      <legend>{existing ? t('record.titleUpdate') : t('record.titleNew')}</legend>
      <Field label={t('common.name')}>
        <input {...bind(error, 'name')} value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label={t('record.gender')}>
        <select value={gender} onChange={(e) => setGender(e.target.value as 'M' | 'F' | '')}>
          <option value="">{t('common.none')}</option>
          <option value="M">{t('person.male')}</option>
          <option value="F">{t('person.female')}</option>
        </select>
      </Field>
      <Field label={t('record.region')}>
        <select
          {...bind(error, 'region')}
          value={region}
          onChange={(e) => {
            setRegion(e.target.value);
            setScheme(regions.find((r) => r.region === e.target.value)?.schemes[0] ?? 'employee');
          }}
        >
          {regions.map((r) => (
            <option key={r.region} value={r.region}>
              {regionName(r)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('record.scheme')}>
        <select
          {...bind(error, 'scheme')}
          value={scheme}
          onChange={(e) => setScheme(e.target.value as 'employee' | 'resident')}
        >
          {(version?.schemes ?? []).map((s) => (
            <option key={s} value={s}>
              {t(`schemes.${s}`)}
            </option>
          ))}
        </select>
      </Field>
      <label className="check">
        <input
          type="checkbox"
          data-field="retired"
          disabled={scheme !== 'employee'}
          checked={retired}
          onChange={(e) => setRetired(e.target.checked)}
        />{' '}
        {t('person.retired')}
      </label>
      <label className="check">
        <input
          type="checkbox"
          data-field="medical_assistance"
          checked={assistance}
          onChange={(e) => setAssistance(e.target.checked)}
        />{' '}
        {t('person.assistance')}
      </label>
      {layers.flatMap((l) =>
        [...years].reverse().map((y) => (
          <label className="check" key={`${l.id}-${y}`} title={l.enrolment ?? ''}>
            {/* This year's box keeps the plain name: the usual stay is within one year. */}
            <input
              type="checkbox"
              data-field={y === year ? `enrolled.${l.id}` : `enrolled.${l.id}.${y}`}
              checked={enrolled[l.id]?.[y] === true}
              onChange={(e) => setEnrolledIn(l.id, y, e.target.checked)}
            />{' '}
            {t('record.enrolledPaidYear', { layer: fundName(l), year: y })}
          </label>
        )),
      )}
      <Field label={t('record.paidThisYear', { year })}>
        <input
          inputMode="decimal"
          {...bind(error, `accumulators.${year}.basic.paid`, 'amount')}
          value={paid}
          onChange={(e) => setPaid(e.target.value)}
        />
      </Field>
      <Field label={t('record.admissionsThisYear', { year })}>
        <input
          inputMode="numeric"
          {...bind(error, `accumulators.${year}.basic.admissions`, 'amount')}
          value={admissions}
          onChange={(e) => setAdmissions(e.target.value)}
        />
      </Field>
      <button type="button" className="default" disabled={busy} onClick={() => void save()}>
        {t('record.save')}
      </button>
      <ErrorBox error={error} />
    </fieldset>
  );
}
