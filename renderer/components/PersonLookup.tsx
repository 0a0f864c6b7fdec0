/**
 * The insured person at the top of the settle and claim screens: the identity
 * number (Enter looks it up), the person's card once found, and the form that
 * records them (or updates the store's copy) when the store does not know them.
 * State and lookup live in usePersonLookup.
 */
import { Fragment, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import type { FoundPerson, RuleVersionSummary } from '../../shared/ipc/contract.js';
import { BASIC_LAYER_ID } from '../../shared/rules/schema.js';
import { enrolledIn, enrolmentYears } from '../../shared/engine/insured.js';
import { genderOfIdNumber } from '../../shared/sync/id-number.js';
import {
  ErrorBox,
  Field,
  bind,
  moveOnEnter,
  useCall,
  useFundName,
  useRegionName,
  windowError,
  type UiError,
} from '../ui.js';
import type { PersonLookupState } from '../hooks/usePersonLookup.js';

export function PersonLookup({
  lookup,
  error,
  rules,
  today,
  autoFocus,
}: {
  lookup: PersonLookupState;
  /** The screen's last error: the identity number is marked when it names id_number. */
  error: UiError | null;
  rules: RuleVersionSummary[];
  today: string;
  autoFocus?: boolean;
}) {
  const { t } = useTranslation();
  const card = useRef<HTMLFieldSetElement>(null);
  /** The record form's last error: when it names id_number, the identity number here is the field marked. */
  const [recordError, setRecordError] = useState<UiError | null>(null);
  const idError = recordError?.field === 'id_number' ? recordError : error;

  // Found or recorded: the focus on the next thing to do, the first field after this card on its screen (the settle
  // screen's hospital level, the claim screen's hospital code), never the page body.
  useEffect(() => {
    if (!lookup.settledAt || !card.current) return;
    const own = card.current;
    const scope = own.closest('section, main, form') ?? document.body;
    const next = [...scope.querySelectorAll<HTMLElement>('input:not([disabled]), select:not([disabled])')].find(
      (el) => !own.contains(el) && own.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING,
    );
    next?.focus();
  }, [lookup.settledAt]);

  /** Enter looks the number up, and nothing else: the screen's Enter-moves-on must not press a default button too. */
  const onIdKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    e.stopPropagation();
    void lookup.find();
  };

  return (
    <>
      <fieldset ref={card}>
        <legend>{t('common.insuredPerson')}</legend>
        <Field label={t('common.idNumber')}>
          <input
            {...bind(idError, 'id_number')}
            autoFocus={autoFocus}
            value={lookup.idNumber}
            onChange={(e) => lookup.setIdNumber(e.target.value)}
            onKeyDown={onIdKey}
            maxLength={18}
          />
        </Field>
        {lookup.person && !lookup.recording && <PersonCard person={lookup.person} rules={rules} onEdit={lookup.edit} />}
      </fieldset>
      {lookup.recording && (
        <RecordPerson
          // A fresh form per number looked up: its gender (and the rest) start from that number, not the last one's.
          key={lookup.lookedUp}
          idNumber={lookup.lookedUp}
          rules={rules}
          existing={lookup.person}
          today={today}
          onDone={lookup.recorded}
          onError={setRecordError}
        />
      )}
    </>
  );
}

function PersonCard({
  person,
  rules,
  onEdit,
}: {
  person: FoundPerson;
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
      {person.nhsa && (
        // 1101 at lookup (docs/nhsa.md §7.6): the platform's person number, and its status when not 正常参保.
        <div className={person.nhsa.psn_insu_stas === '1' ? 'hint' : 'warn'} data-testid="nhsa-person">
          {t('person.nhsa', {
            psn: person.nhsa.psn_no,
            insutype: person.nhsa.insutype,
            admdvs: person.nhsa.insuplc_admdvs,
          })}
          {person.nhsa.psn_insu_stas !== '1' && ` · ${t('person.nhsaStatus', { status: person.nhsa.psn_insu_stas })}`}
        </div>
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

/**
 * The region a new person starts in. The window cannot tell the terminal's own region from its hospital code: rule
 * packages carry no 医保区划, and the code → region table is the insurer's (insurer/regions.ts, not the window's). So:
 * the region last recorded at this terminal (a hospital's cashier records its own region's persons), else the first
 * region whose package is in force today, else the first region.
 */
const REGION_KEY = 'discharge-desk.person.region';
function defaultRegion(regions: RuleVersionSummary[], today: string): string {
  let remembered: string | null = null;
  try {
    remembered = window.localStorage.getItem(REGION_KEY);
  } catch {
    // No storage (a locked-down profile): the package in force.
  }
  if (remembered && regions.some((r) => r.region === remembered)) return remembered;
  const inForce = regions.find(
    (r) => r.effective_from <= today && (r.effective_to === null || r.effective_to >= today),
  );
  return (inForce ?? regions[0])?.region ?? '';
}
function rememberRegion(region: string): void {
  try {
    window.localStorage.setItem(REGION_KEY, region);
  } catch {
    // Not remembered: the next person starts in the package in force.
  }
}

const WHOLE = /^\d{1,4}$/;

type YearAccumulators = FoundPerson['accumulators'][string];
/**
 * The layers of a year the form does not show (all but basic), kept as the store has them, except that a negative
 * total is saved as 0.00: a year-to-date total cannot be below zero, and one is only when the ledger reverses a
 * settlement the insurer's snapshot never counted. Zero is the nearer figure and the one that leaves the fund less
 * room, and the save is not refused on a field the cashier cannot see or correct.
 */
function hiddenLayers(year: YearAccumulators | undefined): YearAccumulators {
  const floor = (v: string | undefined) => (v !== undefined && v.trim().startsWith('-') ? '0.00' : v);
  return Object.fromEntries(
    Object.entries(year ?? {})
      .filter(([id]) => id !== BASIC_LAYER_ID)
      .map(([id, a]) => [id, { ...a, paid: floor(a.paid)!, ...(a.base !== undefined && { base: floor(a.base) }) }]),
  );
}

function RecordPerson({
  idNumber,
  rules,
  existing,
  today,
  onDone,
  onError,
}: {
  idNumber: string;
  rules: RuleVersionSummary[];
  existing: FoundPerson | null;
  today: string;
  onDone: (p: FoundPerson) => void;
  /** The form's last error, for the identity number above it (marked when the error names id_number). */
  onError: (e: UiError | null) => void;
}) {
  const { t } = useTranslation();
  const fundName = useFundName();
  const regionName = useRegionName();
  const { call, error, setError, busy } = useCall();
  useEffect(() => onError(error), [error, onError]);
  useEffect(() => () => onError(null), [onError]);
  const regions = useMemo(() => [...new Map(rules.map((r) => [r.region, r])).values()], [rules]);
  const [name, setName] = useState(existing?.name ?? '');
  // The identity number's gender (its 17th digit) unless the store has one: the slip prints 性别.
  const [gender, setGender] = useState<'M' | 'F' | ''>(existing?.gender ?? genderOfIdNumber(idNumber) ?? '');
  const [region, setRegion] = useState(() => existing?.region ?? defaultRegion(regions, today));
  const version = regions.find((r) => r.region === region);
  const [scheme, setScheme] = useState<'employee' | 'resident'>(existing?.scheme ?? version?.schemes[0] ?? 'employee');
  const [retired, setRetired] = useState(existing?.retired ?? false);
  const [assistance, setAssistance] = useState(existing?.medical_assistance ?? false);
  const year = today.slice(0, 4);
  /**
   * Enrolment and accumulators for this year and last year (a stay over New Year touches both: 开封 第八条). Updating,
   * the years the lookup answered for (the services' clock), not the polled date's, which can differ over midnight
   * on 31 December: the totals are saved for exactly the years they were read for.
   */
  const years = existing ? Object.keys(existing.accumulators).sort() : [String(Number(year) - 1), year];
  /** This year first: the usual stay is within one year. */
  const shownYears = [...years].reverse();
  const [enrolled, setEnrolled] = useState<Record<string, Record<string, boolean>>>(() =>
    Object.fromEntries(
      Object.entries(existing?.enrolled ?? {}).map(([id, e]) => [
        id,
        Object.fromEntries(years.map((y) => [y, enrolledIn(e, Number(y))])),
      ]),
    ),
  );
  // Updating a known person: from the accumulators the store has for each year (the lookup's answer), never zeros
  // over them; a new person: zeros.
  const stated = (y: string) => existing?.accumulators[y]?.[BASIC_LAYER_ID];
  const [paid, setPaid] = useState<Record<string, string>>(() =>
    Object.fromEntries(years.map((y) => [y, stated(y)?.paid ?? '0.00'])),
  );
  const [admissions, setAdmissions] = useState<Record<string, string>>(() =>
    Object.fromEntries(years.map((y) => [y, String(stated(y)?.admissions ?? 0)])),
  );
  const layers = (version?.layers ?? []).filter((l) => l.enrolment !== null && l.schemes.includes(scheme));
  const setEnrolledIn = (id: string, y: string, on: boolean) =>
    setEnrolled({ ...enrolled, [id]: { ...enrolled[id], [y]: on } });

  /** One request at a time: a second Enter or click while saving sends nothing. */
  const saving = useRef(false);
  const save = async () => {
    if (saving.current) return;
    const notWhole = shownYears.find((y) => !WHOLE.test((admissions[y] ?? '').trim()));
    if (notWhole) {
      setError(
        windowError(`accumulators.${notWhole}.basic.admissions`, (lng) => i18next.t('record.admissionsWhole', { lng })),
      );
      return;
    }
    saving.current = true;
    try {
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
        suspended_years: [],
        accumulators: Object.fromEntries(
          years.map((y) => [
            y,
            {
              // The year's other layers (not on this form) as the store has them: kept, not dropped.
              ...hiddenLayers(existing?.accumulators[y]),
              basic: { paid: (paid[y] ?? '').trim(), admissions: Number((admissions[y] ?? '').trim()) },
            },
          ]),
        ),
        // As of when the pre-filled totals were read (the lookup answer), so that a settlement made since counts on
        // top of them; a new person's zeros are as of now.
        as_of: existing ? existing.accumulators_as_of : new Date().toISOString(),
        source: 'cashier',
      });
      if (p) {
        rememberRegion(region);
        onDone(p);
      }
    } finally {
      saving.current = false;
    }
  };

  /**
   * Enter moves on (ui.tsx moveOnEnter) and, on the last field, saves: handled here and stopped, so the screen's own
   * Enter-moves-on (its section) does not press the save button a second time (issue 17 bug 2).
   */
  const onKey = (e: KeyboardEvent<HTMLFieldSetElement>) => {
    if (e.key !== 'Enter') return;
    moveOnEnter(e);
    e.stopPropagation();
  };

  return (
    <fieldset onKeyDown={onKey}>
      <legend>{existing ? t('record.titleUpdate') : t('record.titleNew')}</legend>
      <Field label={t('common.name')}>
        <input {...bind(error, 'name')} autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label={t('record.gender')}>
        <select {...bind(error, 'gender')} value={gender} onChange={(e) => setGender(e.target.value as 'M' | 'F' | '')}>
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
          aria-label={t('person.retired')}
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
          aria-label={t('person.assistance')}
          checked={assistance}
          onChange={(e) => setAssistance(e.target.checked)}
        />{' '}
        {t('person.assistance')}
      </label>
      {layers.flatMap((l) =>
        shownYears.map((y) => (
          <label className="check" key={`${l.id}-${y}`} title={l.enrolment ?? ''}>
            {/* This year's box keeps the plain name: the usual stay is within one year. */}
            <input
              type="checkbox"
              data-field={y === year ? `enrolled.${l.id}` : `enrolled.${l.id}.${y}`}
              aria-label={t('record.enrolledPaidYear', { layer: fundName(l), year: y })}
              checked={enrolled[l.id]?.[y] === true}
              onChange={(e) => setEnrolledIn(l.id, y, e.target.checked)}
            />{' '}
            {t('record.enrolledPaidYear', { layer: fundName(l), year: y })}
          </label>
        )),
      )}
      {/* Year-to-date accumulators of each year a stay can touch (this year, and last year for a stay over New Year). */}
      {shownYears.map((y) => (
        <Fragment key={y}>
          <Field label={t('record.paidThisYear', { year: y })}>
            <input
              inputMode="decimal"
              {...bind(error, `accumulators.${y}.basic.paid`, 'amount')}
              value={paid[y] ?? ''}
              onChange={(e) => setPaid({ ...paid, [y]: e.target.value })}
            />
          </Field>
          <Field label={t('record.admissionsThisYear', { year: y })}>
            <input
              inputMode="numeric"
              {...bind(error, `accumulators.${y}.basic.admissions`, 'amount')}
              value={admissions[y] ?? ''}
              onChange={(e) => setAdmissions({ ...admissions, [y]: e.target.value })}
            />
          </Field>
        </Fragment>
      ))}
      <button type="button" className="default" disabled={busy} onClick={() => void save()}>
        {t('record.save')}
      </button>
      <ErrorBox error={error} />
    </fieldset>
  );
}
