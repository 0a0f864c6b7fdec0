/**
 * The platform's 2304 answer beside the local split (docs/nhsa.md §6, §7.4):
 * setldetail's fund_pay_type codes mapped to the local layers through the
 * installed rule packages, and an outbox answer made of it: accepted when the
 * two agree to the cent, adjusted (多退少补) with per-fund differences when not.
 */
import { Decimal, ZERO, formatAmount, type Money } from '../../../../shared/money.js';
import { mapFundPayType, type SettleOutput } from '../../../../shared/nhsa/index.js';
import type { SettlementResult } from '../../../../shared/engine/result.js';
import type { RuleSet } from '../../../../shared/rules/ruleset.js';
import { BASIC_LAYER_ID, type FundField } from '../../../../shared/rules/schema.js';
import { sameAmounts, subtract } from '../../../../shared/sync/amounts.js';
import type { Amounts, ClaimAnswer } from '../../../../shared/sync/protocol.js';

/** fund_pay_type → { field, layer } from every installed package of the region (schemes' basic fund and the layers'). */
export function packageFundCodes(rules: RuleSet, region: string): Map<string, { field: FundField; layer: string }> {
  const codes = new Map<string, { field: FundField; layer: string }>();
  for (const pkg of rules.versions(region)) {
    for (const scheme of Object.values(pkg.schemes))
      if (scheme) codes.set(scheme.fund.fund_pay_type, { field: scheme.fund.field, layer: BASIC_LAYER_ID });
    for (const l of pkg.layers) codes.set(l.fund.fund_pay_type, { field: l.fund.field, layer: l.id });
  }
  return codes;
}

/** The platform's amounts per local layer; a code no package knows counts under `fund_<code>` (shown as such). */
export function platformAmounts(out: SettleOutput, codes: ReturnType<typeof packageFundCodes>): Amounts {
  const funds = new Map<string, Money>();
  for (const d of out.setldetail) {
    const m = mapFundPayType(d.fund_pay_type, codes);
    if (m.field === 'acct_pay' || m.field === 'hosp_part_amt') continue; // not in fund_pay_sumamt
    const layer = m.layer ?? `fund_${d.fund_pay_type}`;
    funds.set(layer, (funds.get(layer) ?? ZERO).plus(d.fund_payamt));
  }
  const s = out.setlinfo;
  return {
    medfee_sumamt: s.medfee_sumamt,
    fund_pay_sumamt: s.fund_pay_sumamt,
    psn_cash_pay: s.psn_cash_pay,
    funds: Object.fromEntries([...funds].filter(([, v]) => !v.isZero()).map(([k, v]) => [k, formatAmount(v)])),
  };
}

/** The terminal's own split of the record, in the same shape. */
export function terminalAmounts(r: SettlementResult): Amounts {
  const funds: Record<string, string> = {};
  for (const f of r.fund_details)
    if (!new Decimal(f.amount).isZero())
      funds[f.layer] = formatAmount(new Decimal(funds[f.layer] ?? '0').plus(f.amount));
  return { medfee_sumamt: r.medfee_sumamt, fund_pay_sumamt: r.fund_pay_sumamt, psn_cash_pay: r.psn_cash_pay, funds };
}

/** The outbox answer for the platform's settlement: accepted when equal, else adjusted with platform − terminal. */
export function answerFor(key: string, setlId: string, terminal: Amounts, platform: Amounts, at: Date): ClaimAnswer {
  const answered_at = at.toISOString();
  if (sameAmounts(platform, terminal))
    return { status: 'accepted', idempotency_key: key, claim_id: setlId, insurer: platform, answered_at };
  return {
    status: 'adjusted',
    idempotency_key: key,
    claim_id: setlId,
    terminal,
    insurer: platform,
    difference: subtract(platform, terminal),
    reasons: [],
    message: '国家医保平台结算（2304）与本机结算金额不同：按平台金额多退少补',
    answered_at,
  };
}
