/**
 * The gateway's own 医保目录 (a few items, keyed by med_list_codg) and how it
 * splits a fee line (2301). It deliberately differs from what a hospital's
 * HIS would send for some items, so that the platform's split and the
 * terminal's can disagree (issue 13): the codes are fictitious but shaped like
 * national ones (X… drugs, C… materials, digits for services).
 *
 * A line: 全自费 = the whole amount when the item is 丙类 (not in scope);
 * 超限价 = (pric − pric_uplmt_amt) × cnt when the price is over the limit;
 * 先行自付 = (amount − 全自费 − 超限价) × selfpay_prop; 符合范围 = the rest.
 * Codes not in the catalogue are fully in scope (甲类, no limit).
 */
import { Decimal, ZERO, toCents, type Money } from '../../shared/money.js';

export interface CatalogueItem {
  name: string;
  /** 收费项目等级: 01 甲类, 02 乙类, 03 丙类 (自费). */
  chrgitm_lv: '01' | '02' | '03';
  /** 医疗收费项目类别: 01 床位费, 02 诊察费, 05 治疗费, 08 卫生材料费, 09 西药费, … */
  med_chrgitm_type: string;
  /** 先行自付比例 (乙类). */
  selfpay_prop: string;
  /** 最高限价; null = none. */
  pric_uplmt_amt: string | null;
}

export const CATALOGUE: Readonly<Record<string, CatalogueItem>> = {
  // 乙类 here with 10% 先行自付; a HIS that lists it as 甲类 sends no self-pay for it.
  XB01ABE075B002010100001: {
    name: '依诺肝素钠注射液',
    chrgitm_lv: '02',
    med_chrgitm_type: '09',
    selfpay_prop: '0.1',
    pric_uplmt_amt: null,
  },
  // Price limit 35.00: a hospital charging more pays the difference itself (超限价自费).
  C02020100100001000001: {
    name: '一次性使用静脉留置针',
    chrgitm_lv: '02',
    med_chrgitm_type: '08',
    selfpay_prop: '0',
    pric_uplmt_amt: '35.00',
  },
  // 丙类: fully self-paid (全自费).
  XA11JAX000A001010100001: {
    name: '复合维生素片（自费）',
    chrgitm_lv: '03',
    med_chrgitm_type: '09',
    selfpay_prop: '0',
    pric_uplmt_amt: null,
  },
  // 床位费 with a limit of 50.00 per day.
  '001101000010000': {
    name: '普通病房床位费',
    chrgitm_lv: '01',
    med_chrgitm_type: '01',
    selfpay_prop: '0',
    pric_uplmt_amt: '50.00',
  },
};

const IN_SCOPE: CatalogueItem = {
  name: '',
  chrgitm_lv: '01',
  med_chrgitm_type: '14',
  selfpay_prop: '0',
  pric_uplmt_amt: null,
};

export function catalogueItem(code: string): CatalogueItem & { known: boolean } {
  const item = CATALOGUE[code];
  return item ? { ...item, known: true } : { ...IN_SCOPE, known: false };
}

export interface LineSplit {
  fulamt_ownpay_amt: Money;
  overlmt_amt: Money;
  preselfpay_amt: Money;
  inscp_scp_amt: Money;
}

/** The split of one line (a refund line, cnt < 0, gets the same split negated). */
export function splitLine(item: CatalogueItem, amount: Money, cnt: Money, pric: Money): LineSplit {
  if (item.chrgitm_lv === '03')
    return { fulamt_ownpay_amt: amount, overlmt_amt: ZERO, preselfpay_amt: ZERO, inscp_scp_amt: ZERO };
  let overlmt = ZERO;
  if (item.pric_uplmt_amt !== null && pric.greaterThan(item.pric_uplmt_amt)) {
    overlmt = toCents(pric.minus(item.pric_uplmt_amt).times(cnt));
    if (overlmt.abs().greaterThan(amount.abs())) overlmt = amount;
  }
  const preself = toCents(amount.minus(overlmt).times(new Decimal(item.selfpay_prop)));
  return {
    fulamt_ownpay_amt: ZERO,
    overlmt_amt: overlmt,
    preselfpay_amt: preself,
    inscp_scp_amt: amount.minus(overlmt).minus(preself),
  };
}
