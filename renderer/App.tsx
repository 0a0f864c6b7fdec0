/**
 * The window: sign-in (or the first supervisor's setup), then the screens with
 * the status bar that is always visible: operator, online/offline, queued
 * uploads, rule versions in force. F2–F11 switch screens (the tabs show each key).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bridge } from './bridge.js';
import type { AppStatus, RuleVersionSummary } from '../shared/ipc/contract.js';
import { ErrorBox, Field, formatBytes, formatMoment, moveOnEnter, useCall, useRegionName } from './ui.js';
import { useAppStatus } from './app-status.js';
import { LanguageToggle } from './i18n/LanguageToggle.js';
import { SettleScreen } from './screens/SettleScreen.js';
import { HistoryScreen } from './screens/HistoryScreen.js';
import { DayScreen } from './screens/DayScreen.js';
import { ClaimScreen } from './screens/ClaimScreen.js';
import { RulesScreen } from './screens/RulesScreen.js';
import { SyncScreen } from './screens/SyncScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';

type Screen = 'settle' | 'history' | 'day' | 'claim' | 'rules' | 'sync' | 'settings';
/** The screens and their keys; settings only for a supervisor (the services check the role too). */
const SCREENS: { id: Screen; key: string; supervisorOnly?: true }[] = [
  { id: 'settle', key: 'F2' },
  { id: 'history', key: 'F3' },
  { id: 'day', key: 'F4' },
  { id: 'claim', key: 'F6' },
  { id: 'rules', key: 'F7' },
  { id: 'sync', key: 'F10' },
  { id: 'settings', key: 'F11', supervisorOnly: true },
];
const screensFor = (role: string | undefined) => SCREENS.filter((s) => !s.supervisorOnly || role === 'supervisor');

export function App() {
  const { t } = useTranslation();
  const { status, refresh } = useAppStatus();
  const [rules, setRules] = useState<RuleVersionSummary[]>([]);
  const [screen, setScreen] = useState<Screen>('settle');

  const signedIn = status?.operator !== null && status?.operator !== undefined;
  useEffect(() => {
    if (!signedIn) return;
    void bridge.invoke('rules.list', {}).then((r) => r.ok && setRules(r.value));
  }, [signedIn]);

  // Registered once, reading the sign-in state through a ref: a key pressed right
  // after signing in must not fall between two registrations.
  const signedInRef = useRef(signedIn);
  signedInRef.current = signedIn;
  const roleRef = useRef(status?.operator?.role);
  roleRef.current = status?.operator?.role;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = screensFor(roleRef.current).find((s) => s.key === e.key);
      if (target && signedInRef.current) {
        e.preventDefault();
        setScreen(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!status) return <div className="loading">{t('app.loading')}</div>;
  if (!status.operator) return <SignIn status={status} onDone={() => void refresh()} />;

  return (
    <div className="app">
      <header className="bar">
        <h1>{t('app.title')}</h1>
        <nav aria-label={t('app.screensLabel')}>
          {screensFor(status.operator.role).map((s) => (
            <button
              key={s.id}
              type="button"
              className={screen === s.id ? 'tab active' : 'tab'}
              onClick={() => setScreen(s.id)}
            >
              {t(`tabs.${s.id}`)} <kbd>{s.key}</kbd>
            </button>
          ))}
        </nav>
        <StatusBar
          status={status}
          rules={rules}
          onSignOut={() => void bridge.invoke('auth.logout', {}).then(() => refresh())}
        />
      </header>
      <main>
        {screen === 'settle' && <SettleScreen rules={rules} status={status} />}
        {screen === 'history' && <HistoryScreen status={status} />}
        {screen === 'day' && <DayScreen status={status} />}
        {screen === 'claim' && <ClaimScreen rules={rules} status={status} />}
        {screen === 'rules' && <RulesScreen rules={rules} />}
        {screen === 'sync' && <SyncScreen />}
        {screen === 'settings' && status.operator.role === 'supervisor' && (
          <SettingsScreen self={status.operator.code} />
        )}
      </main>
    </div>
  );
}

function StatusBar({
  status,
  rules,
  onSignOut,
}: {
  status: AppStatus;
  rules: RuleVersionSummary[];
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const regionName = useRegionName();
  const inForce = [
    ...new Map(
      rules
        .filter((r) => r.effective_from <= status.today && (r.effective_to === null || r.effective_to >= status.today))
        .map((r) => [r.region, r]),
    ).values(),
  ];
  return (
    <div className="status" aria-label={t('statusbar.label')}>
      <span data-testid="operator">
        {t('common.withNote', { text: status.operator!.name, note: t(`roles.${status.operator!.role}`) })}
      </span>
      <span data-testid="online" className={status.online ? 'online' : 'offline'}>
        {status.online ? t('common.online') : t('statusbar.offline')}
      </span>
      <span data-testid="queued">
        {t('statusbar.queued', { count: status.queue.queued })}
        {status.queue.held > 0 && t('statusbar.held', { count: status.queue.held })}
      </span>
      <StorageWarnings status={status} />
      {/* Region names come from the rule packages (the English one where the package has it). */}
      <span
        className="rules"
        title={inForce
          .map((r) => `${regionName(r)} ${r.version}${r.uses_sample_values ? t('statusbar.sample') : ''}`)
          .join('\n')}
      >
        {t('statusbar.rules', {
          list: inForce.map((r) => `${regionName(r).replace(/市$/, '')} ${r.version}`).join(' · '),
        })}
      </span>
      <LanguageToggle />
      <button type="button" className="link" data-testid="sign-out" onClick={onSignOut}>
        {t('statusbar.signOut')}
      </button>
    </div>
  );
}

/**
 * Persistent until the cause is gone: a store that does not verify (until a check passes), a failed backup (until
 * one succeeds) and low free space on the data disk.
 */
function StorageWarnings({ status }: { status: AppStatus }) {
  const { t, i18n } = useTranslation();
  const { backup, free_bytes: free, low_space: low, low_space_bytes: threshold } = status.storage;
  // The store's keyed chain does not verify: shown until a check passes (a restore); money writes are refused.
  const { integrity } = status;
  return (
    <>
      {backup.failed_at && (
        <span
          data-testid="backup-failed"
          className="alarm"
          role="status"
          title={t('statusbar.backupFailedTitle', {
            at: formatMoment(backup.failed_at),
            reason: (i18n.language === 'en' ? backup.failure_en : backup.failure) ?? '',
          })}
        >
          {t('statusbar.backupFailed')}
        </span>
      )}
      {integrity && !integrity.ok && (
        <span
          data-testid="integrity-failed"
          className="alarm"
          role="alert"
          title={i18n.language === 'en' ? integrity.message_en : integrity.message}
        >
          {t('statusbar.integrityFailed')}
        </span>
      )}
      {low && (
        <span
          data-testid="low-space"
          className="alarm"
          role="status"
          title={t('statusbar.lowSpaceTitle', { free: formatBytes(free ?? 0), threshold: formatBytes(threshold) })}
        >
          {t('statusbar.lowSpace')}
        </span>
      )}
    </>
  );
}

function SignIn({ status, onDone }: { status: AppStatus; onDone: () => void }) {
  const { t } = useTranslation();
  const setup = status.needs_first_operator;
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const { call, error, busy } = useCall();
  const submit = async () => {
    const ok = setup ? await call('auth.setup', { code, name, pin }) : await call('auth.login', { code, pin });
    if (ok) onDone();
  };
  return (
    <div className="signin" onKeyDown={moveOnEnter}>
      <div className="signin-head">
        <h1>{status.terminal.hospital_name}</h1>
        <LanguageToggle />
      </div>
      <p>
        {t('signin.terminal', { code: status.terminal.code })} · {setup ? t('signin.firstUse') : t('signin.prompt')}
      </p>
      <Field label={t('signin.code')}>
        <input
          data-field="code"
          autoFocus
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="username"
        />
      </Field>
      {setup && (
        <Field label={t('common.name')}>
          <input data-field="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      )}
      <Field label={t('signin.pin')}>
        <input
          data-field="pin"
          type="password"
          inputMode="numeric"
          value={pin}
          onChange={(e) => setPin(e.target.value)}
          autoComplete="current-password"
        />
      </Field>
      <button type="button" className="default" disabled={busy} onClick={() => void submit()}>
        {setup ? t('signin.create') : t('signin.submit')}
      </button>
      <ErrorBox error={error} />
    </div>
  );
}
