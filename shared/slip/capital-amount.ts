/**
 * Amounts in Chinese capital numerals (大写金额) for slips, following the
 * People's Bank of China rules for filling in settlement vouchers (《支付结算办法》
 * 附件一 正确填写票据和结算凭证的基本规定):
 *  - an amount in whole yuan ends in 整 (10,005.00 → 壹万零伍元整);
 *  - one 零 for any run of zeros inside the number (1,000,001.01 → 壹佰万零壹元零壹分);
 *  - 角 zero with 分 non-zero writes 零 after 元 (30,000.06 → 叁万元零陆分);
 *  - where the yuan digit is zero and 角 is not, the 零 may be omitted; we omit it
 *    (100,000.10 → 壹拾万元壹角), as the rules allow;
 *  - an amount under one yuan has no 元 (0.05 → 伍分); zero is 零元整;
 *  - a negative amount (a reversal) is prefixed 负.
 * The digit work is nzh's; this function fixes the conventions above on top.
 */
import Nzh from 'nzh';
import { Decimal, type Money } from '../money.js';

export function capitalAmount(amount: Money | string): string {
  const x = new Decimal(amount);
  if (x.decimalPlaces() > 2) throw new Error(`internal: ${x.toString()} is not in cents`);
  const text = x.abs().toFixed(2);
  const whole = text.endsWith('.00');
  // Without a decimal part nzh writes 元整; with one, it writes 角/分 and no 整.
  const words = Nzh.cn.toMoney(whole ? text.slice(0, -3) : text, { outSymbol: false });
  return x.isNegative() && !x.isZero() ? `负${words}` : words;
}
