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

export type CostAmounts = { medfee_sumamt: string; fulamt_ownpay_amt: string; overlmt_selfpay: string; preselfpay_amt: string };
const AMOUNT_LABELS: [keyof CostAmounts, string][] = [
  ['medfee_sumamt', '医疗费总额'],
  ['fulamt_ownpay_amt', '全自费'],
  ['overlmt_selfpay', '超限价自费'],
  ['preselfpay_amt', '先行自付'],
];

/** The four national cost fields of one line (a cost line or an invoice), right-aligned, bound to `${path}.<field>`. */
export function AmountInputs({ error, path, row, onChange }: { error: UiError | null; path: string; row: CostAmounts; onChange: (key: keyof CostAmounts, value: string) => void }) {
  return (
    <>
      {AMOUNT_LABELS.map(([key, label]) => (
        <Field key={key} label={label}>
          <input inputMode="decimal" {...bind(error, `${path}.${key}`, 'amount')} value={row[key]} onChange={(e) => onChange(key, e.target.value)} />
        </Field>
      ))}
    </>
  );
}
