/**
 * Details of the day-close (日结) screen in Chromium: the reconciliation's amounts grouped with thousands separators
 * as everywhere else on the screen, and the confirmation before closing a day a modal for keyboard users (focus goes
 * in, Tab and Shift+Tab stay inside, Escape cancels, focus returns to the 日结 button).
 */
import { describe, expect, it } from 'vitest';
import type { ReconciliationView } from '../shared/ipc/contract.js';
import { SUPERVISOR, livePage, today, useE2E } from './e2e/harness.js';

const e2e = useE2E();
const page = livePage(e2e);
const text = async (selector: string) => (await page.textContent(selector)) ?? '';
/** The data-testid of the dialog holding the focused element, or what is focused when it is outside any dialog. */
const focusedIn = () =>
  page.evaluate(`(() => {
    const a = document.activeElement;
    return a?.closest('[data-testid="day-close-confirm"]') ? 'day-close-confirm' : (a?.tagName ?? 'none') + ':' + (a?.textContent ?? '');
  })()`) as Promise<string>;
const supervisorId = () =>
  e2e.app.service.db.prepare("SELECT id FROM operators WHERE code = 'sup1'").pluck().get() as number;
const focusedText = () => page.evaluate("document.activeElement?.textContent ?? ''") as Promise<string>;
/** A supervisor on the 日结 screen of an open day, the close confirmation asked for. */
async function openCloseConfirm(): Promise<void> {
  e2e.seedOperators();
  await e2e.open();
  await e2e.signIn(SUPERVISOR);
  await page.keyboard.press('F4');
  await expect.poll(() => text('[data-testid="day-state"]')).toContain('未日结');
  await page.click('button:has-text("日结（主管）")');
}

/**
 * The insurer's answer, as the services give it to the window: a mismatch with differences, a national 3201 group
 * and 3202 records, and one record of our own protocol. Answering the one channel in the page keeps this test on
 * what the screen shows (how the services reconcile is tested with the insurer in app-sync / app-nhsa-reconcile).
 */
const answer = (): ReconciliationView => ({
  business_date: today,
  result: 'mismatch',
  differences: [{ field: 'fund_pay_sumamt', terminal: '12345.67', insurer: '1234567.89' }],
  groups: [
    {
      insutype: '310',
      clr_type: '21',
      setl_optins: '511700',
      refd_setl_flag: '0',
      count: 3,
      medfee_sumamt: '23456.78',
      fund_pay_sumamt: '9876.54',
      acct_pay: '1000.00',
      stmt_rslt: '3',
      stmt_rslt_dscr: '不一致',
    },
  ],
  records: [
    {
      number: 'T03-000001',
      code: 'stmt_3',
      problem: '不一致',
      terminal: '4567.89',
      insurer: '4568.89',
      nhsa: { setl_id: 'S1', refd_setl_flag: '0', msgid: 'M1', memo: '' },
    },
    { number: 'T03-000002', code: 'fund_differs', problem: '基金金额不一致', terminal: '3456.78', insurer: '3457.78' },
  ],
});

describe('day close (日结) screen details', () => {
  it('groups every amount of the reconciliation with thousands separators', async () => {
    e2e.seedOperators();
    await page.route('**/ipc/sync.reconcile', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: true, value: answer() }) }),
    );
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('sup1');
    await page.click('button:has-text("与医保对账")');
    await expect.poll(() => page.locator('[data-testid="reconciliation"]').count()).toBe(1);
    const recon = await text('[data-testid="reconciliation"]');
    for (const amount of ['12,345.67', '1,234,567.89', '23,456.78', '9,876.54', '1,000.00', '4,567.89', '3,456.78'])
      expect(recon).toContain(amount);
    expect(recon).not.toMatch(/\d{4}\.\d{2}/);
    for (const cell of await page.locator('[data-testid="reconciliation"] td.amt').allTextContents())
      expect(cell).toMatch(/^(\d{1,3}(,\d{3})*(\.\d{2})?|\d)$/);
  });

  it('keeps Tab inside the confirmation; Escape cancels and focus returns to 日结', async () => {
    await openCloseConfirm();
    await expect.poll(() => page.locator('[data-testid="day-close-confirm"]').count()).toBe(1);
    await e2e.shot('day-close-confirm');
    // Focus goes into the confirmation, on its confirm button.
    await expect.poll(focusedIn).toBe('day-close-confirm');
    expect(await focusedText()).toBe('确认日结（Enter）');
    // Tab to the last button, then Tab again: still inside, back on the first.
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('取消（Esc）');
    await page.keyboard.press('Tab');
    expect(await focusedIn()).toBe('day-close-confirm');
    expect(await focusedText()).toBe('确认日结（Enter）');
    // Shift+Tab from the first: still inside, on the last.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedIn()).toBe('day-close-confirm');
    expect(await focusedText()).toBe('取消（Esc）');
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await focusedIn()).toBe('day-close-confirm');
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="day-close-confirm"]').count()).toBe(0);
    await expect.poll(focusedText).toBe('日结（主管）');
    expect(e2e.app.service.day.closedBy(supervisorId(), today)).toBeNull();
  });

  it('after 确认日结 the day reads closed and focus lands on 打印日结报表, the next thing to do', async () => {
    await openCloseConfirm();
    await expect.poll(focusedIn).toBe('day-close-confirm');
    await page.keyboard.press('Enter');
    // Only the closed day's answer has this line.
    await expect.poll(() => page.locator('[data-testid="day-closed"]').count()).toBe(1);
    await expect.poll(focusedText).toBe('打印日结报表');
    expect(e2e.app.service.day.closedBy(supervisorId(), today)).not.toBeNull();
  });
});
