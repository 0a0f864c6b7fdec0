/**
 * A date field that reads the same on every machine: a text input (not the browser's date picker, which follows the
 * OS locale: mm/dd/yyyy on one machine, and typing 20261102 gave year 61102), taking 20261102, 2026-11-02,
 * 2026/11/02 or 2026.11.02 and showing YYYY-MM-DD once it is a real date (shared/dates.ts normalizeTypedDate). What
 * is not a date yet stays as typed: the service names the field if it is sent so.
 */
import type { InputHTMLAttributes } from 'react';
import { normalizeTypedDate } from '../../shared/dates.js';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'> & {
  value: string;
  onChange: (value: string) => void;
};

export function DateInput({ value, onChange, onBlur, ...rest }: Props) {
  return (
    <input
      {...rest}
      type="text"
      inputMode="numeric"
      placeholder={rest.placeholder ?? 'YYYY-MM-DD'}
      maxLength={10}
      value={value}
      // Eight digits are a whole date already: shown as YYYY-MM-DD at once (Enter moves on with it normalized).
      onChange={(e) => onChange(/^\d{8}$/.test(e.target.value) ? normalizeTypedDate(e.target.value) : e.target.value)}
      onBlur={(e) => {
        const normalized = normalizeTypedDate(e.target.value);
        if (normalized !== e.target.value) onChange(normalized);
        onBlur?.(e);
      }}
    />
  );
}
