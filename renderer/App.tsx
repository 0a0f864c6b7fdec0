/**
 * The window: sign-in (or the first supervisor's setup), then the screens with
 * the status bar that is always visible: operator, online/offline, queued
 * uploads, rule versions in force. F2–F11 switch screens from anywhere (the tabs
 * show each key); F1–F12 never do the browser's own thing (F5 would reload the
 * page and lose a half-filled bill or claim).
 *
 * Each operator's screens are one tree, kept per operator code (issue 17, bug 10):
 * the inactivity lock (the services forget the session: electron/worker/sessions.ts)
 * hides the tree behind the sign-in card, which says why; the same operator signing
 * in again finds it as they left it, another operator gets a tree of their own and
 * the locked one stays hidden for its owner. A sign-out discards the tree. Trees
 * live in memory only (React state), never in the browser's storage. A hidden tree
 * is an <Activity mode="hidden">: its state is kept, its effects (a screen's F-key
 * listener, its timers) are stopped, so nothing in it acts for whoever is signed in.
 */
import { Activity, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bridge } from './bridge.js';
import type { AppStatus, RuleVersionSummary } from '../shared/ipc/contract.js';
import type { OperatorInfo } from '../shared/store/records.js';
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
type Role = OperatorInfo['role'];
/**
 * The screens and their keys. roles: who can do the screen's work (the services check the role too, access.ts);
 * another role sees the tab disabled with why (who: whose work it is). Settings are not shown to others at all.
 */
const SCREENS: {
  id: Screen;
  key: string;
  roles?: readonly Role[];
  who?: 'tabs.whoSettle' | 'tabs.whoClaim';
  supervisorOnly?: true;
}[] = [
  { id: 'settle', key: 'F2', roles: ['cashier', 'supervisor'], who: 'tabs.whoSettle' },
  { id: 'history', key: 'F3' },
  { id: 'day', key: 'F4' },
  { id: 'claim', key: 'F6', roles: ['claims_clerk', 'supervisor'], who: 'tabs.whoClaim' },
  { id: 'rules', key: 'F7' },
  { id: 'sync', key: 'F10' },
  { id: 'settings', key: 'F11', supervisorOnly: true },
];
const screensFor = (role: Role | undefined) => SCREENS.filter((s) => !s.supervisorOnly || role === 'supervisor');
const usable = (s: (typeof SCREENS)[number], role: Role | undefined) => !s.roles || (!!role && s.roles.includes(role));
/** Where an operator lands: the first screen of their work (a claims clerk on 手工报销, not 出院结算). */
const landing = (role: Role): Screen =>
  (SCREENS.find((s) => s.roles?.includes(role)) ?? screensFor(role).find((s) => usable(s, role)))?.id ?? 'history';
const FUNCTION_KEY = /^F([1-9]|1[0-2])$/;

/** An operator who went away without this window signing them out, and why. */
interface Away {
  operator: OperatorInfo;
  why: 'inactivity' | 'session_ended';
}

/** An operator's screens, kept while they are locked out (never across a sign-out). */
interface Desk {
  operator: OperatorInfo;
  screen: Screen;
}

export function App() {
  const { t } = useTranslation();
  const { status, refresh } = useAppStatus();
  const [rules, setRules] = useState<RuleVersionSummary[]>([]);
  const [desks, setDesks] = useState<Desk[]>([]);
  /**
   * Who went away without this window signing them out, and why (the sign-in card says it): the inactivity lock,
   * or a session the services no longer have (they restarted). Null after a sign-out or a sign-in.
   */
  const [locked, setLocked] = useState<Away | null>(null);
  /** Set while this window signs its operator out: the operator going away is then not a lock. */
  const signingOut = useRef(false);

  const operator = status?.operator ?? null;
  const signedIn = operator !== null;
  useEffect(() => {
    if (!signedIn) return;
    void bridge.invoke('rules.list', {}).then((r) => r.ok && setRules(r.value));
  }, [signedIn]);

  // The operator as the services see them: a new one gets a desk (on their landing screen); one who went away
  // without this window signing them out was locked (their desk is kept, hidden); a sign-out discards it.
  // At most one desk waits for its owner: the last operator locked out (a colleague signing in and out meanwhile
  // leaves it be); any other locked desk is discarded, so a half-entered bill's patient data does not pile up in
  // the page. A sign-out discards the signing-out operator's own desk.
  const previous = useRef<OperatorInfo | null>(null);
  const lastLocked = useRef<string | null>(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = operator;
    if (operator) {
      setLocked(null);
      setDesks((all) => {
        const kept = all.filter((d) => d.operator.code === operator.code || d.operator.code === lastLocked.current);
        return kept.some((d) => d.operator.code === operator.code)
          ? kept.map((d) => (d.operator.code === operator.code ? { ...d, operator } : d))
          : [...kept, { operator, screen: landing(operator.role) }];
      });
      if (lastLocked.current === operator.code) lastLocked.current = null;
    } else if (before) {
      if (signingOut.current) {
        setDesks((all) => all.filter((d) => d.operator.code !== before.code));
        setLocked(null);
      } else {
        lastLocked.current = before.code;
        const byLock = status?.locked_operator?.code === before.code;
        setLocked({ operator: before, why: byLock ? 'inactivity' : 'session_ended' });
      }
    }
    signingOut.current = false;
    // Keyed by the operator's identity, not by each status answer.
  }, [operator?.code, operator?.role, operator?.name]);

  const desk = operator ? (desks.find((d) => d.operator.code === operator.code) ?? null) : null;
  const setScreen = (screen: Screen) =>
    setDesks((all) => all.map((d) => (d.operator.code === operator?.code ? { ...d, screen } : d)));

  // Registered once, reading the sign-in state through a ref: a key pressed right after signing in must not fall
  // between two registrations. Capture phase: before any field or screen; the screens' own keys (F5, F8, F9, F12
  // on 出院结算) still reach them. F1–F12 never reach the browser (F5 reloads, F11 goes full screen, F3 finds).
  const keyState = useRef({ role: operator?.role, signedIn });
  keyState.current = { role: operator?.role, signedIn };
  const setScreenRef = useRef(setScreen);
  setScreenRef.current = setScreen;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!FUNCTION_KEY.test(e.key)) return;
      e.preventDefault();
      const { role, signedIn: inNow } = keyState.current;
      const target = screensFor(role).find((s) => s.key === e.key);
      if (target && inNow && usable(target, role) && !e.altKey && !e.ctrlKey && !e.metaKey)
        setScreenRef.current(target.id);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  if (!status) return <div className="loading">{t('app.loading')}</div>;

  const role = operator?.role;
  // The desk of the operator signed in first (a selector finds its fields first), the others after it, hidden.
  const ordered = [...desks].sort((a, b) => Number(b === desk) - Number(a === desk));
  return (
    <>
      {!operator && (
        <SignIn key={locked?.operator.code ?? ''} status={status} locked={locked} onDone={() => void refresh()} />
      )}
      <div className="app" hidden={!operator}>
        {operator && desk && (
          <header className="bar">
            <h1>{t('app.title')}</h1>
            <nav aria-label={t('app.screensLabel')}>
              {screensFor(role).map((s) => {
                const ok = usable(s, role);
                const why =
                  ok || !s.who || !role
                    ? undefined
                    : t('tabs.notForRole', { screen: t(`tabs.${s.id}`), who: t(s.who), role: t(`roles.${role}`) });
                return (
                  <button
                    key={s.id}
                    type="button"
                    className={desk.screen === s.id ? 'tab active' : 'tab'}
                    disabled={!ok}
                    title={why}
                    aria-description={why}
                    onClick={() => setScreen(s.id)}
                  >
                    {t(`tabs.${s.id}`)} <kbd>{s.key}</kbd>
                  </button>
                );
              })}
            </nav>
            <StatusBar
              status={status}
              rules={rules}
              onSignOut={() => {
                signingOut.current = true;
                void bridge.invoke('auth.logout', {}).then(() => refresh());
              }}
            />
          </header>
        )}
        {ordered.map((d) => (
          <Activity key={d.operator.code} mode={d === desk ? 'visible' : 'hidden'}>
            <OperatorDesk desk={d} active={d === desk} status={status} rules={rules} />
          </Activity>
        ))}
      </div>
    </>
  );
}

/**
 * One operator's screens. While hidden it keeps the status it last had as its own (its operator), never another
 * operator's. After a switch of screens (or coming back from the lock) the focus goes to the screen's first field.
 */
function OperatorDesk({
  desk,
  active,
  status,
  rules,
}: {
  desk: Desk;
  active: boolean;
  status: AppStatus;
  rules: RuleVersionSummary[];
}) {
  const own = useRef(status);
  if (active && status.operator?.code === desk.operator.code) own.current = status;
  const mine = own.current;
  const main = useRef<HTMLElement>(null);
  const { screen } = desk;
  useEffect(() => {
    if (active && main.current) return focusFirstField(main.current);
  }, [screen, active]);
  return (
    <main ref={main} data-operator={desk.operator.code} tabIndex={-1}>
      {screen === 'settle' && <SettleScreen rules={rules} status={mine} />}
      {screen === 'history' && <HistoryScreen status={mine} />}
      {screen === 'day' && <DayScreen status={mine} />}
      {screen === 'claim' && <ClaimScreen rules={rules} status={mine} />}
      {screen === 'rules' && <RulesScreen rules={rules} />}
      {screen === 'sync' && <SyncScreen />}
      {screen === 'settings' && desk.operator.role === 'supervisor' && <SettingsScreen self={desk.operator.code} />}
    </main>
  );
}

const FIELD =
  'input:not([disabled]):not([type="hidden"]):not([type="file"]), select:not([disabled]), textarea:not([disabled])';

/**
 * Focus on the screen's first field once it is there (screens that load first show their fields a moment later),
 * unless the focus is in the screen already; a screen without fields gets the focus itself (not the page body).
 */
function focusFirstField(root: HTMLElement): () => void {
  const settled = () => {
    const a = document.activeElement;
    if (a && a !== root && root.contains(a)) return true;
    const field = root.querySelector<HTMLElement>(FIELD);
    if (!field) return false;
    field.focus();
    return true;
  };
  if (settled()) return () => undefined;
  const watch = new MutationObserver(() => settled() && stop());
  watch.observe(root, { childList: true, subtree: true });
  const fallback = setTimeout(() => {
    if (!settled()) {
      const a = document.activeElement;
      if (!a || a === document.body || !root.contains(a)) root.focus();
    }
    stop();
  }, 1_500);
  function stop() {
    watch.disconnect();
    clearTimeout(fallback);
  }
  return stop;
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

function SignIn({
  status,
  locked,
  onDone,
}: {
  status: AppStatus;
  /** Who went away and why: said on the card, their staff number filled in. */
  locked: Away | null;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const setup = status.needs_first_operator;
  const [code, setCode] = useState(locked?.operator.code ?? '');
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
      {locked?.why === 'inactivity' && (
        <p className="alarm" role="status" data-testid="locked">
          {t('signin.locked', { name: locked.operator.name })}
        </p>
      )}
      {locked?.why === 'session_ended' && (
        <p className="alarm" role="status" data-testid="session-ended">
          {t('signin.sessionEnded', { name: locked.operator.name })}
        </p>
      )}
      <Field label={t('signin.code')}>
        <input
          data-field="code"
          autoFocus={!locked}
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
          autoFocus={!!locked}
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
