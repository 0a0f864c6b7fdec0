/**
 * Issue 17 (the cashier's window, round two), the day-close (日结) and history (结算查询) screens in Chromium: fund
 * rows named, the heading naming whose totals are shown, a confirmation before closing a day, a reversal's detail
 * signed, the reprint count refreshed, refusals in the person's terms, role-aware actions, and the history search.
 */
import { describe, expect, it } from 'vitest';
import { CASHIER, SUPERVISOR, livePage, today, useE2E } from './e2e/harness.js';

const e2e = useE2E();
const page = livePage(e2e);
const text = async (selector: string) => (await page.textContent(selector)) ?? '';
const cashierId = () =>
  e2e.app.service.db.prepare("SELECT id FROM operators WHERE code = 'cash1'").pluck().get() as number;

describe('day close (日结) screen', () => {
  it('names the fund rows in Chinese and in English, never by layer id', async () => {
    e2e.seedOperators(CASHIER);
    const { person_id } = e2e.seedPerson(CASHIER, {
      seed: 21,
      name: '患者开封',
      region: 'kaifeng',
      enrolled: { large_amount: true },
    });
    e2e.seedSettlement(CASHIER, person_id, '300000.00');
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-totals"]')).toContain('结算笔数');
    const zh = await text('[data-testid="day-totals"]');
    expect(zh).not.toMatch(/large_amount|major_illness|supplementary|basic/);
    expect(zh).toContain('大额医疗费用补助');
    await page.click('.status [data-testid="lang-toggle"]');
    await expect.poll(() => text('[data-testid="day-totals"]')).toContain('Large-amount medical expense subsidy');
    expect(await text('[data-testid="day-totals"]')).not.toMatch(/large_amount|major_illness|supplementary/);
  });

  it("shows whose totals these are only after an answer: a refused code leaves the cashier's own heading", async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('cash1');
    await page.fill('[data-field="operator_code"]', 'sup1');
    await page.click('button:has-text("统计")');
    await expect.poll(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(await text('[data-testid="day-state"]')).toContain('cash1');
    expect(await text('[data-testid="day-state"]')).not.toContain('sup1');
  });

  it('asks before closing a day, naming operator, date, count and total; Escape cancels, Enter closes', async () => {
    e2e.seedOperators(CASHIER);
    for (const seed of [10, 11])
      e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed, name: `患者${seed}` }).person_id, '20000.00');
    const totals = e2e.app.service.day.totals(cashierId(), today);
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F4');
    await page.fill('[data-field="operator_code"]', 'cash1');
    await page.click('button:has-text("统计")');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('cash1');
    await page.click('button:has-text("日结（主管）")');
    await expect.poll(() => page.locator('[role="dialog"][data-testid="day-close-confirm"]').count()).toBe(1);
    const dialog = await text('[data-testid="day-close-confirm"]');
    expect(dialog).toContain('cash1');
    expect(dialog).toContain(today);
    expect(dialog).toContain(`${totals.settlements} 笔`);
    expect(dialog).toContain(totals.psn_cash_pay.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="day-close-confirm"]').count()).toBe(0);
    expect(e2e.app.service.day.closedBy(cashierId(), today)).toBeNull();
    await page.click('button:has-text("日结（主管）")');
    await expect.poll(() => page.locator('[data-testid="day-close-confirm"]').count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('已日结');
    expect(e2e.app.service.day.closedBy(cashierId(), today)).not.toBeNull();
  });

  it('shows a closed day, with who closed it, before anything is typed; a cashier is not offered 日结', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed: 10, name: '患者10' }).person_id, '20000.00');
    e2e.app.service.day.close(e2e.as(SUPERVISOR), { operator_code: 'cash1', business_date: today });
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-closed"]')).toContain('王主管');
    expect(await text('[data-testid="day-closed"]')).toContain('已日结');
  });

  it("a cashier's open day: 日结 and reconciliation shown disabled with why", async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('未日结');
    expect(await page.isDisabled('button:has-text("日结（主管）")')).toBe(true);
    expect(await text('[data-testid="day-why"]')).toContain('主管');
  });

  it('words a refusal in the person’s terms in English, never a channel name', async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await page.evaluate("localStorage.setItem('desk.lang', 'en')");
    await page.reload();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('cash1');
    await page.fill('[data-field="operator_code"]', 'sup1');
    await page.click('section.form button.default');
    await expect.poll(() => page.locator('[role="alert"]').count()).toBe(1);
    const alert = await text('[role="alert"]');
    expect(alert).toContain('supervisor');
    expect(alert).not.toMatch(/day\.close|may not do/);
  });
});

describe('settlement history (结算查询) screen', () => {
  it("shows a reversal's detail with its signed amounts, as the list does", async () => {
    e2e.seedOperators(CASHIER);
    const { number } = e2e.seedSettlement(
      CASHIER,
      e2e.seedPerson(CASHIER, { seed: 10, name: '患者10' }).person_id,
      '20000.00',
    );
    e2e.app.service.settlements.reverse(e2e.as(SUPERVISOR), { number, reason: '费用录入错误' });
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("查询")');
    await expect.poll(() => page.locator('[data-testid="history"] tbody tr').count()).toBe(2);
    await page.click('[data-testid="history"] tbody tr:has-text("冲销单")');
    await expect.poll(() => text('[data-testid="open-number"]')).toContain('冲销单');
    const listed = await text('[data-testid="history"] tbody tr:has-text("冲销单") td.amt');
    expect(listed).toMatch(/^-/);
    expect(await text('[data-testid="psn_cash_pay"]')).toBe(listed);
    expect(await text('[data-testid="medfee_sumamt"]')).toBe('-20,000.00');
  });

  it('refreshes the reprint count after 补打', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed: 10, name: '患者10' }).person_id, '20000.00');
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("查询")');
    await page.click('[data-testid="history"] tbody tr');
    await expect.poll(() => text('section.result .muted')).toContain('补打 0 次');
    // The first print of a seeded settlement is its original slip; the second is 补打第 1 次.
    await page.click('button:has-text("补打结算单")');
    await expect.poll(() => page.locator('[data-testid="slip-frame"]').count()).toBe(1);
    await page.click('button:has-text("补打结算单")');
    await expect.poll(() => text('.slip .actions')).toContain('补打第 1 次');
    expect(await page.frameLocator('[data-testid="slip-frame"]').locator('body').textContent()).toContain(
      '补打（第 1 次）',
    );
    await expect.poll(() => text('section.result .muted')).toContain('补打 1 次');
  });

  it('a cashier sees 撤销结算 disabled with why, not a refusal after typing', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed: 10, name: '患者10' }).person_id, '20000.00');
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("查询")');
    await page.click('[data-testid="history"] tbody tr');
    await expect.poll(() => text('[data-testid="open-number"]')).toContain('已结算');
    expect(await page.isDisabled('button:has-text("撤销结算（主管）")')).toBe(true);
    expect(await text('[data-testid="reverse-why"]')).toContain('主管');
  });

  it('finds by part of a number, shows time and operator, groups amounts, names a reversed date range', async () => {
    e2e.seedOperators(CASHIER);
    const { number } = e2e.seedSettlement(
      CASHIER,
      e2e.seedPerson(CASHIER, { seed: 10, name: '患者10' }).person_id,
      '300000.00',
    );
    e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed: 11, name: '患者11' }).person_id, '20000.00');
    await e2e.open();
    await e2e.signIn(CASHIER);
    await page.keyboard.press('F3');
    await page.fill('[data-field="number"]', number.slice(-6));
    await page.click('button.default:has-text("查询")');
    await expect.poll(() => text('[data-testid="history"] tbody')).toContain('患者10');
    expect(await page.locator('[data-testid="history"] tbody tr').count()).toBe(1);
    const head = await text('[data-testid="history"] thead');
    expect(head).toContain('时间');
    expect(head).toContain('收费员');
    expect(await text('[data-testid="history"] tbody')).toContain('cash1');
    expect(await text('[data-testid="history"] tbody td.amt')).toMatch(/^\d{1,3}(,\d{3})+\.\d{2}$/);
    await page.fill('[data-field="number"]', '');
    await page.fill('[data-field="from"]', '20991231');
    await page.click('button.default:has-text("查询")');
    await expect.poll(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(await text('[role="alert"]')).toContain('起始日期');
    expect(await page.getAttribute('[data-field="from"]', 'aria-invalid')).toBe('true');
  });
});
