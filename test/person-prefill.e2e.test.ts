/**
 * Updating a known person on the 登记参保人 card, in real Chromium against the browser host: the record form starts
 * from the accumulators the store has for last year and this year (the lookup answer carries them), so changing
 * 退休 and saving keeps them instead of recording zeros over them.
 */
import { describe, expect, it } from 'vitest';
import { asPerson, idNumber } from './store-support.js';
import { CASHIER, livePage, useE2E, year } from './e2e/harness.js';

const e2e = useE2E({ shotPrefix: 'person-prefill-' });
const page = livePage(e2e);
const last = String(Number(year) - 1);

const STATED = {
  [last]: { basic: { paid: '800.00', admissions: 1 } },
  [year]: { basic: { paid: '12345.60', admissions: 2 }, large_amount: { paid: '300.00', base: '1000.00' } },
};

describe('updating a known person (person card)', () => {
  it('pre-fills the recorded accumulators and keeps them on save', async () => {
    e2e.seedOperators(CASHIER);
    const id = idNumber(71);
    const { person_id } = e2e.app.service.persons.record(
      e2e.as(CASHIER),
      asPerson({
        id_number: id,
        name: '患者七一',
        gender: 'M',
        region: 'dazhou',
        scheme: 'employee',
        retired: false,
        medical_assistance: false,
        enrolled: {},
        accumulators: STATED,
        as_of: `${year}-01-01T00:00:00+08:00`,
        source: 'cashier',
      }),
    );
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.fill('[data-field="id_number"]', id);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('患者七一');
    await page.click('[data-testid="person"] button:has-text("更新")');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await page.inputValue(`[data-field="accumulators.${year}.basic.paid"]`)).toBe('12345.60');
    expect(await page.inputValue(`[data-field="accumulators.${year}.basic.admissions"]`)).toBe('2');
    expect(await page.inputValue(`[data-field="accumulators.${last}.basic.paid"]`)).toBe('800.00');
    expect(await page.inputValue(`[data-field="accumulators.${last}.basic.admissions"]`)).toBe('1');
    await page.check('[data-field="retired"]');
    await page.click('button:has-text("保存参保信息")');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(0);
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('退休');
    // The store's latest snapshot: 退休 now, the accumulators still the recorded ones (no layer lost).
    expect(e2e.app.service.persons.summary(e2e.as(CASHIER), person_id).retired).toBe(true);
    expect(JSON.parse(e2e.app.service.persons.snapshot(person_id).accumulators)).toEqual(STATED);
    // Looked up again: the form starts from them again.
    await page.fill('[data-field="id_number"]', id);
    await page.keyboard.press('Enter');
    // Found (the number leaves the field): only then the card's 更新, not the card still shown from the save.
    await expect.poll(() => page.inputValue('[data-field="id_number"]')).toBe('');
    await page.click('[data-testid="person"] button:has-text("更新")');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await page.inputValue(`[data-field="accumulators.${year}.basic.paid"]`)).toBe('12345.60');
    expect(await page.isChecked('[data-field="retired"]')).toBe(true);
  });

  it('a settlement made after the lookup still counts when the pre-filled form is saved', async () => {
    e2e.seedOperators(CASHIER);
    const { person_id, id_number } = e2e.seedPerson(CASHIER, { seed: 72, name: '患者七二', accumulators: STATED });
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.fill('[data-field="id_number"]', id_number);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('患者七二');
    // The card stays on screen while a bill is settled for the person (F8 here or at another window).
    e2e.seedSettlement(CASHIER, person_id, '10000.00');
    const after = e2e.app.service.persons.ytd(person_id, [Number(year)]);
    expect(after[year]!['basic']!.paid).not.toBe(STATED[year]!.basic.paid);
    // 更新 from the card as it was looked up, 退休 ticked, saved: the settlement is not dropped from the totals.
    await page.click('[data-testid="person"] button:has-text("更新")');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await page.inputValue(`[data-field="accumulators.${year}.basic.paid"]`)).toBe('12345.60');
    await page.check('[data-field="retired"]');
    await page.click('button:has-text("保存参保信息")');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(0);
    await expect.poll(() => e2e.app.service.persons.summary(e2e.as(CASHIER), person_id).retired).toBe(true);
    expect(e2e.app.service.persons.ytd(person_id, [Number(year)])).toEqual(after);
  });
});
