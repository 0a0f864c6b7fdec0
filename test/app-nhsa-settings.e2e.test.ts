/**
 * The national interface's parameters on the settings screen (F11), in real
 * Chromium against the browser host: a supervisor chooses 国家医保接口, types
 * the parameters field after field with Enter, a bad terminal slot is named,
 * the saved config.json holds the passToken only encrypted and the window never sees it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalConfig } from '../shared/settings.js';
import { loadConfig } from '../electron/node/config.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { SUPERVISOR, livePage, useE2E } from './e2e/harness.js';

const e2e = useE2E({ shotPrefix: 'nhsa-' });
const page = livePage(e2e);
const TOKEN = 'e2e-nhsa-pass-token-0123456789';

describe('the NHSA settings in Chromium', () => {
  it('a supervisor fills the NHSA form with the keyboard and saves it; the passToken stays out of the window', async () => {
    e2e.seedOperators();
    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F11');
    // Only the settings screen has the terminal code field.
    await expect.poll(() => page.inputValue('[data-field="terminal.code"]')).toBe('T01');
    expect(await page.inputValue('[data-field="protocol"]')).toBe('none');

    await page.selectOption('[data-field="protocol"]', 'nhsa');
    await expect.poll(() => page.locator('[data-field="nhsa.gateway_url"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="nhsa-slot-note"]')).toContain('各不相同');
    expect(await page.getAttribute('[data-field="nhsa.pass_token"]', 'placeholder')).toBe('首次配置须填写');

    // Field after field with Enter: each next field is focused with its text selected, so typing replaces it.
    await page.focus('[data-field="nhsa.gateway_url"]');
    const typed: [string, string][] = [
      ['nhsa.gateway_url', 'https://hsa.example.cn/fsi/api/rsfComIfsService/callService'],
      ['nhsa.paasid', 'paas-511702'],
      ['nhsa.pass_token', TOKEN],
      ['nhsa.fixmedins_code', 'h51170200001'],
      ['nhsa.fixmedins_name', '达州市中心医院'],
      ['nhsa.mdtrtarea_admvs', '511702'],
      ['nhsa.terminal_slot', '12'],
      ['nhsa.infver', 'V1.08'],
    ];
    for (const [field, text] of typed) {
      expect(await page.getAttribute(':focus', 'data-field')).toBe(field);
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
    }
    expect(await page.inputValue('[data-field="nhsa.fixmedins_code"]')).toBe('H51170200001');

    await page.click('button:has-text("保存设置")');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('终端序号');
    expect(await page.getAttribute('[data-field="nhsa.terminal_slot"]', 'aria-invalid')).toBe('true');
    await page.fill('[data-field="nhsa.terminal_slot"]', '3');
    await page.click('button:has-text("保存设置")');
    await expect.poll(() => page.locator('[data-testid="settings-saved"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="restart-pending"]')).toContain('重启');
    await e2e.shot('settings');

    // On disk the passToken is sealed under the terminal's key; read back as the app reads it.
    const keys = new FileKeyProvider(join(e2e.dataDir, 'key'));
    const text = readFileSync(join(e2e.dataDir, 'config.json'), 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(text).nhsa.pass_token).toEqual({ enc: expect.stringMatching(/^v1:/) });
    const file: unknown = loadConfig(e2e.dataDir, keys);
    expect(terminalConfig.safeParse(file).success).toBe(true);
    expect(file).not.toHaveProperty('insurer');
    expect(file).toMatchObject({
      nhsa: {
        gateway_url: 'https://hsa.example.cn/fsi/api/rsfComIfsService/callService',
        paasid: 'paas-511702',
        pass_token: TOKEN,
        fixmedins_code: 'H51170200001',
        fixmedins_name: '达州市中心医院',
        mdtrtarea_admvs: '511702',
        terminal_slot: 3,
        infver: 'V1.08',
        recer_sys_code: 'YBXT',
      },
    });

    // After the save the token field is empty again, says a token is set, and the page holds no token.
    expect(await page.inputValue('[data-field="nhsa.pass_token"]')).toBe('');
    expect(await page.getAttribute('[data-field="nhsa.pass_token"]', 'placeholder')).toBe('已设置；留空则保持不变');
    expect(await page.content()).not.toContain(TOKEN);

    // Saved again with the token left empty: the stored one is kept.
    await page.fill('[data-field="nhsa.dev_no"]', 'DESK-03');
    await page.click('button:has-text("保存设置")');
    // The first save's "saved" line is still on screen: wait for what only this save makes, the file's new dev_no.
    await expect
      .poll(() => loadConfig(e2e.dataDir, keys) as unknown)
      .toMatchObject({ nhsa: { dev_no: 'DESK-03', pass_token: TOKEN } });
  });
});
