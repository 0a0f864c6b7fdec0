/**
 * What the request says about the person per calendar year
 * (docs/settlement-model.md#eligibility, #benefit-status): enrolment in a conditional layer per year (开封 第八条:
 * benefits for year Y need Y−1's contribution), years in which basic benefits
 * are suspended (达州 第十一条, 庆阳 四, 德阳 第九条). One declaration, used by the
 * engine's request, the person record, the sync protocol and the reference insurer.
 */
import { z } from 'zod';
import { unionMessage } from '../errors.js';
import { BASIC_LAYER_ID, type SchemeId } from '../rules/schema.js';

export const YEAR_PATTERN = /^\d{4}$/;

const year = z.string().refine((s) => YEAR_PATTERN.test(s), {
  message: '年度须为四位数字，如 "2026"',
  params: { code: 'invalid_field', en: 'year must be four digits such as "2026"' },
});

/** true/false for every year the stay touches, or year → enrolled (a year left out is not enrolled). */
export const enrolmentValue = z.union([z.boolean(), z.record(year, z.boolean())], {
  error: unionMessage(
    '参保标志须为 true/false，或按年度写成 {"2026": true}',
    'enrolment must be true/false, or per year such as {"2026": true}',
  ),
});
export type Enrolment = z.infer<typeof enrolmentValue>;

/** Years ("2026") in which basic benefits are suspended: waiting period, arrears. */
export const suspendedYears = z.array(year).max(200);

/** The insured as the engine's request states them (insured.*): scheme, status, enrolment, suspension. */
export interface Insured {
  scheme: SchemeId;
  retired: boolean;
  medical_assistance: boolean;
  /** Per layer: every year of the stay, or year → enrolled (docs/settlement-model.md#eligibility). */
  enrolled: Record<string, Enrolment>;
  /** Years in which basic benefits are suspended. */
  suspended_years: string[];
}

/**
 * An insured person: who, where insured, and the engine's facts about them.
 * The insurer's person snapshot (shared/sync/protocol), the store's person
 * summary (shared/store/records.ts) and the reference insurer's person derive from it.
 */
export interface InsuredPerson extends Insured {
  name: string;
  gender: 'M' | 'F' | null;
  region: string;
}

export function enrolledIn(e: Enrolment | undefined, y: number): boolean {
  if (e === undefined) return false;
  return typeof e === 'boolean' ? e : e[String(y)] === true;
}

/** The person's enrolment limited to the stay's years (a request may not name a year outside the stay). */
export function enrolmentForYears(
  all: Readonly<Record<string, Enrolment>>,
  years: readonly number[],
): Record<string, Enrolment> {
  const out: Record<string, Enrolment> = {};
  for (const [layer, e] of Object.entries(all)) {
    out[layer] =
      typeof e === 'boolean'
        ? e
        : Object.fromEntries(years.filter((y) => String(y) in e).map((y) => [String(y), e[String(y)]!]));
  }
  return out;
}

/** How enrolment reads for a year, for the window and slips: "2025 ✓ · 2026 ✗" or a single flag. */
export function enrolmentYears(e: Enrolment | undefined): { year: string | null; enrolled: boolean }[] {
  if (e === undefined || typeof e === 'boolean') return [{ year: null, enrolled: e === true }];
  return Object.keys(e)
    .sort()
    .map((y) => ({ year: y, enrolled: e[y] === true }));
}

/**
 * The person's enrolment and accumulators limited to the layers the region
 * has: the engine refuses unknown layer ids, but a flag or accumulator recorded
 * under an older package's layer is not an error at the window or the insurer.
 */
export function onlyRegionLayers<Y extends Record<string, unknown>>(
  layerIds: ReadonlySet<string>,
  enrolled: Readonly<Record<string, Enrolment>>,
  ytd: Readonly<Record<string, Y>>,
): { enrolled: Record<string, Enrolment>; ytd: Record<string, Y> } {
  const keep = (id: string) => id === BASIC_LAYER_ID || layerIds.has(id);
  return {
    enrolled: Object.fromEntries(Object.entries(enrolled).filter(([id]) => layerIds.has(id))),
    ytd: Object.fromEntries(
      Object.entries(ytd).map(([year, layers]) => [
        year,
        Object.fromEntries(Object.entries(layers).filter(([id]) => keep(id))) as Y,
      ]),
    ),
  };
}
