/**
 * A reversal's figures (结算撤销): the original settlement's amounts negated, field by named field. The reversal
 * detail on 结算查询 and the reversal slip both show it, so the two cannot disagree. Only fields declared to be
 * amounts are negated; ids, names, dates and rule versions stay as they are, whatever they look like. The trace
 * and the accumulators after (the original computation) are kept as they were.
 */
import { negatedAmount } from '../money.js';
import { FUND_FIELDS } from '../rules/schema.js';
import { COST_AMOUNT_FIELDS } from './cost-line.js';
import type { NationalFields, PartNationalFields, PartResult, SettlementResult } from './result.js';

/** A part's amounts: its bill amounts, in-policy amount and deductible (PartNationalFields). */
export const PART_AMOUNT_FIELDS = [
  ...COST_AMOUNT_FIELDS,
  'inscp_scp_amt',
  'act_pay_dedc',
] as const satisfies readonly (keyof PartNationalFields)[];

/** Every national setlinfo amount of a result (NationalFields). */
export const NATIONAL_AMOUNT_FIELDS = [
  ...PART_AMOUNT_FIELDS,
  ...FUND_FIELDS,
  'fund_pay_sumamt',
  'psn_part_amt',
  'acct_pay',
  'psn_cash_pay',
] as const satisfies readonly (keyof NationalFields)[];

// Every key of NationalFields is listed above: a field added there and not here fails to compile.
type Missing = Exclude<keyof NationalFields, (typeof NATIONAL_AMOUNT_FIELDS)[number]>;
const _allListed: [Missing] extends [never] ? true : Missing = true;
void _allListed;

/** Each value of a layer → amount (or segment → amount) record negated. */
const negatedValues = <K extends string>(o: Record<K, string>): Record<K, string> =>
  Object.fromEntries(Object.entries<string>(o).map(([k, v]) => [k, negatedAmount(v)])) as Record<K, string>;

/**
 * The listed amounts negated. A result stored before a field was added to the national fields does not have it: it
 * stays absent (shown without it), rather than failing the whole detail or slip.
 */
function negatedFields<T extends object, F extends keyof T & string>(o: T, fields: readonly F[]): T {
  const out = { ...o };
  for (const f of fields) {
    const v: unknown = o[f];
    if (typeof v === 'string') (out as Record<string, unknown>)[f] = negatedAmount(v);
  }
  return out;
}

const negatedPart = (p: PartResult): PartResult => ({
  ...negatedFields(p, PART_AMOUNT_FIELDS),
  segments: negatedValues(p.segments),
  funds: negatedValues(p.funds),
});

/** A settlement's result with every amount negated: the figures of its reversal. */
export function negatedResult(r: SettlementResult): SettlementResult {
  return {
    ...negatedFields(r, NATIONAL_AMOUNT_FIELDS),
    funds: negatedValues(r.funds),
    fund_details: r.fund_details.map((f) => ({ ...f, amount: negatedAmount(f.amount) })),
    parts: r.parts.map(negatedPart),
  };
}
