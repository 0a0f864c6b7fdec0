/** What a settlement returns (CLI v1 result, slip, store record). Amounts are strings in cents. */
import type { YtdJson } from './accumulators.js';
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

export interface PartResult {
  year: number;
  rule_version: string;
  /** True when any value the part used is a sample, not a published figure. */
  uses_sample_values: boolean;
  first_date: string;
  last_date: string;
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
  inscp_scp_amt: string;
  act_pay_dedc: string;
  segments: Record<Segment, string>;
  funds: Record<string, string>;
  /** Layers that paid nothing in this part and why: not in force on its dates, filed past the layer's limit, or not enrolled that year. */
  not_paying: Record<string, NotPaying>;
}

export type NotPaying = 'not_in_force' | 'filing_expired' | 'not_enrolled';

/** The national setlinfo fields (domain.md §2). */
export interface NationalFields {
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
  inscp_scp_amt: string;
  act_pay_dedc: string;
  hifp_pay: string;
  cvlserv_pay: string;
  hifes_pay: string;
  hifmi_pay: string;
  hifob_pay: string;
  maf_pay: string;
  oth_pay: string;
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
