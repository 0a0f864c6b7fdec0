/** Small pieces every screen uses: calling the services, showing errors, keyboard movement. */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { bridge } from './bridge.js';
import type { ChannelName, RequestOf, ResponseOf } from '../shared/ipc/contract.js';
import type { FundField } from '../shared/rules/schema.js';
import type { Language } from './i18n/messages.js';
import { useLanguage } from './i18n/useLanguage.js';
import { useAppStatus } from './app-status.js';

/** An error as the services send it (shared/errors.ts): both languages, so switching the window's language re-words it. */
export interface UiError {
  code: string;
  field: string;
  message: string;
  message_en: string;
}

/** An error the window finds itself (a file it cannot read), worded in both languages like the services' errors. */
export function windowError(field: string, text: (lng: Language) => string): UiError {
  return { code: 'invalid_field', field, message: text('zh'), message_en: text('en') };
}

/**
 * Calls a contract channel, keeping the last error (with its field) for the screen.
 * An 'unauthenticated' answer refreshes the app status, which then shows the sign-in card; a storage error
 * (disk_full, io_error, database_damaged) or a store that does not verify (integrity_failed) refreshes it too, so the status bar's warning shows at once.
 */
export function useCall() {
  const { refresh } = useAppStatus();
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const call = useCallback(
    async <C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C> | undefined> => {
      setBusy(true);
      setError(null);
      try {
        const r = await bridge.invoke(channel, request);
        if (r.ok) return r.value;
        setError(r.error);
        // Signed out: the sign-in card; the disk (full, failing, damaged store): the status bar's warning at once.
        if (['unauthenticated', 'disk_full', 'io_error', 'database_damaged', 'integrity_failed'].includes(r.error.code))
          void refresh();
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [refresh],
  );
  return { call, error, setError, busy };
}

/** A screen's `call` from useCall, for hooks that call the services on the screen's behalf (its error box shows their errors). */
export type Call = ReturnType<typeof useCall>['call'];

/**
 * The input an error names on the screen it happened on: the element bound to its field (bind() sets data-field),
 * found from the error box's own screen (its closest <main>, a dialog or the sign-in card), else the whole page.
 */
function inputOf(box: HTMLElement | null, field: string): HTMLElement | null {
  if (!field) return null;
  const selector = `[data-field="${CSS.escape(field)}"]`;
  const scope = box?.closest('main, [role="dialog"], .signin') ?? document;
  return scope.querySelector<HTMLElement>(selector) ?? document.querySelector<HTMLElement>(selector);
}

/** The label a person sees for an input: its <label>'s caption (Field), else its aria-label or placeholder. */
function labelOf(input: HTMLElement | null): string | null {
  if (!input) return null;
  const caption = input.closest('label')?.querySelector(':scope > span')?.textContent?.trim();
  return caption || input.getAttribute('aria-label') || input.getAttribute('placeholder') || null;
}

/**
 * An error in the words of the screen: the field named by its label as the person sees it (never the request path),
 * its input marked (bind()), scrolled into view and focused, so the cashier types the correction at once. The
 * request path and the error code stay in a details line for IT.
 */
export function ErrorBox({ error }: { error: UiError | null }) {
  const language = useLanguage();
  const box = useRef<HTMLDivElement>(null);
  const [label, setLabel] = useState<string | null>(null);
  useEffect(() => {
    if (!error) return;
    const input = inputOf(box.current, error.field);
    setLabel(labelOf(input));
    if (input) {
      input.scrollIntoView({ block: 'center' });
      input.focus();
    } else box.current?.scrollIntoView({ block: 'nearest' });
  }, [error]);
  if (!error) return null;
  const message = language === 'en' ? error.message_en || error.message : error.message;
  return (
    <div className="error" role="alert" ref={box}>
      {label && <strong className="error-field">{language === 'en' ? `${label}: ` : `${label}：`}</strong>}
      {message}
      {(error.field || error.code) && (
        <small className="error-detail" data-testid="error-detail">
          {[error.code, error.field].filter(Boolean).join(' · ')}
        </small>
      )}
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
  return {
    'data-field': field,
    'aria-invalid': invalid,
    className: [className, invalid ? 'invalid' : ''].join(' ').trim() || undefined,
  };
}

/**
 * A fund's name. In Chinese, the rule package's own (more specific) name; in
 * English, the generic name of its national field, since packages name funds
 * in Chinese only.
 */
export function useFundName(): (fund: { field: FundField; name: string }) => string {
  const { t } = useTranslation();
  const language = useLanguage();
  return (fund) => (language === 'en' ? t(`funds.${fund.field}`) : fund.name);
}

/** A region's name: the package's English name in English when it has one, else its Chinese name (as printed on slips). */
export function useRegionName(): (region: { region_name: string; region_name_en: string | null }) => string {
  const language = useLanguage();
  return (r) => (language === 'en' && r.region_name_en ? r.region_name_en : r.region_name);
}

/** A size on disk as the window shows it: MB with one decimal (KB below 1 MB). */
export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A moment as the hospital reads it: China Standard Time, 24-hour clock. */
export function formatMoment(iso: string): string {
  return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}
