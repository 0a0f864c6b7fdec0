/**
 * The 登记参保人 / person lookup card on the settle screen, round two (issue
 * 17), in real Chromium against the browser host: one person.record per
 * Enter, identity numbers with impossible birth dates refused at the lookup
 * with the field named and marked, accumulators of last year too, gender from
 * the identity number, the region remembered, the identity number masked once
 * recorded, the focus on the bill's first field after finding or saving, and
 * errors that name the card's own fields.
 */
import { describe, expect, it } from 'vitest';
import { idNumber } from './store-support.js';
import { CASHIER, countRequests, ipc, livePage, useE2E, year } from './e2e/harness.js';

const e2e = useE2E({ shotPrefix: 'person-window-' });
const page = livePage(e2e);
const last = String(Number(year) - 1);

/** The cashier signed in, a new identity number looked up: the record form open. */
async function newPerson(seed: number): Promise<string> {
  e2e.seedOperators(CASHIER);
  await e2e.open();
  await e2e.signIn(CASHIER);
  const id = idNumber(seed);
  await page.fill('[data-field="id_number"]', id);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
  return id;
}

const focused = () => page.evaluate<string | null>(`document.activeElement?.getAttribute('data-field') ?? null`);

describe('the person card (issue 17)', () => {
  it('sends person.record once for Enter on the last field', async () => {
    const records = countRequests(page, ipc('person.record'));
    await newPerson(60);
    await page.fill('[data-field="name"]', '患者六十');
    await page.locator('[data-field$=".basic.admissions"]').last().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    // The barrier: the card is shown (the first record's answer handled) and its effects have run (the focus moved to
    // the bill), so a second record from this Enter, from that answer or from those effects has been sent by now. An
    // F5 (a preview, which stores nothing) is sent after it, and its answer is awaited before the count is read.
    await expect.poll(focused).toBe('hospital_level');
    const previewed = page.waitForResponse(ipc('settlement.preview'));
    await page.keyboard.press('F5');
    await previewed;
    expect(records()).toBe(1);
  });

  it('refuses identity numbers with impossible birth dates at the lookup, naming and marking the field', async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await e2e.signIn(CASHIER);
    for (const id of ['511702190002300018', '51170220991231001X']) {
      await page.fill('[data-field="id_number"]', id);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.textContent('[role="alert"]')).toContain('出生日期');
      expect(await page.textContent('[role="alert"] .error-field')).toContain('身份证号');
      expect(await page.getAttribute('[data-field="id_number"]', 'aria-invalid')).toBe('true');
      expect(await page.locator('[data-field="name"]').count()).toBe(0);
    }
    // The service refuses them too, whoever calls it.
    for (const id of ['511702190002300018', '51170220991231001X'])
      expect(() =>
        e2e.app.service.persons.record(e2e.as(CASHIER), {
          id_number: id,
          name: '患者',
          gender: null,
          region: 'dazhou',
          scheme: 'employee',
          retired: false,
          medical_assistance: false,
          enrolled: {},
          suspended_years: [],
          accumulators: {},
          as_of: `${year}-01-01T00:00:00+08:00`,
          source: 'cashier',
        }),
      ).toThrow(/id_number: the birth date/);
    // Without a gender, the service takes the identity number's (17th digit: 1 odd, so 男), for every caller.
    const { person_id } = e2e.app.service.persons.record(e2e.as(CASHIER), {
      id_number: '511702198001010015',
      name: '患者',
      gender: null,
      region: 'dazhou',
      scheme: 'employee',
      retired: false,
      medical_assistance: false,
      enrolled: {},
      suspended_years: [],
      accumulators: {},
      as_of: `${year}-01-01T00:00:00+08:00`,
      source: 'cashier',
    });
    expect(e2e.app.service.persons.identity(person_id).gender).toBe('M');
  });

  it("takes last year's accumulators, derives gender, remembers the region and masks the identity number once recorded", async () => {
    const id = await newPerson(61);
    await expect.poll(() => page.locator(`[data-field="accumulators.${last}.basic.paid"]`).count()).toBe(1);
    expect(await page.locator(`[data-field="accumulators.${year}.basic.paid"]`).count()).toBe(1);
    await page.fill('[data-field="name"]', '患者六一');
    await page.selectOption('[data-field="region"]', 'kaifeng');
    await page.fill(`[data-field="accumulators.${last}.basic.paid"]`, '1234.50');
    await page.fill(`[data-field="accumulators.${last}.basic.admissions"]`, '2');
    await page.fill(`[data-field="accumulators.${year}.basic.paid"]`, '100.00');
    await page.click('button:has-text("保存参保信息")');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    const card = (await page.textContent('[data-testid="person"]'))!;
    expect(card).toContain(Number(id[16]) % 2 === 1 ? '男' : '女');
    expect(card).toContain(`${id.slice(0, 6)}********${id.slice(-4)}`);
    expect(await page.inputValue('[data-field="id_number"]')).toBe('');
    const found = e2e.app.service.persons.findByIdNumber(e2e.as(CASHIER), id)!;
    expect(e2e.app.service.persons.identity(found.person_id).gender).toBe(Number(id[16]) % 2 === 1 ? 'M' : 'F');
    expect(e2e.app.service.persons.ytd(found.person_id, [Number(last)])[last]).toMatchObject({
      basic: { paid: '1234.50', admissions: 2 },
    });
    // The next new person starts in the region just chosen (this terminal's), not the first package's.
    await page.fill('[data-field="id_number"]', idNumber(62));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await page.inputValue('[data-field="region"]')).toBe('kaifeng');
  });

  it("puts the focus on the bill's first field after finding or saving a person", async () => {
    e2e.seedOperators(CASHIER);
    const { id_number } = e2e.seedPerson(CASHIER, { seed: 63, name: '患者六三' });
    await newPerson(64);
    expect(await focused()).toBe('name');
    await page.fill('[data-field="name"]', '患者六四');
    await page.click('button:has-text("保存参保信息")');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    await expect.poll(focused).toBe('hospital_level');
    await page.fill('[data-field="id_number"]', id_number);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('患者六三');
    await expect.poll(focused).toBe('hospital_level');
  });

  it("names the card's own fields in its errors, in words", async () => {
    await newPerson(65);
    await page.click('button:has-text("保存参保信息")');
    await expect.poll(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(await page.textContent('[role="alert"] .error-field')).toContain('姓名');
    expect(await page.getAttribute('[data-field="name"]', 'aria-invalid')).toBe('true');
    await page.fill('[data-field="name"]', '患者六五');
    for (const [field, value] of [
      [`accumulators.${last}.basic.admissions`, '100000'],
      [`accumulators.${year}.basic.admissions`, '两次'],
      [`accumulators.${last}.basic.paid`, '12.345'],
    ] as const) {
      await page.fill(`[data-field="${field}"]`, value);
      await page.click('button:has-text("保存参保信息")');
      await expect.poll(() => page.getAttribute(`[data-field="${field}"]`, 'aria-invalid')).toBe('true');
      expect(await page.locator('[role="alert"] .error-field').count()).toBe(1);
      const text = (await page.textContent('[role="alert"]'))!;
      expect(text).not.toMatch(/Too (small|big)|expected|NaN|Invalid/);
      await page.fill(`[data-field="${field}"]`, field.endsWith('paid') ? '0.00' : '0');
    }
    expect(await page.locator('[data-testid="person"]').count()).toBe(0);
  });
});
