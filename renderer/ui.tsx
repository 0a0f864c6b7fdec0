/** Small pieces every screen uses: calling the services, showing errors, keyboard movement. */
import { useCallback, useState, type KeyboardEvent, type ReactNode } from 'react';
import { bridge } from './bridge.js';
import type { ChannelName, RequestOf, ResponseOf } from '../shared/ipc/contract.js';

export interface UiError {
  code: string;
  field: string;
  message: string;
}

/** Calls a contract channel, keeping the last error (with its field) for the screen. */
export function useCall() {
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const call = useCallback(async <C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C> | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const r = await bridge.invoke(channel, request);
      if (r.ok) return r.value;
      setError(r.error);
      if (r.error.code === 'unauthenticated') window.dispatchEvent(new Event('desk:signed-out'));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { call, error, setError, busy };
}

export function ErrorBox({ error }: { error: UiError | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error.field && <code>{error.field}</code>} {error.message}
    </div>
  );
}

/** Enter moves to the next field (and selects it, so typing replaces); on the last one it presses the default button. */
export function moveOnEnter(e: KeyboardEvent<HTMLElement>): void {
  if (e.key !== 'Enter' || e.target instanceof HTMLButtonElement || e.target instanceof HTMLTextAreaElement) return;
  const container = e.currentTarget;
  const fields = [...container.querySelectorAll<HTMLElement>('input:not([disabled]), select:not([disabled])')];
  const i = fields.indexOf(e.target as HTMLElement);
  if (i < 0) return;
  e.preventDefault();
  const next = fields[i + 1];
  if (next) {
    next.focus();
    if (next instanceof HTMLInputElement && next.type !== 'checkbox' && next.type !== 'date') next.select();
  } else container.querySelector<HTMLButtonElement>('button.default')?.click();
}

export function Field({ label, children, wide }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <label className={wide ? 'wide' : undefined}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** Props for an input bound to a request field: marks it when the last error names that field. */
export function bind(error: UiError | null, field: string, className = '') {
  const invalid = error?.field === field;
  return { 'data-field': field, 'aria-invalid': invalid, className: [className, invalid ? 'invalid' : ''].join(' ').trim() || undefined };
}

export const ROLE_NAMES: Record<string, string> = { cashier: '收费员', claims_clerk: '报销审核员', supervisor: '主管' };
export const SCHEME_NAMES: Record<string, string> = { employee: '职工医保', resident: '城乡居民医保' };
