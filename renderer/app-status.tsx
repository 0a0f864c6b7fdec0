/**
 * The window's one copy of the 'app.status' answer (operator, online/offline,
 * upload queue, business date) and the one way to bring it up to date:
 * refresh(). A screen calls refresh() after whatever it did that changes the
 * status (a settlement, a reversal, a submitted claim, a sync); useCall calls
 * it when a service answers 'unauthenticated', and the window then shows the
 * sign-in card because the refreshed status has no operator.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { bridge } from './bridge.js';
import type { AppStatus } from '../shared/ipc/contract.js';

export interface AppStatusValue {
  /** null until the first answer. */
  status: AppStatus | null;
  refresh: () => Promise<void>;
}

const AppStatusContext = createContext<AppStatusValue | null>(null);

/**
 * The status bar follows changes nobody in the window caused: the sync
 * service runs in the background, so the insurer can go offline or come back
 * and the queue can drain while the cashier looks at another screen. Those
 * reach the window only by asking, so the provider asks every few seconds.
 */
const BACKGROUND_REFRESH_MS = 5_000;

export function AppStatusProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<AppStatus | null>(null);
  // Answers can arrive out of order (a periodic refresh overtaken by one after a settlement): keep the newest asked.
  const asked = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++asked.current;
    const r = await bridge.invoke('app.status', {});
    if (r.ok && mine === asked.current) setStatus(r.value);
  }, []);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), BACKGROUND_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const value = useMemo(() => ({ status, refresh }), [status, refresh]);
  return <AppStatusContext.Provider value={value}>{children}</AppStatusContext.Provider>;
}

export function useAppStatus(): AppStatusValue {
  const value = useContext(AppStatusContext);
  if (!value) throw new Error('useAppStatus outside AppStatusProvider');
  return value;
}
