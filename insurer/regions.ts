/**
 * Which 统筹区 (the insurer's regions) a terminal's hospital belongs to, so
 * that person lookups and claims are scoped to it (issue 16 item 5).
 *
 * National practice: a person is looked up and settled by the insurer of
 * their own 统筹区. A person insured elsewhere is settled through 异地就医
 * (filed with their home insurer, settled over the national platform), not
 * by a local lookup: so this insurer refuses, for a scoped terminal, to show
 * or settle a person of another region (403 out_of_region / a rejected claim),
 * without any of the person's data.
 *
 * The scope of a terminal, in order:
 * - its registration's regions (`--terminal H/T@dazhou:SECRET`, POST
 *   /admin/terminals {regions}); "*" for every region (a test or national
 *   terminal);
 * - else derived from the hospital code: NHSA codes carry the hospital's
 *   6-digit 医保区划 after the letter (H51170200001: 511702, 通川区 of 达州),
 *   and a prefecture-level 统筹区 (code ending in 00) covers its districts
 *   and counties (5117xx), a county-level one (江阴 320281) only itself;
 * - else (a code that names no region this insurer serves, such as the test
 *   terminals' H510100001) unscoped, with a warning at start: the reference
 *   service keeps working for the demo and the tests; register the region
 *   explicitly in a trial.
 */

/** The insurer's region ids → 参保地医保区划 (the prefecture-level codes; 江阴 is a county-level city). */
export const REGION_ADMDVS: Readonly<Record<string, string>> = {
  dazhou: '511700',
  deyang: '510600',
  jiangyin: '320281',
  kaifeng: '410200',
  qingyang: '621000',
};

/** Every region (a terminal registered with "*"). */
export const ALL_REGIONS = '*';
export type RegionScope = readonly string[] | typeof ALL_REGIONS;

/** Whether the 统筹区 with this 医保区划 covers the 6-digit division code. */
function covers(regionAdmdvs: string, division: string): boolean {
  return regionAdmdvs.endsWith('00') ? division.slice(0, 4) === regionAdmdvs.slice(0, 4) : division === regionAdmdvs;
}

/** The regions a hospital code's 医保区划 falls in (H + 6 digits + …), or null when it names none. */
export function regionsOfHospital(hospitalCode: string): string[] | null {
  const m = /^H(\d{6})/.exec(hospitalCode);
  if (!m) return null;
  const found = Object.entries(REGION_ADMDVS)
    .filter(([, admdvs]) => covers(admdvs, m[1]!))
    .map(([id]) => id);
  return found.length > 0 ? found : null;
}

/** The regions whose persons the terminal may look up and claim for; null when unscoped. */
export function scopeOf(hospitalCode: string, registered: RegionScope | null): readonly string[] | null {
  if (registered === ALL_REGIONS) return null;
  return registered ?? regionsOfHospital(hospitalCode);
}

/** Whether a person of `region` is within the scope. */
export function inScope(scope: readonly string[] | null, region: string): boolean {
  return scope === null || scope.includes(region);
}

/** The refusal of a person of another region, worded once: the lookup's 403 and a claim's rejection say the same. */
export const OUT_OF_REGION = {
  code: 'out_of_region',
  field: 'id_number',
  zh: '该参保人不属于本医疗机构所在统筹区，请按异地就医（备案后直接结算）办理',
  en: "the person is not insured in this hospital's region: settle through cross-region care (异地就医)",
} as const;
