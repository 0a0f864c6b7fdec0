/**
 * The lines of a bill or a claim as the cashier types them: a cost line
 * (CostLine) at the window, an invoice (its amounts plus number and date) for
 * a manual claim. Every row shape carries the national amount fields of
 * shared/engine/request.ts.
 */
import { useCallback, useState } from 'react';
import type { CostAmounts } from '../../shared/engine/cost-line.js';

export function useCostLines<Row extends CostAmounts>(blank: () => Row) {
  const [rows, setRows] = useState<Row[]>(() => [blank()]);
  const set = useCallback(
    (i: number, key: keyof Row, value: string) =>
      setRows((all) => all.map((r, j) => (j === i ? { ...r, [key]: value } : r))),
    [],
  );
  /** Adds a line: the given one, or a blank one. */
  const add = (row: Row = blank()) => setRows((all) => [...all, row]);
  /** Replaces every line: with the given ones (an imported bill), or with one blank line. */
  const reset = (next: Row[] = [blank()]) => setRows(next);
  return { rows, set, add, reset };
}

export type CostLinesState<Row extends CostAmounts> = ReturnType<typeof useCostLines<Row>>;
