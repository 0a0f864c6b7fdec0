/**
 * Reconciliation through the national interface on the 日结 screen, in real
 * Chromium against the browser host: the terminal speaks to the reference NHSA
 * gateway on 127.0.0.1 (config.json's nhsa section), its settlements are
 * drained through the services, the platform is made to disagree (another
 * terminal of the hospital settled a stay, one settlement undone, one with a
 * different fund amount), and a supervisor presses 与医保对账 on F4: the 3201
 * group says 不一致 and the 3202 result names every record 平 / 中心多 / 医药机构多
 * / 不一致, then the same in English.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { DB_FILE } from '../insurer/data-dir.js';
import { Decimal, formatAmount } from '../shared/money.js';
import { terminalConfig } from '../shared/settings.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import type { DeskService } from '../electron/worker/services/desk-service.js';
import { CASHIER, SUPERVISOR, livePage, useE2E } from './e2e/harness.js';
import { makeStore, recordSeeded, type TestStore } from './store-support.js';
import { NHSA_PERSON, nhsaSection, settleOffline } from './nhsa-support.js';

const ZHANG = '511702196803120014';
const insurerDir = mkdtempSync(join(tmpdir(), 'desk-nhsa-rec-'));
let insurer: RunningInsurer;

/**
 * The gateway's clock, kept inside the Beijing day it starts in. Reconciliation dates the platform's answers by their
 * setl_time (Beijing; electron/worker/sync/nhsa/reconcile.ts), so every settlement of the test falls on the one day
 * reconciled even when the run crosses Beijing midnight: past it the clock stays at the day's last millisecond, which
 * the gateway's ±300 s timestamp window allows for longer than the test may run.
 */
function oneBeijingDay(): () => Date {
  const BEIJING_MS = 8 * 3_600_000;
  const DAY_MS = 86_400_000;
  const lastMs = (Math.floor((Date.now() + BEIJING_MS) / DAY_MS) + 1) * DAY_MS - BEIJING_MS - 1;
  return () => new Date(Math.min(Date.now(), lastMs));
}

beforeAll(async () => {
  insurer = await startInsurer({ dataDir: insurerDir, port: 0, log: () => {}, now: oneBeijingDay() });
});
afterAll(async () => {
  await insurer?.close();
});

const e2e = useE2E({
  shotPrefix: 'nhsa-',
  // Read when the harness writes config.json (after beforeAll): the gateway's port is known by then.
  config: {
    get terminal() {
      return { code: 'T03', hospital_code: insurer.nhsa.fixmedinsCode, hospital_name: insurer.nhsa.fixmedinsName };
    },
    get nhsa() {
      return nhsaSection(insurer.nhsa, { form: 'paths', slot: 3 });
    },
  },
});
const page = livePage(e2e);

async function drain(sync: { syncNow(): Promise<unknown>; status(): { queued: number; last_error: string | null } }) {
  for (let run = 0; run < 20; run++) {
    await sync.syncNow();
    if (sync.status().queued === 0) return;
  }
  throw new Error(`not drained: ${sync.status().last_error}`);
}

describe('reconciliation through the national interface on the 日结 screen', () => {
  it('a supervisor reconciles the day and sees each record of the result file named, in Chinese and English', async () => {
    e2e.seedOperators(CASHIER);
    const app = e2e.app;
    expect(app.sync?.protocol).toBe('nhsa');
    // This terminal's day, as a cashier settled it (item-level bills) and the queue drained.
    const here = { service: app.service, cashier: e2e.as(CASHIER) } as TestStore;
    const level = insurer.nhsa.hospitalLevel;
    const agreed = settleOffline(here, recordSeeded(here, ZHANG), level, 0);
    const altered = settleOffline(here, recordSeeded(here, NHSA_PERSON), level, 1);
    await drain(app.sync!);
    const undone = settleOffline(here, recordSeeded(here, NHSA_PERSON), level, 2);
    await drain(app.sync!);

    // Terminal slot 5 of the same hospital settles a stay this terminal never sees.
    const other = makeStore();
    const otherConfig = terminalConfig.parse({
      terminal: { code: 'T05', hospital_code: insurer.nhsa.fixmedinsCode, hospital_name: insurer.nhsa.fixmedinsName },
      nhsa: nhsaSection(insurer.nhsa, { form: 'paths', slot: 5 }),
    }).nhsa!;
    const otherSync = new NhsaSync(other.service, otherConfig, { timeoutMs: 5000 });
    settleOffline(other, recordSeeded(other, NHSA_PERSON), level, 3);
    await drain(otherSync);
    await otherSync.stop();

    // The platform holds one settlement for 10.00 more fund, and has undone another.
    const setl = (service: DeskService, number: string) =>
      service.db
        .prepare(
          'SELECT ns.setl_id, ns.setlinfo FROM nhsa_settlements ns JOIN outbox o ON o.id = ns.outbox_id WHERE o.idempotency_key = ?',
        )
        .get(number) as { setl_id: string; setlinfo: string };
    // The day as the terminal dates the platform's answers (setl_time, Beijing): the gateway's clock keeps them on one.
    const day = (JSON.parse(setl(app.service, agreed).setlinfo) as { setl_time: string }).setl_time.slice(0, 10);
    const days = app.service.db
      .prepare("SELECT DISTINCT substr(json_extract(setlinfo, '$.setl_time'), 1, 10) FROM nhsa_settlements")
      .pluck()
      .all();
    expect(days).toEqual([day]);
    const gw = new Database(join(insurerDir, DB_FILE));
    try {
      gw.pragma('busy_timeout = 5000');
      const a = setl(app.service, altered).setl_id;
      const info = JSON.parse(
        gw.prepare('SELECT setlinfo FROM nhsa_settlements WHERE setl_id = ?').pluck().get(a) as string,
      ) as Record<string, unknown> & { fund_pay_sumamt: string };
      gw.prepare('UPDATE nhsa_settlements SET setlinfo = ? WHERE setl_id = ?').run(
        JSON.stringify({ ...info, fund_pay_sumamt: formatAmount(new Decimal(info.fund_pay_sumamt).plus(10)) }),
        a,
      );
      gw.prepare("UPDATE nhsa_settlements SET status = 'cancelled' WHERE setl_id = ?").run(
        setl(app.service, undone).setl_id,
      );
    } finally {
      gw.close();
    }

    await e2e.open();
    await e2e.signIn(SUPERVISOR);
    await page.keyboard.press('F4');
    await expect.poll(() => page.locator('[data-testid="day-state"]').count()).toBe(1);
    await page.fill('[data-field="business_date"]', day);
    await page.click('button:has-text("与医保对账")');
    // Only a 3202 result has the per-record table.
    await expect.poll(() => page.locator('[data-testid="nhsa-record"]').count(), { timeout: 60_000 }).toBe(4);

    expect(await page.textContent('[data-testid="reconciliation"] h2')).toBe(`${day} 对账不平`);
    const groups = page.locator('[data-testid="nhsa-groups"] tbody tr');
    expect(await groups.count()).toBe(1);
    expect(await groups.first().getAttribute('data-stmt-rslt')).toBe('3');
    expect(await groups.first().textContent()).toContain('不一致');

    const rows = await page.$$eval('[data-testid="nhsa-record"]', (trs) =>
      trs.map((tr) => ({
        rslt: tr.getAttribute('data-stmt-rslt'),
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
        mismatch: tr.querySelector('td')!.className,
      })),
    );
    const byRslt = Object.fromEntries(rows.map((r) => [r.rslt, r]));
    expect(byRslt['0']!.cells.slice(0, 2)).toEqual(['平', agreed]);
    expect(byRslt['3']!.cells.slice(0, 2)).toEqual(['不一致', altered]);
    expect(byRslt['3']!.cells.at(-1)).toContain('基金支付');
    expect(byRslt['2']!.cells.slice(0, 2)).toEqual(['医药机构多', undone]);
    expect(byRslt['1']!.cells.slice(0, 2)).toEqual(['中心多', '本机无此记录']);
    // 平 and the rest look different, and what is not 平 comes first.
    expect(byRslt['0']!.mismatch).toBe('online-text');
    for (const r of ['1', '2', '3']) expect(byRslt[r]!.mismatch).toBe('offline-text');
    expect(rows.at(-1)!.rslt).toBe('0');
    await e2e.shot('reconcile-mismatch');

    await page.click('[data-testid="lang-toggle"]');
    await expect.poll(() => page.textContent('[data-testid="nhsa-records"]')).toContain('more at the insurer');
    const english = await page.textContent('[data-testid="nhsa-records"]');
    for (const name of ['balanced', 'more at the hospital', 'inconsistent', 'not on this terminal'])
      expect(english).toContain(name);
    expect(await page.textContent('[data-testid="reconciliation"] h2')).toBe(`${day} reconciliation does not balance`);
    await e2e.shot('reconcile-mismatch-en');
  }, 180_000);
});
