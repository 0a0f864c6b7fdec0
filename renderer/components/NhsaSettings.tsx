/**
 * The national interface's parameters on the settings screen (国家医保接口):
 * the gateway as one URL or as a base URL with one path per transaction, the
 * paasid, the passToken (never shown: it can only be replaced), the medical
 * institution, region and envelope fields, and this terminal's msgid slot.
 * The regional err_msg phrases are IT's, in config.json (kept as they are).
 */
import { useTranslation } from 'react-i18next';
import type { NhsaView, SettingsInput } from '../../shared/settings.js';
import { Field, bind, type UiError } from '../ui.js';

export interface NhsaForm {
  /** single: one gateway URL (infno in the body); paths: a base URL and one path per transaction. */
  urlForm: 'single' | 'paths';
  url: string;
  /** "infno path" per line; empty = the usual paths. */
  paths: string;
  paasid: string;
  token: string;
  fixmedins_code: string;
  fixmedins_name: string;
  admvs: string;
  infver: string;
  recer: string;
  dev_no: string;
  slot: string;
  batch: string;
  interval: string;
}

export const toNhsaForm = (v: NhsaView | null): NhsaForm => ({
  urlForm: v?.base_url ? 'paths' : 'single',
  url: v?.base_url ?? v?.gateway_url ?? '',
  paths: Object.entries(v?.paths ?? {})
    .map(([infno, path]) => `${infno} ${path}`)
    .join('\n'),
  paasid: v?.paasid ?? '',
  token: '',
  fixmedins_code: v?.fixmedins_code ?? '',
  fixmedins_name: v?.fixmedins_name ?? '',
  admvs: v?.mdtrtarea_admvs ?? '',
  infver: v?.infver ?? 'V1.0',
  recer: v?.recer_sys_code ?? 'YBXT',
  dev_no: v?.dev_no ?? '',
  // No default: the slot must differ between the hospital's terminals, so someone chooses it.
  slot: v ? String(v.terminal_slot) : '',
  batch: String(v?.batch_size ?? 50),
  interval: String(v?.interval_seconds ?? 60),
});

/** Whole numbers typed by a person; anything else goes to the service as NaN, which names the field. */
const whole = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number.parseInt(s, 10) : Number.NaN);

/** "2304 /fsi/api/…" lines → { "2304": "/fsi/api/…" }; a malformed line stays malformed so that the service names the field. */
function parsePaths(text: string): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [infno = '', ...path] = line.trim().split(/\s+/);
    if (infno !== '') paths[infno] = path.join(' ');
  }
  return paths;
}

export const nhsaRequest = (f: NhsaForm): NonNullable<SettingsInput['nhsa']> => ({
  gateway_url: f.urlForm === 'single' ? f.url.trim() : null,
  base_url: f.urlForm === 'paths' ? f.url.trim() : null,
  paths: f.urlForm === 'paths' ? parsePaths(f.paths) : {},
  paasid: f.paasid,
  pass_token: f.token,
  fixmedins_code: f.fixmedins_code.trim(),
  fixmedins_name: f.fixmedins_name,
  mdtrtarea_admvs: f.admvs.trim(),
  infver: f.infver,
  recer_sys_code: f.recer,
  dev_no: f.dev_no,
  terminal_slot: whole(f.slot),
  batch_size: whole(f.batch),
  interval_seconds: whole(f.interval),
});

export function NhsaSettings({
  form,
  set,
  error,
  hasToken,
}: {
  form: NhsaForm;
  set: (next: NhsaForm) => void;
  error: UiError | null;
  hasToken: boolean;
}) {
  const { t } = useTranslation();
  const input = (key: Exclude<keyof NhsaForm, 'urlForm'>, field: string, label: string, kind?: 'wide' | 'numeric') => (
    <Field label={label} wide={kind === 'wide'}>
      <input
        {...(kind === 'numeric' ? { inputMode: 'numeric' as const } : {})}
        {...bind(error, field)}
        value={form[key]}
        onChange={(e) => set({ ...form, [key]: e.target.value })}
      />
    </Field>
  );
  const urlField = form.urlForm === 'single' ? 'nhsa.gateway_url' : 'nhsa.base_url';
  return (
    <>
      <Field label={t('settings.nhsaUrlForm')} wide>
        <select
          data-field="nhsa.url_form"
          value={form.urlForm}
          onChange={(e) => set({ ...form, urlForm: e.target.value === 'paths' ? 'paths' : 'single' })}
        >
          <option value="single">{t('settings.nhsaSingleUrl')}</option>
          <option value="paths">{t('settings.nhsaBaseUrl')}</option>
        </select>
      </Field>
      <Field label={form.urlForm === 'single' ? t('settings.nhsaGatewayUrl') : t('settings.nhsaBase')} wide>
        <input
          {...bind(error, urlField)}
          value={form.url}
          placeholder="https://"
          onChange={(e) => set({ ...form, url: e.target.value })}
        />
      </Field>
      {form.urlForm === 'paths' && (
        <Field label={t('settings.nhsaPaths')} wide>
          <textarea
            rows={3}
            {...bind(error, 'nhsa.paths')}
            value={form.paths}
            placeholder="2304 /fsi/api/hospSettService/settV2"
            onChange={(e) => set({ ...form, paths: e.target.value })}
          />
        </Field>
      )}
      {form.urlForm === 'paths' && <p className="muted">{t('settings.nhsaPathsNote')}</p>}
      {input('paasid', 'nhsa.paasid', t('settings.nhsaPaasid'))}
      <Field label={t('settings.nhsaPassToken')} wide>
        <input
          type="password"
          autoComplete="off"
          {...bind(error, 'nhsa.pass_token')}
          value={form.token}
          placeholder={hasToken ? t('settings.secretKept') : t('settings.secretNeeded')}
          onChange={(e) => set({ ...form, token: e.target.value })}
        />
      </Field>
      <Field label={t('settings.nhsaFixmedinsCode')}>
        <input
          {...bind(error, 'nhsa.fixmedins_code')}
          value={form.fixmedins_code}
          onChange={(e) => set({ ...form, fixmedins_code: e.target.value.toUpperCase() })}
        />
      </Field>
      {input('fixmedins_name', 'nhsa.fixmedins_name', t('settings.nhsaFixmedinsName'), 'wide')}
      {input('admvs', 'nhsa.mdtrtarea_admvs', t('settings.nhsaAdmvs'))}
      {input('slot', 'nhsa.terminal_slot', t('settings.nhsaSlot'), 'numeric')}
      <p className="muted" data-testid="nhsa-slot-note">
        {t('settings.nhsaSlotNote')}
      </p>
      {input('infver', 'nhsa.infver', t('settings.nhsaInfver'))}
      {input('recer', 'nhsa.recer_sys_code', t('settings.nhsaRecer'))}
      {input('dev_no', 'nhsa.dev_no', t('settings.nhsaDevNo'))}
      {input('batch', 'nhsa.batch_size', t('settings.nhsaBatch'), 'numeric')}
      {input('interval', 'nhsa.interval_seconds', t('settings.interval'), 'numeric')}
      <p className="muted">{t('settings.nhsaPhrasesNote')}</p>
    </>
  );
}
