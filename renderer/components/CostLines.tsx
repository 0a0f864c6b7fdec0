/**
 * Cost lines (a bill's, or a claim's invoices): one `.cost` row per line with
 * the fields that lead it (its date, an invoice's number and date), then the
 * four national amount fields bound to `${name}[i].<field>`, then the button
 * that adds a line.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { COST_AMOUNT_FIELDS, type CostAmounts } from '../../shared/engine/cost-line.js';
import { Field, bind, type UiError } from '../ui.js';
import type { CostLinesState } from '../hooks/useCostLines.js';

export function CostLines<Row extends CostAmounts>({
  lines,
  name,
  error,
  lead,
  addLabel,
  onAdd,
}: {
  lines: CostLinesState<Row>;
  /** The request field the lines go to ('costs', 'invoices'): errors name `${name}[i].<field>`. */
  name: string;
  error: UiError | null;
  /** The fields before a line's amounts. */
  lead: (row: Row, i: number) => ReactNode;
  addLabel: string;
  onAdd: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      {lines.rows.map((row, i) => (
        <div className="cost" key={i}>
          {lead(row, i)}
          {COST_AMOUNT_FIELDS.map((key) => (
            <Field key={key} label={t(`amounts.${key}`)}>
              <input
                inputMode="decimal"
                {...bind(error, `${name}[${i}].${key}`, 'amount')}
                value={row[key]}
                onChange={(e) => lines.set(i, key, e.target.value)}
              />
            </Field>
          ))}
        </div>
      ))}
      <button type="button" className="link" onClick={onAdd}>
        {addLabel}
      </button>
    </>
  );
}
