/**
 * The app in a real browser: the browser host on 127.0.0.1 serving the built
 * renderer, driven by Debian's Chromium. Keyboard only: Enter moves on, F5
 * previews; the numbers on screen are the engine's.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHost, type RunningHost } from '../electron/host/server.js';
import { createHandlers } from '../electron/services/handlers.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { settle } from '../shared/engine/settle.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const staticDir = `${root}out/test-renderer`;
const artifacts = `${root}artifacts/screens`;

let host: RunningHost;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'warn', build: { outDir: staticDir, emptyOutDir: true, sourcemap: false } });
  host = await startHost({ staticDir, handlers: createHandlers(bundledRuleSet()) });
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
});

async function fill(field: string, value: string) {
  await page.fill(`[data-field="${field}"]`, value);
}

describe('pre-settlement screen in Chromium', () => {
  it('settles 达州 example 1 with the keyboard and shows the engine\'s numbers and trace', async () => {
    await page.goto(host.url);
    await expect.poll(() => page.locator('.rules').textContent()).toContain('达州市 2023.1');
    // The token left the address bar once read.
    expect(page.url()).not.toContain('token=');

    await page.selectOption('[data-field="region"]', 'dazhou');
    // 达州's subsidy has no enrolment condition (第六条: everyone insured takes part): no box to tick.
    expect(await page.locator('[data-field^="enrolled."]').count()).toBe(0);
    await fill('admission', '2026-03-02');
    await fill('discharge', '2026-03-20');
    await fill('medfee', '180000.00');
    await fill('fulamt', '6000.00');
    await page.focus('[data-field="fulamt"]');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('data-field')).toBe('overlmt');
    await page.keyboard.press('Enter');
    await page.keyboard.type('4000.00');
    await page.keyboard.press('F5');

    const expected = settle(
      {
        region: 'dazhou',
        insured: { scheme: 'employee', retired: false, medical_assistance: false, enrolled: {} },
        hospital_level: 3,
        admission_date: '2026-03-02',
        discharge_date: '2026-03-20',
        costs: [{ date: '2026-03-20', medfee_sumamt: '180000.00', fulamt_ownpay_amt: '6000.00', overlmt_selfpay: '0.00', preselfpay_amt: '4000.00' }],
        ytd: { 2026: { basic: { paid: '0.00', admissions: 0 } } },
      },
      bundledRuleSet(),
    );
    await expect.poll(() => page.textContent('[data-testid="psn_cash_pay"]')).toBe(expected.psn_cash_pay);
    expect(expected.psn_cash_pay).toBe('20241.25');
    expect(await page.textContent('[data-testid="fund-basic"]')).toBe('143735.00');
    expect(await page.textContent('[data-testid="fund-large_amount"]')).toBe('16023.75');
    expect(await page.locator('ol.trace li').count()).toBe(expected.trace.length);
    expect(await page.textContent('ol.trace')).toContain('达州 第九条');
    await page.screenshot({ path: `${artifacts}/preview-dazhou.png`, fullPage: true });
  });

  it('names the field of a bad amount and marks its input', async () => {
    await fill('medfee', '180000.005');
    await page.keyboard.press('F5');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('costs[0].medfee_sumamt');
    expect(await page.textContent('[role="alert"]')).toContain('两位小数');
    expect(await page.getAttribute('[data-field="medfee"]', 'aria-invalid')).toBe('true');
    await page.screenshot({ path: `${artifacts}/preview-error.png`, fullPage: true });
  });

  it('开封 enrolment box changes the large-amount payment', async () => {
    await page.selectOption('[data-field="region"]', 'kaifeng');
    await fill('medfee', '300000.00');
    await fill('fulamt', '0.00');
    await fill('preself', '0.00');
    await page.keyboard.press('F5');
    await expect.poll(() => page.textContent('[data-testid="fund-large_amount"]')).toBe('0.00');
    await page.check('[data-field="enrolled.large_amount"]');
    await page.keyboard.press('F5');
    await expect.poll(() => page.textContent('[data-testid="fund-large_amount"]')).toBe('184574.12');
    await page.screenshot({ path: `${artifacts}/preview-kaifeng.png`, fullPage: true });
  });
});

describe('browser host boundary', () => {
  it('refuses calls without the token, from a foreign Host, and unknown channels', async () => {
    const call = (headers: Record<string, string>, channel = 'rules.list') =>
      fetch(`http://127.0.0.1:${host.port}/ipc/${channel}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
    expect((await call({})).status).toBe(401);
    expect((await call({ Authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await call({ Authorization: `Bearer ${host.token}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { ok: boolean }).ok).toBe(true);
    const unknown = (await (await call({ Authorization: `Bearer ${host.token}` }, 'store.dropEverything')).json()) as { ok: boolean; error: { code: string } };
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    const bad = await fetch(`http://127.0.0.1:${host.port}/ipc/settlement.preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
      body: JSON.stringify({ request: { region: 'nowhere' }, extra: 1 }),
    });
    expect(((await bad.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'unknown_field', field: 'extra' });
  });

  it('serves pages with a strict CSP and nothing outside the renderer folder', async () => {
    const index = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`http://127.0.0.1:${host.port}/..%2f..%2fpackage.json`)).status).toBe(404);
  });
});
