/**
 * The insured person at the top of the settle and claim screens: the identity
 * number (Enter looks it up), the person's card once found, and the form that
 * records them (or updates the store's copy) when the store does not know them.
 * State and lookup live in usePersonLookup.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';
import type { FoundPerson } from '../../shared/ipc/contract.js';
import { enrolledIn, enrolmentYears } from '../../shared/engine/insured.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall, useFundName, useRegionName, type UiError } from '../ui.js';
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
  return (
    <>
      <fieldset>
        <legend>{t('common.insuredPerson')}</legend>
        <Field label={t('common.idNumber')}>
          <input
            {...bind(error, 'id_number')}
            autoFocus={autoFocus}
            value={lookup.idNumber}
            onChange={(e) => lookup.setIdNumber(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && void lookup.find()}
            maxLength={18}
          />
        </Field>
        {lookup.person && !lookup.recording && <PersonCard person={lookup.person} rules={rules} onEdit={lookup.edit} />}
      </fieldset>
      {lookup.recording && (
        <RecordPerson
          idNumber={lookup.lookedUp}
          rules={rules}
          existing={lookup.person}
          today={today}
          onDone={lookup.recorded}
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

function RecordPerson({
  idNumber,
  rules,
  existing,
  today,
  onDone,
}: {
  idNumber: string;
  rules: RuleVersionSummary[];
  existing: FoundPerson | null;
  today: string;
  onDone: (p: FoundPerson) => void;
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
