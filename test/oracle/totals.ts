/**
 * The settlement's totals over its parts: each fund's payment (basic and every
 * layer of the scheme, in the package's order), the national fields (fund
 * fields summed by their national field), and the patient's cash.
 */
import { ZERO, formatAmount as fmt, sumMoney, type Money } from './money.js';
import { BASIC_LAYER_ID, type FundField } from '../../shared/rules/schema.js';
import type { CostTotals } from './costs.js';
import type { SettledPart } from './part.js';
import type { Part } from './parts.js';
import type { SettlementRequest } from '../../shared/engine/request.js';
import type { FundPayment, NationalFields } from '../../shared/engine/result.js';
import type { Trace } from './trace.js';

const ZERO_TEXT = '0.00';

export interface SettlementTotals {
  national: NationalFields;
  /** Layer id → amount, basic first. */
  funds: Record<string, string>;
  fund_details: FundPayment[];
}

/** `all` is the whole bill's cost totals; `settled[i]` is `parts[i]` settled. */
export function settlementTotals(
  req: SettlementRequest,
  parts: readonly Part[],
  settled: readonly SettledPart[],
  all: CostTotals,
  trace: Trace,
): SettlementTotals {
  const fundTotals = new Map<string, Money>();
  const details = new Map<string, Omit<FundPayment, 'amount'>>();
  parts.forEach((part, index) => {
    const { paid } = settled[index]!;
    const basic = part.pkg.schemes[req.insured.scheme]!;
    details.set(BASIC_LAYER_ID, {
      layer: BASIC_LAYER_ID,
      name: basic.fund.name,
      field: basic.fund.field,
      fund_pay_type: basic.fund.fund_pay_type,
    });
    for (const l of part.pkg.layers) {
      if (l.schemes.includes(req.insured.scheme))
        details.set(l.id, { layer: l.id, name: l.fund.name, field: l.fund.field, fund_pay_type: l.fund.fund_pay_type });
    }
    for (const [id, amount] of paid) {
      const before = fundTotals.get(id);
      fundTotals.set(id, before === undefined ? amount : before.plus(amount));
    }
  });

  const byField: Partial<Record<FundField, Money>> = {};
  const fundDetails: FundPayment[] = [];
  const funds: Record<string, string> = {};
  for (const [id, d] of details) {
    const amount = fundTotals.get(id) ?? ZERO;
    const sofar = byField[d.field];
    byField[d.field] = sofar === undefined ? amount : sofar.plus(amount);
    const text = fmt(amount);
    funds[id] = text;
    fundDetails.push({ layer: d.layer, name: d.name, field: d.field, fund_pay_type: d.fund_pay_type, amount: text });
  }
  const fundSum = sumMoney(fundTotals.values());
  const personal = all.medfee.minus(fundSum);
  const personalText = fmt(personal);
  // A single part (the usual case) already has the bill's figures formatted.
  const only = settled.length === 1 ? settled[0]!.result : null;
  const field = (f: FundField) => {
    const v = byField[f];
    return v === undefined ? ZERO_TEXT : fmt(v);
  };
  const national: NationalFields = {
    medfee_sumamt: only ? only.medfee_sumamt : fmt(all.medfee),
    fulamt_ownpay_amt: only ? only.fulamt_ownpay_amt : fmt(all.fulamt),
    overlmt_selfpay: only ? only.overlmt_selfpay : fmt(all.overlmt),
    preselfpay_amt: only ? only.preselfpay_amt : fmt(all.preself),
    inscp_scp_amt: only ? only.inscp_scp_amt : fmt(all.medfee.minus(all.fulamt).minus(all.overlmt).minus(all.preself)),
    act_pay_dedc: only ? only.act_pay_dedc : fmt(sumMoney(settled.map((p) => p.deductible))),
    hifp_pay: field('hifp_pay'),
    cvlserv_pay: field('cvlserv_pay'),
    hifes_pay: field('hifes_pay'),
    hifmi_pay: field('hifmi_pay'),
    hifob_pay: field('hifob_pay'),
    maf_pay: field('maf_pay'),
    oth_pay: field('oth_pay'),
    fund_pay_sumamt: fmt(fundSum),
    psn_part_amt: personalText,
    acct_pay: ZERO_TEXT,
    psn_cash_pay: personalText,
  };
  trace.add(
    null,
    'settlement',
    'cash',
    () => `个人现金支付 = 医疗费总额 ${fmt(all.medfee)} − 基金支付合计 ${fmt(fundSum)} = ${fmt(personal)}`,
    null,
  );

  return { national, funds, fund_details: fundDetails };
}
