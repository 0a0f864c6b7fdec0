/**
 * Offline and back, in real Chromium: the app talks to the reference insurer
 * on 127.0.0.1; the insurer is stopped, the cashier settles anyway (slip marked
 * 脱机结算, queue grows), the insurer comes back on the same port and the queue
 * drains, each claim counted once by the insurer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { DB_FILE } from '../insurer/data-dir.js';
import { SUPERVISOR, livePage, today, useE2E } from './e2e/harness.js';

const terminal = { hospital_code: 'H510100001', terminal_code: 'T01', secret: 'e2e-terminal-secret-0123456789' };
const insurerDir = mkdtempSync(join(tmpdir(), 'desk-insurer-'));
let insurer: RunningInsurer;

const claimsAtInsurer = () => {
  const db = new Database(join(insurerDir, DB_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM claims').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  insurer = await startInsurer({ dataDir: insurerDir, port: 0, terminals: [terminal] });
});
afterAll(async () => {
  await insurer?.close();
});

const e2e = useE2E({
  config: { terminal: { code: 'T01', hospital_code: 'H510100001', hospital_name: '测试市第一人民医院' } },
  sync: () => ({
    url: insurer.url,
    secret: terminal.secret,
    pinnedKeysSpkiBase64: [insurer.publicKeySpkiBase64],
    intervalMs: 600_000,
    timeoutMs: 3_000,
    backoffBaseMs: 100,
    backoffMaxMs: 500,
  }),
});
const page = livePage(e2e);

describe('offline and back', () => {
  it('settles while the insurer is down and drains the queue when it is back', async () => {
    e2e.seedOperators();
    await e2e.open();
    await e2e.signIn(SUPERVISOR);

    await page.keyboard.press('F10');
    await page.click('button:has-text("立即同步")');
    await expect.poll(() => page.textContent('[data-testid="sync-online"]')).toContain('在线');

    // Online: the person's status and accumulators come from the insurer (1101).
    const known = insurer.persons().find((p) => p.region === 'dazhou')!;
    await page.keyboard.press('F2');
    await page.fill('[data-field="id_number"]', known.id_number);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('信息来源：医保部门');
    expect(await page.textContent('[data-testid="person"]')).toContain(known.name);

    const port = insurer.port;
    await insurer.close();
    await page.keyboard.press('F10');
    await page.click('button:has-text("立即同步")');
    await expect.poll(() => page.textContent('[data-testid="sync-online"]')).toContain('离线');
    // Offline: the same person is found in the store, with the insurer's snapshot.
    await page.keyboard.press('F2');
    await page.fill('[data-field="id_number"]', known.id_number);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('信息来源：医保部门');
    await page.fill('[data-field="admission_date"]', `${today.slice(0, 4)}-01-02`);
    await page.fill('[data-field="discharge_date"]', today);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '20000.00');
    await page.keyboard.press('F5');
    await expect.poll(() => page.locator('[data-testid="psn_cash_pay"]').count()).toBe(1);
    await page.keyboard.press('F8');
    await expect.poll(() => page.textContent('[data-testid="settled-number"]')).toContain('脱机结算');
    await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 1');
    await e2e.shot('11-offline-settled');

    insurer = await startInsurer({ dataDir: insurerDir, port, terminals: [terminal] });
    await page.keyboard.press('F10');
    await page.click('button:has-text("立即同步")');
    await expect.poll(() => page.textContent('[data-testid="sync-queued"]')).toContain('待上传 0');
    expect(await page.textContent('[data-testid="sync-online"]')).toContain('在线');
    await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 0');
    expect(e2e.app.service.outbox.counts()).toMatchObject({ queued: 0, accepted: 1 });
    expect(claimsAtInsurer()).toBe(1);
    await e2e.shot('12-sync-drained');

    // The supervisor reconciles the day with the insurer (3201).
    await page.keyboard.press('F4');
    await page.click('button:has-text("与医保对账")');
    await expect.poll(() => page.textContent('[data-testid="reconciliation"]')).toContain(`${today} 对账平衡`);
  });
});
