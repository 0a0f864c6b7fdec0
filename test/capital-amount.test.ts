/** 大写金额: the zero rules, whole yuan, cents only, large and negative amounts. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { capitalAmount } from '../shared/slip/capital-amount.js';
import { Decimal } from '../shared/money.js';

describe('capitalAmount', () => {
  it.each([
    ['10005.00', '壹万零伍元整'],
    ['20241.25', '贰万零贰佰肆拾壹元贰角伍分'],
    ['100000.10', '壹拾万元壹角'],
    ['0.00', '零元整'],
    ['0.05', '伍分'],
    ['0.50', '伍角'],
    ['0.55', '伍角伍分'],
    ['1.00', '壹元整'],
    ['10.00', '壹拾元整'],
    ['1409.50', '壹仟肆佰零玖元伍角'],
    ['6007.14', '陆仟零柒元壹角肆分'],
    ['16409.02', '壹万陆仟肆佰零玖元零贰分'],
    ['325.04', '叁佰贰拾伍元零肆分'],
    ['30000.06', '叁万元零陆分'],
    ['1000001.01', '壹佰万零壹元零壹分'],
    ['100000000.00', '壹亿元整'],
    ['123456789012.34', '壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分'],
    ['-20241.25', '负贰万零贰佰肆拾壹元贰角伍分'],
    ['-0.00', '零元整'],
  ])('%s → %s', (amount, words) => {
    expect(capitalAmount(amount)).toBe(words);
  });

  it('refuses an amount that is not in cents', () => {
    expect(() => capitalAmount('1.005')).toThrow(/not in cents/);
  });

  it('never writes two 零 in a row, ends whole yuan with 整 and nothing else with it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 99_999_999_999_99n }), (cents) => {
        const amount = new Decimal(cents.toString()).div(100);
        const words = capitalAmount(amount);
        expect(words).not.toMatch(/零零/);
        expect(words.endsWith('整')).toBe(cents % 100n === 0n);
        expect(words).toMatch(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});
