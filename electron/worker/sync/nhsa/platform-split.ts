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
import type { PlatformComparison, PlatformRow } from '../../../../shared/ipc/contract.js';

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
export function platformAmounts(
  out: {
    setlinfo: Pick<SettleOutput['setlinfo'], 'medfee_sumamt' | 'fund_pay_sumamt' | 'psn_cash_pay'>;
    setldetail: SettleOutput['setldetail'];
  },
  codes: ReturnType<typeof packageFundCodes>,
): Amounts {
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

/** The bill's split the platform may make otherwise than the HIS (its catalogue decides 自费, 先行自付, in scope). */
const COST_ROWS = [
  ['medfee_sumamt', '医疗费总额'],
  ['fulamt_ownpay_amt', '全自费'],
  ['overlmt_selfpay', '超限价自费'],
  ['preselfpay_amt', '先行自付'],
  ['inscp_scp_amt', '政策范围内费用'],
] as const;
export type CostRowKey = (typeof COST_ROWS)[number][0];

/** The platform's split of the bill, from its setlinfo (2303 or 2304). */
export const platformCosts = (setlinfo: Record<CostRowKey, string>): Record<CostRowKey, string> =>
  Object.fromEntries(COST_ROWS.map(([k]) => [k, setlinfo[k]])) as Record<CostRowKey, string>;

/**
 * The rows the window and the slip show (docs/nhsa.md §7.6): each fund either side paid, then the fund total and
 * the patient's cash; a differing fund is explained by the terminal's own trace steps for that layer.
 */
export function comparison(
  local: SettlementResult,
  platform: Amounts,
  /** The platform's own split of the bill (setlinfo): where a 先行自付 or an out-of-scope amount differs, it shows. */
  costs: Record<CostRowKey, string>,
): PlatformComparison {
  const terminal = terminalAmounts(local);
  const names = new Map(local.fund_details.map((f) => [f.layer, f.name]));
  const layers = [...new Set([...Object.keys(terminal.funds), ...Object.keys(platform.funds)])];
  const row =
    (kind: PlatformRow['kind']) =>
    (key: string, name: string, t: string, p: string, explain: () => string | null): PlatformRow => {
      const difference = formatAmount(new Decimal(p).minus(t));
      return {
        kind,
        key,
        name,
        terminal: t,
        platform: p,
        difference,
        explanation: difference === '0.00' ? null : explain(),
      };
    };
  const traceOf = (layer: string) => {
    const steps = local.trace.filter((s) => s.layer === layer).map((s) => s.text);
    return steps.length > 0 ? `本机：${steps.join('；')}` : null;
  };
  const costRows = COST_ROWS.map(([key, name]) =>
    row('cost')(key, name, local[key], costs[key], () =>
      key === 'inscp_scp_amt'
        ? '政策范围内费用 = 医疗费总额 − 全自费 − 超限价 − 先行自付（平台按其目录划分）'
        : '平台按其目录划分费用明细（2301 的逐项结果）',
    ),
  );
  const rows = [
    ...costRows,
    ...layers.map((l) =>
      row('fund')(
        l,
        names.get(l) ?? (l.startsWith('fund_') ? `医保基金 ${l.slice(5)}（本机规则无此基金）` : l),
        terminal.funds[l] ?? '0.00',
        platform.funds[l] ?? '0.00',
        () => traceOf(l) ?? '本机未由此基金支付',
      ),
    ),
    row('total')('fund_pay_sumamt', '基金支付合计', terminal.fund_pay_sumamt, platform.fund_pay_sumamt, () => null),
    row('total')('psn_cash_pay', '个人现金支付', terminal.psn_cash_pay, platform.psn_cash_pay, () =>
      platform.medfee_sumamt !== terminal.medfee_sumamt
        ? `医疗费总额不同：本机 ${terminal.medfee_sumamt}，平台 ${platform.medfee_sumamt}`
        : '个人现金 = 医疗费总额 − 基金支付合计（及个人账户、医院负担）',
    ),
  ];
  return { rows, differs: rows.some((r) => r.difference !== '0.00') };
}
