/**
 * The window: sign-in (or the first supervisor's setup), then the screens with
 * the status bar that is always visible: operator, online/offline, queued
 * uploads, rule versions in force. F2–F4 switch screens.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { bridge } from './bridge.js';
import type { AppStatus, RuleVersionSummary } from '../shared/ipc/contract.js';
import { ErrorBox, Field, ROLE_NAMES, moveOnEnter, useCall } from './ui.js';
import { SettleScreen } from './screens/SettleScreen.js';
import { HistoryScreen } from './screens/HistoryScreen.js';
import { DayScreen } from './screens/DayScreen.js';
import { ClaimScreen } from './screens/ClaimScreen.js';
import { RulesScreen } from './screens/RulesScreen.js';
import { SyncScreen } from './screens/SyncScreen.js';

type Screen = 'settle' | 'history' | 'day' | 'claim' | 'rules' | 'sync';
const SCREENS: { id: Screen; key: string; label: string }[] = [
  { id: 'settle', key: 'F2', label: '出院结算' },
  { id: 'history', key: 'F3', label: '结算查询' },
  { id: 'day', key: 'F4', label: '日结' },
  { id: 'claim', key: 'F6', label: '手工报销' },
  { id: 'rules', key: 'F7', label: '规则' },
  { id: 'sync', key: 'F10', label: '同步' },
];

export function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [rules, setRules] = useState<RuleVersionSummary[]>([]);
  const [screen, setScreen] = useState<Screen>('settle');

  const refresh = useCallback(async () => {
    const r = await bridge.invoke('app.status', {});
    if (r.ok) setStatus(r.value);
  }, []);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 5_000);
    const out = () => void refresh();
    window.addEventListener('desk:signed-out', out);
    window.addEventListener('desk:changed', out);
    return () => {
      clearInterval(timer);
      window.removeEventListener('desk:signed-out', out);
      window.removeEventListener('desk:changed', out);
    };
  }, [refresh]);

  const signedIn = status?.operator !== null && status?.operator !== undefined;
  useEffect(() => {
    if (!signedIn) return;
    void bridge.invoke('rules.list', {}).then((r) => r.ok && setRules(r.value));
  }, [signedIn]);

  // Registered once, reading the sign-in state through a ref: a key pressed right
  // after signing in must not fall between two registrations.
  const signedInRef = useRef(signedIn);
  signedInRef.current = signedIn;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = SCREENS.find((s) => s.key === e.key);
      if (target && signedInRef.current) {
        e.preventDefault();
        setScreen(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!status) return <div className="loading">正在连接本机服务…</div>;
  if (!status.operator) return <SignIn status={status} onDone={() => void refresh()} />;

  return (
    <div className="app">
      <header className="bar">
        <h1>出院结算</h1>
        <nav>
          {SCREENS.map((s) => (
            <button key={s.id} type="button" className={screen === s.id ? 'tab active' : 'tab'} onClick={() => setScreen(s.id)}>
              {s.label} <kbd>{s.key}</kbd>
            </button>
          ))}
        </nav>
        <StatusBar status={status} rules={rules} onSignOut={() => void bridge.invoke('auth.logout', {}).then(() => refresh())} />
      </header>
      <main>
        {screen === 'settle' && <SettleScreen rules={rules} status={status} />}
        {screen === 'history' && <HistoryScreen status={status} />}
        {screen === 'day' && <DayScreen status={status} />}
        {screen === 'claim' && <ClaimScreen rules={rules} status={status} />}
        {screen === 'rules' && <RulesScreen rules={rules} />}
        {screen === 'sync' && <SyncScreen />}
      </main>
    </div>
  );
}

function StatusBar({ status, rules, onSignOut }: { status: AppStatus; rules: RuleVersionSummary[]; onSignOut: () => void }) {
  const inForce = [...new Map(rules.filter((r) => r.effective_from <= status.today && (r.effective_to === null || r.effective_to >= status.today)).map((r) => [r.region, r])).values()];
  return (
    <div className="status" aria-label="状态">
      <span data-testid="operator">
        {status.operator!.name}（{ROLE_NAMES[status.operator!.role]}）
      </span>
      <span data-testid="online" className={status.online ? 'online' : 'offline'}>
        {status.online ? '● 在线' : '● 离线（脱机结算）'}
      </span>
      <span data-testid="queued">待上传 {status.queue.queued + status.queue.sending}</span>
      <span className="rules" title={inForce.map((r) => `${r.region_name} ${r.version}${r.uses_sample_values ? '（样例）' : ''}`).join('\n')}>
        规则 {inForce.map((r) => `${r.region_name.replace('市', '')}${r.version}`).join(' · ')}
      </span>
      <button type="button" className="link" onClick={onSignOut}>
        退出
      </button>
    </div>
  );
}

function SignIn({ status, onDone }: { status: AppStatus; onDone: () => void }) {
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
      <h1>{status.terminal.hospital_name}</h1>
      <p>
        终端 {status.terminal.code} · {setup ? '首次使用：请创建主管账号' : '请登录'}
      </p>
      <Field label="工号">
        <input data-field="code" autoFocus value={code} onChange={(e) => setCode(e.target.value)} autoComplete="username" />
      </Field>
      {setup && (
        <Field label="姓名">
          <input data-field="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      )}
      <Field label="PIN">
        <input data-field="pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="current-password" />
      </Field>
      <button type="button" className="default" disabled={busy} onClick={() => void submit()}>
        {setup ? '创建并登录' : '登录'}
      </button>
      <ErrorBox error={error} />
    </div>
  );
}
