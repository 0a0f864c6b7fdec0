/**
 * A lock is not a lost session (issue 17): the sign-in card says "locked after inactivity" only when the services
 * locked this window's operator out. When the services forgot the session for another reason (a services restart
 * starts with no sessions), the card says the session ended and the operator should sign in again. Either way the
 * same operator signing in again gets the half-entered bill back, in real Chromium.
 *
 * The restart is stood in for by emptying the services' sessions (what a new services worker starts with); the
 * store, the page and its draft stay as they are.
 */
import { describe, expect, it } from 'vitest';
import { CASHIER, livePage, useE2E } from './e2e/harness.js';
import { idNumber } from './store-support.js';

const e2e = useE2E({ shotPrefix: 'session-' });
const page = livePage(e2e);

const SETTLE_FORM = 'section[aria-label="结算信息"]';

/** What a new services worker starts with: no one signed in at any window, no one locked out. */
function forgetAllSessions() {
  (Reflect.get(e2e.app.sessions, 'byClient') as Map<string, unknown>).clear(); // private: only a restart empties it
}

describe('a lost session is told apart from the inactivity lock', () => {
  it('after the services forgot the session: the card says so, not "locked"; the draft comes back', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedPerson(CASHIER, { seed: 41, name: '患者戊' });
    await e2e.open();
    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    await page.fill('[data-field="id_number"]', idNumber(41));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '2345.60');

    forgetAllSessions();
    // The window learns it from its next status call (it polls).
    await expect.poll(() => page.locator('.signin').count(), { timeout: 20_000 }).toBe(1);
    const card = page.locator('[data-testid="session-ended"]');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('登录已失效');
    expect(await page.textContent('.signin')).not.toContain('因长时间未操作已锁定');
    await e2e.shot('ended');

    await e2e.signIn(CASHIER);
    await expect.poll(() => page.locator(SETTLE_FORM).count()).toBe(1);
    expect(await page.textContent('[data-testid="person"]')).toContain('患者戊');
    expect(await page.inputValue('[data-field="costs[0].medfee_sumamt"]')).toBe('2345.60');
  });
});
