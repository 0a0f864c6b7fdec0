/**
 * Running accumulator totals per (person, year, layer), in integer fen: what the terminal keeps in ytd_totals
 * (electron/worker/store/ytd-totals.ts) and the reference insurer in accumulator_totals (insurer/persons.ts), each
 * beside its movements, so a settlement reads its year-to-date figures without re-adding a history (issue 18). The
 * sums a check rebuilds from the movements, the comparison with what is stored, and the engine's ytd shape of a row
 * are declared here once for both.
 */
import { BASIC_LAYER_ID } from '../rules/schema.js';
import { fen, parseSignedFen } from './exact.js';

export interface TotalRow {
  person_id: number;
  year: number;
  layer: string;
  paid: number;
  base: number;
  admissions: number;
}

const keyOf = (personId: number, year: number, layer: string) => `${personId}\0${year}\0${layer}`;

/** Movements (amount texts, as stored) added up per (person, year, layer). */
export class TotalSums {
  private readonly rows = new Map<string, TotalRow>();

  add(personId: number, year: number, layer: string, m: { paid?: string; base?: string; admissions?: number }): void {
    const k = keyOf(personId, year, layer);
    let r = this.rows.get(k);
    if (!r) this.rows.set(k, (r = { person_id: personId, year, layer, paid: 0, base: 0, admissions: 0 }));
    r.paid += parseSignedFen(m.paid ?? '0');
    r.base += parseSignedFen(m.base ?? '0');
    r.admissions += m.admissions ?? 0;
  }

  values(): IterableIterator<TotalRow> {
    return this.rows.values();
  }
}

/**
 * The first difference between the stored rows and the sums made from `source` (a row missing, one too many, or
 * other values), worded for a check's report; null when they agree.
 */
export function firstDifference<S extends TotalRow>(
  stored: Iterable<S>,
  expected: Iterable<TotalRow>,
  source: string,
): { stored: S | null; detail: string } | null {
  const byKey = new Map<string, S>();
  for (const s of stored) byKey.set(keyOf(s.person_id, s.year, s.layer), s);
  for (const e of expected) {
    const k = keyOf(e.person_id, e.year, e.layer);
    const s = byKey.get(k);
    byKey.delete(k);
    const what = `person ${e.person_id} ${e.year} ${e.layer}`;
    if (!s) return { stored: null, detail: `${what}: no running total` };
    if (s.paid !== e.paid || s.base !== e.base || s.admissions !== e.admissions)
      return {
        stored: s,
        detail: `${what}: ${fen(s.paid)}/${fen(s.base)}/${s.admissions} stored, ${fen(e.paid)}/${fen(e.base)}/${e.admissions} from ${source}`,
      };
  }
  for (const s of byKey.values())
    return { stored: s, detail: `person ${s.person_id} ${s.year} ${s.layer}: a total not made by ${source}` };
  return null;
}

/** A running total as the engine's ytd value of its layer: the basic layer's paid and admissions, another's paid and base. */
export function ytdValue(
  r: Pick<TotalRow, 'layer' | 'paid' | 'base' | 'admissions'>,
): { paid: string; admissions: number } | { paid: string; base: string } {
  return r.layer === BASIC_LAYER_ID
    ? { paid: fen(r.paid), admissions: r.admissions }
    : { paid: fen(r.paid), base: fen(r.base) };
}
