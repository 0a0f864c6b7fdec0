/** What a settlement returns (CLI v1 result, slip, store record). Amounts are strings in cents. */
import type { YtdJson } from './accumulators.js';
import type { CostAmounts } from './request.js';
import type { FundField, Segment } from '../rules/schema.js';

export interface TraceStep {
  /** Index of the part (0-based), or null for steps about the whole settlement. */
  part: number | null;
  /** Layer id ("basic", "large_amount", …) or "settlement". */
  layer: string;
  step: string;
  /** Chinese, for the cashier: formula with its numbers. */
  text: string;
  /** The policy article (or product decision) behind the step. */
  article: string | null;
}

export interface FundPayment {
  layer: string;
  name: string;
  field: FundField;
  fund_pay_type: string;
  amount: string;
}

/** A part's own bill amounts, in-policy amount and deductible: these fields of NationalFields, for the part's costs. */
export type PartNationalFields = Pick<NationalFields, keyof CostAmounts | 'inscp_scp_amt' | 'act_pay_dedc'>;

export interface PartResult extends PartNationalFields {
  year: number;
  rule_version: string;
  /** True when any value the part used is a sample, not a published figure. */
  uses_sample_values: boolean;
  first_date: string;
  last_date: string;
  segments: Record<Segment, string>;
  funds: Record<string, string>;
  /** Layers that paid nothing in this part and why: not in force on its dates, filed past the layer's limit, or not enrolled that year. */
  not_paying: Record<string, NotPaying>;
}

export type NotPaying = 'not_in_force' | 'filing_expired' | 'not_enrolled';

/**
 * The national setlinfo fields (docs/settlement-model.md#national-fields): the bill's amounts (the cost
 * line's CostAmounts, summed), the in-policy amount and deductible, one field
 * per fund field (FUND_FIELDS), and the totals.
 */
export interface NationalFields extends CostAmounts, Record<FundField, string> {
  inscp_scp_amt: string;
  act_pay_dedc: string;
  fund_pay_sumamt: string;
  psn_part_amt: string;
  acct_pay: string;
  psn_cash_pay: string;
}

export interface SettlementResult extends NationalFields {
  region: string;
  region_name: string;
  scheme: string;
  funds: Record<string, string>;
  fund_details: FundPayment[];
  parts: PartResult[];
  ytd_after: YtdJson;
  trace: TraceStep[];
}
