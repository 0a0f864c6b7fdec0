/**
 * The window in English, in real Chromium against the browser host with a
 * fresh data folder: the toggle on the sign-in card (reached with the
 * keyboard), the first supervisor, English tabs and status bar, the services'
 * English error messages with their field paths, every screen in English for
 * a screenshot, the choice kept across a reload, and back to Chinese.
 * Screenshots go to artifacts/screens/en-*.png for a person to check that the
 * longer English labels still fit.
 */
import { describe, expect, it } from 'vitest';
import { idNumber } from './store-support.js';
import { CASHIER, SUPERVISOR, livePage, today, useE2E, year } from './e2e/harness.js';

/** Ideographs and full-width punctuation: none may be left in an English label. */
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

// A Chinese browser: the window starts in Chinese whatever the browser says, until the toggle is used.
const e2e = useE2E({ locale: 'zh-CN', shotPrefix: 'en-' });
const page = livePage(e2e);
const shot = (name: string) => e2e.shot(name);
/** The window in English (as the toggle leaves it), on the sign-in card. */
async function openInEnglish() {
  await e2e.open();
  await page.evaluate("localStorage.setItem('desk.lang', 'en')");
  await page.reload();
  await expect.poll(() => text('.signin')).toContain('Please sign in');
}
/** A seeded 开封 person looked up by the signed-in supervisor, the stay's dates filled, the window in English. */
async function billInEnglish() {
  e2e.seedOperators();
  e2e.seedPerson(SUPERVISOR, { seed: 21, name: 'Patient A', region: 'kaifeng', enrolled: { large_amount: true } });
  await supervisorInEnglish();
  await page.fill('[data-field="id_number"]', idNumber(21));
  await page.keyboard.press('Enter');
  await expect.poll(() => text('[data-testid="person"]')).toContain('Patient A');
  await page.fill('[data-field="admission_date"]', `${year}-01-02`);
  await page.fill('[data-field="discharge_date"]', today);
}
/** Supervisor seeded and signed in, the window in English. */
async function supervisorInEnglish() {
  e2e.seedOperators(CASHIER);
  await openInEnglish();
  await e2e.signIn(SUPERVISOR);
}
const text = async (selector: string) => (await page.textContent(selector)) ?? '';
const htmlLang = () => page.getAttribute('html', 'lang');
// A string, evaluated in the page: the tests are type-checked without the DOM library.
const savedLang = () => page.evaluate<string | null>("localStorage.getItem('desk.lang')");
/** The text of `selector` without the text of the parts named in `leaveOut`. */
async function textWithout(selector: string, leaveOut: string[]): Promise<string> {
  let all = await text(selector);
  for (const part of leaveOut)
    for (const piece of await page.locator(`${selector} ${part}`).allTextContents()) all = all.replace(piece, '');
  return all;
}

describe('the window in English', () => {
  it('starts in Chinese; the sign-in toggle is reached with the keyboard and switches to English', async () => {
    await e2e.open();
    await expect.poll(() => text('.signin')).toContain('首次使用');
    expect(await htmlLang()).toBe('zh-CN');
    expect(await text('[data-testid="lang-toggle"]')).toBe('English');
    // The staff-number field has the focus; the toggle is one Shift+Tab before it.
    expect(await page.locator(':focus').getAttribute('data-field')).toBe('code');
    await page.keyboard.press('Shift+Tab');
    expect(await page.locator(':focus').getAttribute('data-testid')).toBe('lang-toggle');
    await page.keyboard.press('Enter');
    await expect.poll(() => text('.signin')).toContain('First use: create the supervisor account');
    expect(await htmlLang()).toBe('en');
    expect(await savedLang()).toBe('en');
    expect(await text('[data-testid="lang-toggle"]')).toBe('中文');
    expect(await page.title()).toBe('Discharge Desk');
    expect(await text('.signin label')).toContain('Staff no.');
    await shot('01-setup');
  });

  it('creates the first supervisor; tabs and status bar are English', async () => {
    await e2e.open();
    await page.evaluate("localStorage.setItem('desk.lang', 'en')");
    await page.reload();
    await expect.poll(() => text('.signin')).toContain('First use: create the supervisor account');
    await page.fill('[data-field="code"]', 'sup1');
    await page.fill('[data-field="name"]', 'Wang');
    await page.fill('[data-field="pin"]', '246810');
    await page.keyboard.press('Enter');
    await expect.poll(() => text('[data-testid="operator"]')).toBe('Wang (Supervisor)');
    expect(await text('[data-testid="online"]')).toBe('● Offline (settling offline)');
    expect(await text('[data-testid="queued"]')).toBe('To upload: 0');
    const tabs = await page.locator('nav button.tab').allTextContents();
    expect(tabs.map((t) => t.replace(/\s*F\d+$/, '').trim())).toEqual([
      'Discharge settlement',
      'Settlement history',
      'Day close',
      'Out-of-network claims',
      'Rules',
      'Sync',
      'Settings',
    ]);
    // All English but the toggle, which names 中文 in Chinese; region names are the packages' English ones.
    const header = await textWithout('header.bar', ['[data-testid="lang-toggle"]']);
    expect(header).not.toMatch(CJK);
    expect(await text('.status .rules')).toMatch(/^Rules: /);
    expect(await text('.status .rules')).toContain('Dazhou 2023.2');
    expect(await text('.status button.link:last-child')).toBe('Sign out');
  });

  it('settle screen: records a person, previews with English labels beside the national fields and the Chinese trace', async () => {
    await supervisorInEnglish();
    const id = idNumber(21);
    await page.fill('[data-field="id_number"]', id);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await text('legend')).toBe('Insured person');
    await page.fill('[data-field="name"]', 'Patient A');
    await page.selectOption('[data-field="region"]', 'kaifeng');
    await page.selectOption('[data-field="scheme"]', 'employee');
    await page.check('[data-field="enrolled.large_amount"]');
    await shot('02-record-person');
    await page.click('button:has-text("Save insurance details")');
    await expect.poll(() => text('[data-testid="person"]')).toContain('Source: recorded at the window');
    expect(await text('[data-testid="person"]')).toContain('Employee medical insurance · Employed');
    expect(await text('[data-testid="person"]')).toContain('Large-amount medical expense subsidy: enrolled');

    await page.selectOption('[data-field="hospital_level"]', '3');
    await page.fill('[data-field="admission_date"]', `${year}-01-02`);
    await page.fill('[data-field="discharge_date"]', today);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '300000.00');
    await page.keyboard.press('F5');
    await expect.poll(() => page.locator('ol.trace li').count()).toBeGreaterThan(0);
    const result = await text('section.result');
    expect(result).toContain('Patient pays in cash');
    expect(result).toContain('Total medical cost medfee_sumamt');
    expect(result).toContain('Basic medical insurance fund hifp_pay');
    expect(result).toContain('Large-amount medical expense subsidy hifob_pay');
    expect(result).toContain('Calculation trace (Chinese, as printed)');
    // The trace stays the engine's Chinese, marked as such for screen readers.
    expect(await text('ol.trace')).toMatch(CJK);
    expect(await page.getAttribute('ol.trace', 'lang')).toBe('zh-CN');
    // The form is English throughout, apart from the person's card (the region's name is the rule package's data).
    const form = await textWithout('section.form', ['[data-testid="person"]']);
    expect(form).not.toMatch(CJK);
    await shot('03-preview');
  });

  it("shows the services' English error message with its field path", async () => {
    await billInEnglish();
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '180000.005');
    await page.keyboard.press('F5');
    await expect.poll(() => text('[role="alert"]')).toContain('costs[0].medfee_sumamt');
    const alert = await text('[role="alert"]');
    expect(alert).toContain('must be a non-negative amount with at most two decimals');
    expect(alert).not.toMatch(CJK);
    expect(await page.getAttribute('[data-field="costs[0].medfee_sumamt"]', 'aria-invalid')).toBe('true');
    await shot('04-field-error');
    // The same error re-words itself when the language changes, and back.
    await page.click('.status [data-testid="lang-toggle"]');
    await expect.poll(() => text('[role="alert"]')).toContain('须为非负金额');
    await page.click('.status [data-testid="lang-toggle"]');
    await expect.poll(() => text('[role="alert"]')).toContain('at most two decimals');
  });

  it('settles offline and prints the slip, in English', async () => {
    await billInEnglish();
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '300000.00');
    await page.keyboard.press('F5');
    // The preview's own result, which only a finished F5 shows (no alert is also true before F5 answers).
    await expect.poll(() => page.locator('[data-testid="psn_cash_pay"]').count()).toBe(1);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await page.keyboard.press('F8');
    await expect
      .poll(() => text('[data-testid="settled-number"]'))
      .toMatch(/^Settled T01-S\d{8}-\d{6} \(settled offline; subject to confirmation by the insurer\)$/);
    await page.keyboard.press('F9');
    await expect.poll(() => page.locator('[data-testid="slip-frame"]').count()).toBe(1);
    expect(await text('.slip .actions')).toContain('Settlement slip (PDF archived)');
    expect(await text('.slip .actions')).toContain('Download PDF');
    await expect.poll(() => text('[data-testid="queued"]')).toBe('To upload: 1');
    await shot('05-settled');
  });

  it('every other screen is in English (screenshots for the layout)', async () => {
    e2e.seedOperators();
    e2e.seedSettlement(
      SUPERVISOR,
      e2e.seedPerson(SUPERVISOR, { seed: 21, name: 'Patient A', region: 'kaifeng' }).person_id,
      '300000.00',
    );
    await openInEnglish();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("Search")');
    await expect.poll(() => page.locator('[data-testid="history"] tbody tr').count()).toBe(1);
    expect(await text('[data-testid="history"] thead')).toBe('No.TimeNameCashierCashStatus');
    expect(await text('[data-testid="history"] tbody')).toContain('Settled · offline');
    await page.click('[data-testid="history"] tbody tr');
    await expect.poll(() => text('[data-testid="open-number"]')).toMatch(/ · Settled$/);
    expect(await text('section.result .muted')).toContain('cashier sup1 · reprints: 0');
    expect(await page.getAttribute('[data-field="reason"]', 'placeholder')).toBe('Reason (required)');
    expect(await text('section.result .actions')).toContain('Reverse settlement (supervisor)');
    await shot('06-history');

    await page.keyboard.press('F4');
    await expect.poll(() => text('[data-testid="day-state"]')).toContain('day not closed');
    expect(await text('[data-testid="day-totals"]')).toContain('Settled offline1');
    await shot('07-day-close');

    await page.keyboard.press('F6');
    await page.fill('[data-field="id_number"]', idNumber(21));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-field="hospital_code"]').count()).toBe(1);
    expect(await text('section.form')).toContain('Treating hospital and invoices');
    expect(await text('section.form')).toContain('Invoice 1 number');
    await shot('08-claims');

    await page.keyboard.press('F7');
    await expect.poll(() => text('main')).toContain('Installed rule versions');
    await shot('09-rules');

    await page.keyboard.press('F10');
    await expect.poll(() => text('main')).toContain('Sync with the insurer');
    expect(await text('[data-testid="sync-queued"]')).toBe('To upload: 1');
    await shot('10-sync');

    await page.keyboard.press('F11');
    await expect.poll(() => text('main')).toContain('Terminal and hospital');
    expect(await text('main')).not.toContain('终端与医院');
    await shot('11-settings');
    await page.keyboard.press('F7');
    expect(await text('[data-testid="rules"]')).toMatch(/\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
    expect(await text('[data-testid="rules"] tbody tr:first-child td:first-child')).toMatch(/^[A-Z][a-z]+$/);
    expect(await text('[data-testid="rules"] thead')).toBe(
      ['Pooling region', 'Version', 'In force', 'Policy basis', 'Parameters', 'Source / signature', 'Installed'].join(
        '',
      ),
    );
  });

  it('keeps English across a reload, then switches back to Chinese', async () => {
    e2e.seedOperators();
    e2e.seedSettlement(SUPERVISOR, e2e.seedPerson(SUPERVISOR, { seed: 21, name: 'Patient A' }).person_id, '300000.00');
    await openInEnglish();
    await e2e.signIn(SUPERVISOR);
    await page.reload();
    await expect.poll(() => text('[data-testid="online"]')).toBe('● Offline (settling offline)');
    expect(await htmlLang()).toBe('en');
    expect(await text('nav')).toContain('Discharge settlement');
    const toggle = page.locator('.status [data-testid="lang-toggle"]');
    expect(await toggle.textContent()).toBe('中文');
    expect(await toggle.getAttribute('lang')).toBe('zh-CN');
    await shot('12-after-reload');
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => text('nav')).toContain('出院结算');
    expect(await text('[data-testid="operator"]')).toBe('王主管（主管）');
    expect(await text('[data-testid="online"]')).toBe('● 离线（脱机结算）');
    expect(await text('[data-testid="queued"]')).toBe('待上传 1');
    expect(await htmlLang()).toBe('zh-CN');
    expect(await savedLang()).toBe('zh');
    expect(await page.title()).toBe('出院结算 Discharge Desk');
    expect(await text('.status [data-testid="lang-toggle"]')).toBe('English');
  });

  it('signs out in Chinese; a wrong PIN in English shows the English message', async () => {
    e2e.seedOperators();
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await e2e.signOut();
    await page.click('.signin [data-testid="lang-toggle"]');
    await expect.poll(() => text('.signin')).toContain('Please sign in');
    await page.fill('.signin [data-field="code"]', 'sup1');
    await page.fill('.signin [data-field="pin"]', '000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => text('[role="alert"]')).toContain('wrong operator code or PIN');
    expect(await text('[role="alert"]')).toContain('pin');
    await shot('13-signin-error');
  });
});
