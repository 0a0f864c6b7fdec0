/**
 * The cashier's window, round two (issue 17): the shell around the screens, in real Chromium.
 * A scan error that goes once valid scans are attached; claim errors that name the claim screen's fields; the
 * inactivity lock that says why and keeps each operator's half-entered work for that operator only; F-keys from
 * anywhere that never reload the page and put the focus in the screen's first field; a claims clerk who lands on
 * 手工报销 and is not offered 出院结算.
 *
 * The lock is the services' (electron/worker/sessions.ts, config lock_after_minutes): the test moves the app's clock
 * (Date in this process, where the app runs) past the minute, and the window learns it from its next status call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/settings.js';
import { idNumber } from './store-support.js';
import { CASHIER, CLERK, SUPERVISOR, countRequests, ipc, livePage, useE2E, year } from './e2e/harness.js';

const e2e = useE2E({ config: { ...DEFAULT_CONFIG, lock_after_minutes: 1 }, shotPrefix: 'shell-' });
const page = livePage(e2e);

const SETTLE_FORM = 'section[aria-label="结算信息"]';
const CLAIM_FORM = 'section[aria-label="手工报销"]';
/** The screens of the operator signed in now (a locked operator's stay mounted, hidden). */
const mine = (code: string, selector: string) => `main[data-operator="${code}"] ${selector}`;

afterEach(() => {
  vi.useRealTimers();
});

/** Moves the app's clock past the inactivity lock; the window shows the sign-in card with the reason. */
async function lockByInactivity() {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(Date.now() + 2 * 60_000));
  await expect.poll(() => page.locator('.signin').count(), { timeout: 20_000 }).toBe(1);
  vi.useRealTimers();
  await expect.poll(() => page.textContent('.signin')).toContain('因长时间未操作已锁定');
}

async function findPerson(seed: number) {
  await page.fill('[data-field="id_number"]', idNumber(seed));
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
}

describe('claim screen errors', () => {
  it('bug 9: valid PNG and PDF scans attached after a rejected .txt clear the scan error', async () => {
    e2e.seedOperators(CLERK);
    e2e.seedPerson(CLERK, { seed: 31, name: '患者甲', region: 'deyang', scheme: 'resident' });
    await e2e.open();
    await e2e.signIn(CLERK);
    await page.keyboard.press('F6');
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    await findPerson(31);
    await page.setInputFiles('[data-field="attachments"]', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not a scan'),
    });
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('只接受 JPG、PNG 或 PDF 扫描件');
    await page.setInputFiles('[data-field="attachments"]', [
      { name: '发票.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a', 'hex') },
      { name: '清单.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 scan') },
    ]);
    await expect.poll(() => page.textContent('.muted:has-text("已附")')).toContain('清单.pdf');
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  });

  it('bug 3: an old stay on 手工报销 names the invoice date, never costs[0].date', async () => {
    e2e.seedOperators(CLERK);
    e2e.seedPerson(CLERK, { seed: 32, name: '患者乙', region: 'deyang', scheme: 'resident' });
    await e2e.open();
    await e2e.signIn(CLERK);
    await page.keyboard.press('F6');
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    await findPerson(32);
    await page.fill('[data-field="hospital_code"]', 'H5101009');
    await page.fill('[data-field="hospital_name"]', '成都某医院');
    await page.fill('[data-field="admission_date"]', '1995-01-05');
    await page.fill('[data-field="discharge_date"]', '1995-01-20');
    await page.fill('[data-field="invoices[0].invoice_no"]', 'OLD-1');
    await page.fill('[data-field="invoices[0].invoice_date"]', '1995-01-20');
    await page.fill('[data-field="invoices[0].medfee_sumamt"]', '1000.00');
    await page.click('button:has-text("计算报销额并保存")');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('没有生效的基本医保规则');
    expect(await page.textContent('[role="alert"]')).not.toContain('costs[');
    expect(await page.textContent('[role="alert"] .error-field')).toContain('开票日期');
    expect(await page.getAttribute('[data-field="invoices[0].invoice_date"]', 'aria-invalid')).toBe('true');
  });
});

describe('the inactivity lock keeps what was typed', () => {
  it('bug 10: the lock says why; the same cashier signing in again gets the half-entered bill back', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedPerson(CASHIER, { seed: 33, name: '患者丙' });
    await e2e.open();
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    await findPerson(33);
    await page.fill('[data-field="admission_date"]', `${year}-01-05`);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '12345.67');
    await lockByInactivity();
    await e2e.shot('lock');
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    expect(await page.textContent('[data-testid="person"]')).toContain('患者丙');
    expect(await page.inputValue('[data-field="costs[0].medfee_sumamt"]')).toBe('12345.67');
    expect(await page.inputValue('[data-field="admission_date"]')).toBe(`${year}-01-05`);
    // Patient data stays in memory: nothing in the browser's storage.
    // (The language choice may be there; nothing of the patient or the bill.)
    const stored = String(
      await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])'),
    );
    for (const typed of [idNumber(33), '患者丙', '12345.67', `${year}-01-05`]) expect(stored).not.toContain(typed);
  });

  it('bug 10: another operator after the lock gets a clean screen; the draft waits for its owner; sign-out discards it', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedPerson(CASHIER, { seed: 34, name: '患者丁' });
    await e2e.open();
    await e2e.signIn(CASHIER);
    await findPerson(34);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '888.88');
    await lockByInactivity();
    await e2e.signIn(SUPERVISOR);
    await expect.poll(() => page.locator(mine('sup1', SETTLE_FORM)).count()).toBe(1);
    expect(await page.inputValue(mine('sup1', '[data-field="id_number"]'))).toBe('');
    expect(await page.locator(mine('sup1', '[data-testid="person"]')).count()).toBe(0);
    expect(await page.locator('main:visible [data-testid="person"]').count()).toBe(0);
    await e2e.signOut();
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(mine('cash1', '[data-testid="person"]')).count()).toBe(1);
    expect(await page.inputValue(mine('cash1', '[data-field="costs[0].medfee_sumamt"]'))).toBe('888.88');
    // A sign-out (not a lock) discards the draft.
    await e2e.signOut();
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(mine('cash1', SETTLE_FORM)).count()).toBe(1);
    expect(await page.inputValue(mine('cash1', '[data-field="id_number"]'))).toBe('');
    expect(await page.locator('[data-testid="person"]').count()).toBe(0);
  });

  it('bug 10: a claim half-entered on 手工报销 is back on 手工报销 after the lock', async () => {
    e2e.seedOperators(CLERK);
    e2e.seedPerson(CLERK, { seed: 35, name: '患者戊', region: 'deyang', scheme: 'resident' });
    await e2e.open();
    await e2e.signIn(CLERK);
    await page.keyboard.press('F6');
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    await findPerson(35);
    await page.fill('[data-field="hospital_name"]', '成都某三甲医院');
    await page.fill('[data-field="invoices[0].invoice_no"]', 'FP-9');
    await lockByInactivity();
    await e2e.signIn(CLERK);
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    expect(await page.inputValue('[data-field="hospital_name"]')).toBe('成都某三甲医院');
    expect(await page.inputValue('[data-field="invoices[0].invoice_no"]')).toBe('FP-9');
  });
});

describe('keyboard', () => {
  it('F-keys switch screens while the focus is in an input', async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F2');
    await page.focus('[data-field="id_number"]');
    await page.keyboard.press('F6');
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    await page.focus('[data-field="id_number"]');
    await page.keyboard.press('F3');
    await expect.poll(() => page.locator('section[aria-label="查询条件"]').count()).toBe(1);
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
  });

  it('F5 and F8 on 手工报销 never reload the page: the half-filled claim stays', async () => {
    e2e.seedOperators(CLERK);
    e2e.seedPerson(CLERK, { seed: 36, name: '患者己', region: 'deyang', scheme: 'resident' });
    await e2e.open();
    await e2e.signIn(CLERK);
    await page.keyboard.press('F6');
    await findPerson(36);
    await page.fill('[data-field="hospital_name"]', '某医院');
    // The browser's own F5 (reload) and F8 are cancelled wherever the focus is: a headless page may not reload on
    // its own, so the cancellation is what is checked, then that the page and the claim are still there.
    const cancelled = (key: string) =>
      page.evaluate(`(() => {
        const e = new KeyboardEvent('keydown', { key: '${key}', bubbles: true, cancelable: true });
        (document.activeElement ?? document.body).dispatchEvent(e);
        return e.defaultPrevented;
      })()`);
    expect(await cancelled('F5')).toBe(true);
    expect(await cancelled('F8')).toBe(true);
    // A reload would load the page's document again (a navigation request) and erase the marker.
    const loads = countRequests(page, (r) => r.isNavigationRequest() && r.frame() === page.mainFrame());
    await page.evaluate('window.__kept = 17');
    await page.keyboard.press('F5');
    await page.keyboard.press('F8');
    // The barrier: the browser acts on F5 and F8 (a reload) when each key is handled, before the next key; the same
    // person looked up again (Enter on the identity number, a read) is sent after that, and its answer shown (the
    // number cleared) only by a page that was not reloaded: a reload started by then is counted, one done erased
    // the marker and the claim.
    await page.fill('[data-field="id_number"]', idNumber(36));
    const found = page.waitForResponse(ipc('person.find'));
    await page.keyboard.press('Enter');
    await found;
    await expect.poll(() => page.inputValue('[data-field="id_number"]')).toBe('');
    expect(loads()).toBe(0);
    expect(await page.locator('[data-testid="operator"]').count()).toBe(1);
    expect(await page.evaluate('window.__kept ?? null')).toBe(17);
    expect(await page.inputValue('[data-field="hospital_name"]')).toBe('某医院');
  });

  it('after switching screens the focus is in the screen’s first field', async () => {
    e2e.seedOperators();
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    const focused = () =>
      page.evaluate(`(() => {
        const a = document.activeElement;
        return a && a.closest('main') ? a.getAttribute('data-field') : null;
      })()`);
    await page.keyboard.press('F6');
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    await expect.poll(focused).toBe('id_number');
    await page.keyboard.press('F3');
    await expect.poll(() => page.locator('section[aria-label="查询条件"]').count()).toBe(1);
    await expect.poll(focused).not.toBe(null);
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    await expect.poll(focused).toBe('id_number');
  });
});

describe('role-aware landing', () => {
  it('a claims clerk lands on 手工报销; 出院结算 is not offered (disabled, with why)', async () => {
    e2e.seedOperators(CLERK);
    await e2e.open();
    await e2e.signIn(CLERK);
    await expect.poll(() => page.locator(CLAIM_FORM).count()).toBe(1);
    expect(await page.locator(SETTLE_FORM).count()).toBe(0);
    const settleTab = page.locator('nav button:has-text("出院结算")');
    expect(await settleTab.isDisabled()).toBe(true);
    expect(await settleTab.getAttribute('title')).toContain('收费员或主管');
    await page.keyboard.press('F2');
    // The barrier: a switch is a state change in F2's own handler, rendered before the next key is handled. A lookup
    // after it (Enter on the identity number of a person the store does not know: the record form, nothing stored)
    // is answered on whichever screen is shown then, here 手工报销.
    await page.fill('[data-field="id_number"]', idNumber(37));
    const found = page.waitForResponse(ipc('person.find'));
    await page.keyboard.press('Enter');
    await found;
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    expect(await page.locator(CLAIM_FORM).count()).toBe(1);
    expect(await page.locator(SETTLE_FORM).count()).toBe(0);
    expect(await page.locator(`${CLAIM_FORM} [data-field="name"]`).count()).toBe(1);
  });

  it('a cashier lands on 出院结算; 手工报销 is disabled with why', async () => {
    e2e.seedOperators(CASHIER);
    await e2e.open();
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    const claimTab = page.locator('nav button:has-text("手工报销")');
    expect(await claimTab.isDisabled()).toBe(true);
    expect(await claimTab.getAttribute('title')).toContain('报销审核员或主管');
  });
});
