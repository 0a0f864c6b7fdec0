/**
 * Settings (supervisor): the terminal and hospital, the inactivity lock, the
 * insurance protocol (none, our own with the insurer's endpoint and pinned
 * signing keys, or the national interface: components/NhsaSettings.tsx), the
 * slip printer, the data and backup folders with a backup on demand, and the
 * operators. The terminal's secret and the passToken are never shown: they can
 * only be replaced.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperatorListItem, PrinterList, Protocol, SettingsView } from '../../shared/settings.js';
import type { StorageStatus } from '../../shared/ipc/contract.js';
import { ErrorBox, Field, bind, formatBytes, formatMoment, moveOnEnter, useCall } from '../ui.js';
import { useAppStatus } from '../app-status.js';
import { NhsaSettings, nhsaRequest, toNhsaForm, type NhsaForm } from '../components/NhsaSettings.js';

interface Form {
  code: string;
  hospital_code: string;
  hospital_name: string;
  lock: string;
  protocol: Protocol;
  url: string;
  secret: string;
  keys: string;
  interval: string;
  nhsa: NhsaForm;
  device: string;
  dpi: string;
  layout: 'a5' | 'receipt80';
  preview: boolean;
  backup: string;
}

const toForm = (v: SettingsView): Form => ({
  code: v.terminal.code,
  hospital_code: v.terminal.hospital_code,
  hospital_name: v.terminal.hospital_name,
  lock: String(v.lock_after_minutes),
  protocol: v.protocol,
  url: v.insurer?.url ?? '',
  secret: '',
  keys: (v.insurer?.pinned_keys_spki_base64 ?? []).join('\n'),
  interval: String(v.insurer?.interval_seconds ?? 60),
  nhsa: toNhsaForm(v.nhsa),
  device: v.printer.device_name,
  dpi: String(v.printer.dpi),
  layout: v.printer.layout,
  preview: v.printer.preview,
  backup: v.backup_folder,
});

/** Whole numbers typed by a person; anything else goes to the service as NaN, which names the field. */
const whole = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number.parseInt(s, 10) : Number.NaN);

export function SettingsScreen({ self }: { self: string }) {
  const { t } = useTranslation();
  const roleName = (role: OperatorListItem['role']) => t(`roles.${role}`);
  const { call, error, busy } = useCall();
  const { status, refresh } = useAppStatus();
  const ops = useCall();
  const listOperators = ops.call;
  const [view, setView] = useState<SettingsView | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState(false);
  const [operators, setOperators] = useState<OperatorListItem[]>([]);
  const [printers, setPrinters] = useState<PrinterList | null>(null);
  const [newOp, setNewOp] = useState({ code: '', name: '', role: 'cashier' as OperatorListItem['role'], pin: '' });

  useEffect(() => {
    void call('settings.get', {}).then((v) => {
      if (!v) return;
      setView(v);
      setForm(toForm(v));
    });
    void listOperators('operators.list', {}).then((list) => list && setOperators(list));
    void listOperators('printers.list', {}).then((list) => list && setPrinters(list));
  }, [call, listOperators]);

  if (!form || !view)
    return (
      <div className="wide-screen">
        <p className="hint">{t('settings.loading')}</p>
        <ErrorBox error={error} />
      </div>
    );
  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setSaved(false);
    setForm({ ...form, [key]: value });
  };

  const save = async () => {
    const v = await call('settings.save', {
      terminal: { code: form.code.trim(), hospital_code: form.hospital_code, hospital_name: form.hospital_name },
      lock_after_minutes: whole(form.lock),
      protocol: form.protocol,
      insurer:
        form.protocol === 'desk'
          ? {
              url: form.url.trim(),
              secret: form.secret,
              pinned_keys_spki_base64: form.keys
                .split('\n')
                .map((k) => k.trim())
                .filter((k) => k !== ''),
              interval_seconds: whole(form.interval),
            }
          : null,
      nhsa: form.protocol === 'nhsa' ? nhsaRequest(form.nhsa) : null,
      printer: { device_name: form.device, dpi: whole(form.dpi), layout: form.layout, preview: form.preview },
      backup_folder: form.backup,
    });
    if (v) {
      setView(v);
      setForm(toForm(v));
      setSaved(true);
    }
  };
  const backupNow = async () => {
    const v = await call('backup.now', {});
    if (v) setView(v);
    void refresh(); // the backup's outcome (a failure shown, or cleared) is in the app status
  };
  const addOperator = async () => {
    const list = await ops.call('operators.create', newOp);
    if (list) {
      setOperators(list);
      setNewOp({ code: '', name: '', role: 'cashier', pin: '' });
    }
  };
  const setActive = async (code: string, active: boolean) => {
    const list = await ops.call('operators.set_active', { code, active });
    if (list) setOperators(list);
  };

  return (
    <div className="columns">
      <section className="form" aria-label={t('settings.label')} onKeyDown={moveOnEnter}>
        <fieldset>
          <legend>{t('settings.terminal')}</legend>
          <Field label={t('settings.terminalCode')}>
            <input
              {...bind(error, 'terminal.code')}
              value={form.code}
              onChange={(e) => set('code', e.target.value.toUpperCase())}
            />
          </Field>
          <Field label={t('settings.hospitalCode')}>
            <input
              {...bind(error, 'terminal.hospital_code')}
              value={form.hospital_code}
              onChange={(e) => set('hospital_code', e.target.value)}
            />
          </Field>
          <Field label={t('settings.hospitalName')} wide>
            <input
              {...bind(error, 'terminal.hospital_name')}
              value={form.hospital_name}
              onChange={(e) => set('hospital_name', e.target.value)}
            />
          </Field>
          <Field label={t('settings.lockMinutes')}>
            <input
              inputMode="numeric"
              {...bind(error, 'lock_after_minutes')}
              value={form.lock}
              onChange={(e) => set('lock', e.target.value)}
            />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t('settings.insurer')}</legend>
          <Field label={t('settings.protocol')} wide>
            <select
              {...bind(error, 'protocol')}
              value={form.protocol}
              onChange={(e) => set('protocol', e.target.value as Protocol)}
            >
              <option value="none">{t('settings.protocolNone')}</option>
              <option value="desk">{t('settings.protocolDesk')}</option>
              <option value="nhsa">{t('settings.protocolNhsa')}</option>
            </select>
          </Field>
          {form.protocol === 'nhsa' && (
            <NhsaSettings
              form={form.nhsa}
              set={(nhsa) => set('nhsa', nhsa)}
              error={error}
              hasToken={view.nhsa?.has_pass_token ?? false}
            />
          )}
          {form.protocol === 'desk' && (
            <>
              <Field label={t('settings.insurerUrl')} wide>
                <input
                  {...bind(error, 'insurer.url')}
                  value={form.url}
                  placeholder="https://"
                  onChange={(e) => set('url', e.target.value)}
                />
              </Field>
              <Field label={t('settings.secret')} wide>
                <input
                  type="password"
                  autoComplete="off"
                  {...bind(error, 'insurer.secret')}
                  value={form.secret}
                  placeholder={view.insurer?.has_secret ? t('settings.secretKept') : t('settings.secretNeeded')}
                  onChange={(e) => set('secret', e.target.value)}
                />
              </Field>
              <Field label={t('settings.pinnedKeys')} wide>
                <textarea
                  rows={2}
                  {...bind(error, 'insurer.pinned_keys_spki_base64')}
                  value={form.keys}
                  onChange={(e) => set('keys', e.target.value)}
                />
              </Field>
              <Field label={t('settings.interval')}>
                <input
                  inputMode="numeric"
                  {...bind(error, 'insurer.interval_seconds')}
                  value={form.interval}
                  onChange={(e) => set('interval', e.target.value)}
                />
              </Field>
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('settings.printer')}</legend>
          <Field label={t('settings.printerName')} wide>
            <input
              list="desk-printers"
              {...bind(error, 'printer.device_name')}
              value={form.device}
              placeholder={t('settings.defaultPrinter')}
              onChange={(e) => set('device', e.target.value)}
            />
          </Field>
          <datalist id="desk-printers">
            {printers?.printers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.display_name}
              </option>
            ))}
          </datalist>
          {printers && (
            <p className="muted" data-testid="printers">
              {printers.available
                ? t('settings.printersFound', { count: printers.printers.length })
                : t('settings.printersUnavailable')}
            </p>
          )}
          <Field label={t('settings.dpi')}>
            <input
              inputMode="numeric"
              {...bind(error, 'printer.dpi')}
              value={form.dpi}
              onChange={(e) => set('dpi', e.target.value)}
            />
          </Field>
          <Field label={t('settings.slipSize')}>
            <select
              {...bind(error, 'printer.layout')}
              value={form.layout}
              onChange={(e) => set('layout', e.target.value === 'receipt80' ? 'receipt80' : 'a5')}
            >
              <option value="a5">{t('settings.a5')}</option>
              <option value="receipt80">{t('settings.receipt80')}</option>
            </select>
          </Field>
          <label className="check">
            <input
              type="checkbox"
              data-field="printer.preview"
              checked={form.preview}
              onChange={(e) => set('preview', e.target.checked)}
            />{' '}
            {t('settings.preview')}
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('settings.data')}</legend>
          <p data-testid="data-folder">{t('settings.dataFolder', { path: view.data_folder })}</p>
          {view.data_folder_note && <p className="sample">{view.data_folder_note}</p>}
          <Field label={t('settings.backupFolder')} wide>
            <input
              {...bind(error, 'backup_folder')}
              value={form.backup}
              placeholder={t('settings.backupDefault')}
              onChange={(e) => set('backup', e.target.value)}
            />
          </Field>
        </fieldset>
        <div className="actions">
          <button type="button" className="default" disabled={busy} onClick={() => void save()}>
            {t('settings.save')}
          </button>
        </div>
        {saved && (
          <p className="ok" data-testid="settings-saved">
            {t('settings.saved')}
          </p>
        )}
        {view.restart_pending && (
          <p className="sample" data-testid="restart-pending">
            {t('settings.restartPending')}
          </p>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('settings.backupsLabel')}>
        <h2>{t('settings.backups')}</h2>
        <p className="muted">{t('settings.backupsIn', { path: view.backups_in })}</p>
        <BackupOutcome storage={status?.storage ?? null} />
        <button type="button" disabled={busy} onClick={() => void backupNow()}>
          {t('settings.backupNow')}
        </button>
        {view.backups.length === 0 ? (
          <p className="hint">{t('settings.noBackups')}</p>
        ) : (
          <table className="list" data-testid="backups">
            <thead>
              <tr>
                <th>{t('settings.backupFile')}</th>
                <th>{t('settings.backupTime')}</th>
                <th className="amt">{t('settings.backupSize')}</th>
              </tr>
            </thead>
            <tbody>
              {view.backups.map((b) => (
                <tr key={b.file}>
                  <td>{b.file}</td>
                  <td>{formatMoment(b.modified)}</td>
                  <td className="amt">{formatBytes(b.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>{t('settings.operators')}</h2>
        <table className="list" data-testid="operators">
          <thead>
            <tr>
              <th>{t('settings.opCode')}</th>
              <th>{t('common.name')}</th>
              <th>{t('settings.opRole')}</th>
              <th>{t('common.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {operators.map((o) => (
              <tr key={o.code} className={o.active ? undefined : 'muted'}>
                <td>{o.code}</td>
                <td>{o.name}</td>
                <td>{roleName(o.role)}</td>
                <td>{o.active ? t('settings.active') : t('settings.disabled')}</td>
                <td>
                  {/* A supervisor cannot disable themself (the service refuses it too). */}
                  {o.code !== self && (
                    <button type="button" className="link" onClick={() => void setActive(o.code, !o.active)}>
                      {o.active ? t('settings.disable') : t('settings.enable')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="form" onKeyDown={moveOnEnter}>
          <fieldset>
            <legend>{t('settings.addOperator')}</legend>
            <Field label={t('settings.opCode')}>
              <input
                {...bind(ops.error, 'code')}
                value={newOp.code}
                onChange={(e) => setNewOp({ ...newOp, code: e.target.value })}
              />
            </Field>
            <Field label={t('common.name')}>
              <input
                {...bind(ops.error, 'name')}
                value={newOp.name}
                onChange={(e) => setNewOp({ ...newOp, name: e.target.value })}
              />
            </Field>
            <Field label={t('settings.opRole')}>
              <select
                {...bind(ops.error, 'role')}
                value={newOp.role}
                onChange={(e) => setNewOp({ ...newOp, role: e.target.value as OperatorListItem['role'] })}
              >
                {(['cashier', 'claims_clerk', 'supervisor'] as const).map((r) => (
                  <option key={r} value={r}>
                    {roleName(r)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="PIN">
              <input
                type="password"
                inputMode="numeric"
                autoComplete="new-password"
                {...bind(ops.error, 'pin')}
                value={newOp.pin}
                onChange={(e) => setNewOp({ ...newOp, pin: e.target.value })}
              />
            </Field>
            <button type="button" className="default" disabled={ops.busy} onClick={() => void addOperator()}>
              {t('settings.add')}
            </button>
          </fieldset>
          <ErrorBox error={ops.error} />
        </div>
      </section>
    </div>
  );
}

/** The backups' outcome (from the app status): a failure stays until a backup succeeds; the last good one; free space. */
function BackupOutcome({ storage }: { storage: StorageStatus | null }) {
  const { t, i18n } = useTranslation();
  if (!storage) return null;
  const { backup } = storage;
  return (
    <>
      {backup.failed_at && (
        <div className="error" role="alert" data-testid="backup-failure">
          {t('settings.backupFailed', {
            at: formatMoment(backup.failed_at),
            reason: (i18n.language === 'en' ? backup.failure_en : backup.failure) ?? '',
          })}
          <br />
          {t('settings.backupFailedHint')}
        </div>
      )}
      <p className="muted" data-testid="last-good-backup">
        {backup.last_ok_at && backup.last_ok_file
          ? t('settings.lastGoodBackup', { file: backup.last_ok_file, at: formatMoment(backup.last_ok_at) })
          : t('settings.noGoodBackup')}
        {storage.free_bytes !== null && <> · {t('settings.freeSpace', { free: formatBytes(storage.free_bytes) })}</>}
      </p>
    </>
  );
}
