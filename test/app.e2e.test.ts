/**
 * The app in real Chromium against the browser host, a fresh data folder for
 * every test (test/e2e/harness.ts): first supervisor and settings, sign-in,
 * settling a bill of each region with the keyboard (numbers on screen equal
 * the engine's), printing the slip, the offline mark and queue count, a
 * cashier refused a reversal and a supervisor allowed, day close with its
 * report, a claim, the rules. Screenshots of every screen go to
 * artifacts/screens for a person to look at.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { groupedYuan } from '../shared/money.js';
import { idNumber } from './store-support.js';
import { CASHIER, CLERK, SUPERVISOR, livePage, today, useE2E, year } from './e2e/harness.js';

const e2e = useE2E();
const page = livePage(e2e);
const shot = (name: string) => e2e.shot(name);
const signIn = (op: { code: string; pin: string }) => e2e.signIn(op);
const signOut = () => e2e.signOut();
/** Supervisor and cashier seeded; the cashier signed in. */
async function asCashier() {
  e2e.seedOperators(CASHIER);
  await e2e.open();
  await signIn(CASHIER);
}

describe('the app in Chromium', () => {
  it('creates the first supervisor, then signs in a cashier', async () => {
    await e2e.open();
    await expect.poll(() => page.textContent('.signin')).toContain('首次使用');
    expect(page.url()).not.toContain('token=');
    await shot('01-setup');
    await page.fill('[data-field="code"]', 'sup1');
    await page.fill('[data-field="name"]', '王主管');
    await page.fill('[data-field="pin"]', '246810');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="operator"]')).toContain('王主管（主管）');

    // Settings (F11, supervisors only): a bad value is named, a good one saved; the cashier is added here.
    await page.keyboard.press('F11');
    await expect.poll(() => page.inputValue('[data-field="terminal.code"]')).toBe('T01');
    await page.fill('[data-field="terminal.hospital_name"]', '达州市中心医院');
    await page.fill('[data-field="lock_after_minutes"]', '十五');
    await page.click('button:has-text("保存设置")');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('lock_after_minutes');
    expect(await page.getAttribute('[data-field="lock_after_minutes"]', 'aria-invalid')).toBe('true');
    await page.fill('[data-field="lock_after_minutes"]', '20');
    await page.click('button:has-text("保存设置")');
    await expect.poll(() => page.locator('[data-testid="settings-saved"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="restart-pending"]')).toContain('重启');
    expect(JSON.parse(readFileSync(join(e2e.dataDir, 'config.json'), 'utf8'))).toMatchObject({
      terminal: { hospital_name: '达州市中心医院' },
      lock_after_minutes: 20,
    });
    expect(await page.textContent('[data-testid="printers"]')).toContain('浏览器模式');
    await page.click('button:has-text("立即备份")');
    await expect.poll(() => page.locator('[data-testid="backups"] tbody tr').count()).toBe(1);
    await page.fill('[data-field="code"]', 'cash1');
    await page.fill('[data-field="name"]', '李收费');
    await page.selectOption('[data-field="role"]', 'cashier');
    await page.fill('[data-field="pin"]', '135790');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="operators"]')).toContain('李收费');
    await shot('01b-settings');
    await signOut();
    await page.fill('.signin [data-field="code"]', 'cash1');
    await page.fill('.signin [data-field="pin"]', '000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('工号或 PIN 不正确');
    await shot('02-signin-error');
    await signIn(CASHIER);
    expect(await page.textContent('[data-testid="online"]')).toContain('离线');
  });

  const cases = [
    {
      region: 'dazhou',
      name: '达州',
      scheme: 'employee',
      enrol: [],
      level: '3',
      total: '180000.00',
      fulamt: '6000.00',
      preself: '4000.00',
    },
    {
      region: 'kaifeng',
      name: '开封',
      scheme: 'employee',
      enrol: ['large_amount'],
      level: '3',
      total: '300000.00',
      fulamt: '0.00',
      preself: '0.00',
    },
    {
      region: 'qingyang',
      name: '庆阳',
      scheme: 'employee',
      enrol: ['supplementary'],
      level: '2',
      total: '100500.00',
      fulamt: '0.00',
      preself: '0.00',
    },
    {
      region: 'deyang',
      name: '德阳',
      scheme: 'resident',
      enrol: ['supplementary'],
      level: '3',
      total: '50650.00',
      fulamt: '0.00',
      preself: '0.00',
    },
    {
      region: 'jiangyin',
      name: '江阴',
      scheme: 'resident',
      enrol: [],
      level: '3',
      total: '150000.00',
      fulamt: '5000.00',
      preself: '4000.00',
    },
  ] as const;

  for (const [i, c] of cases.entries()) {
    it(`settles a ${c.name} bill with the keyboard: the screen shows the engine's numbers, then prints the slip`, async () => {
      await asCashier();
      await page.keyboard.press('F2');
      const id = idNumber(10 + i);
      await page.fill('[data-field="id_number"]', id);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
      await page.fill('[data-field="name"]', `患者${c.name}`);
      await page.selectOption('[data-field="region"]', c.region);
      await page.selectOption('[data-field="scheme"]', c.scheme);
      for (const layer of c.enrol) await page.check(`[data-field="enrolled.${layer}"]`);
      await page.click('button:has-text("保存参保信息")');
      await expect.poll(() => page.textContent('[data-testid="person"]')).toContain(`患者${c.name}`);
      expect(await page.textContent('[data-testid="person"]')).toContain(`${id.slice(0, 6)}********${id.slice(-4)}`);

      await page.selectOption('[data-field="hospital_level"]', c.level);
      await page.fill('[data-field="admission_date"]', `${year}-01-02`);
      await page.fill('[data-field="discharge_date"]', today);
      await page.fill('[data-field="stay.ward"]', '内科一病区');
      await page.fill('[data-field="stay.bed"]', '8');
      await page.fill('[data-field="stay.diagnosis"]', '肺炎');
      await page.fill('[data-field="costs[0].medfee_sumamt"]', c.total);
      await page.focus('[data-field="costs[0].medfee_sumamt"]');
      await page.keyboard.press('Enter');
      expect(await page.locator(':focus').getAttribute('data-field')).toBe('costs[0].fulamt_ownpay_amt');
      await page.keyboard.type(c.fulamt);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type(c.preself);
      await page.keyboard.press('F5');

      const expected = settle(
        {
          region: c.region,
          insured: {
            scheme: c.scheme,
            retired: false,
            medical_assistance: false,
            enrolled: Object.fromEntries(c.enrol.map((l) => [l, true])),
          },
          hospital_level: Number(c.level),
          admission_date: `${year}-01-02`,
          discharge_date: today,
          costs: [
            {
              date: today,
              medfee_sumamt: c.total,
              fulamt_ownpay_amt: c.fulamt,
              overlmt_selfpay: '0.00',
              preselfpay_amt: c.preself,
            },
          ],
          ytd: { [year]: { basic: { paid: '0.00', admissions: 0 } } },
        },
        bundledRuleSet(),
      );
      // The screen groups thousands (issue 17); the engine's amounts are plain.
      await expect
        .poll(() => page.textContent('[data-testid="psn_cash_pay"]'))
        .toBe(groupedYuan(expected.psn_cash_pay));
      for (const f of expected.fund_details)
        expect(await page.textContent(`[data-testid="fund-${f.layer}"]`)).toBe(groupedYuan(f.amount));
      expect(await page.locator('ol.trace li').count()).toBe(expected.trace.length);
      await shot(`03-preview-${c.region}`);

      await page.keyboard.press('F8');
      await expect
        .poll(() => page.textContent('[data-testid="settled-number"]'))
        .toMatch(/已结算 T01-S\d{8}-\d{6}（脱机结算/);
      await page.keyboard.press('F9');
      const frame = page.frameLocator('[data-testid="slip-frame"]');
      // The slip may group thousands: compared without the separators.
      await expect
        .poll(async () => (await frame.locator('body').textContent())?.replace(/,/g, ''))
        .toContain(expected.psn_cash_pay);
      expect(await frame.locator('body').textContent()).toContain('脱机结算，以医保部门确认为准');
      expect(await page.getAttribute('[data-testid="pdf-link"]', 'href')).toMatch(/^\/documents\/[0-9a-f]{32}\.pdf$/);
      await shot(`04-settled-${c.region}`);
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 1');
    });
  }

  it('records enrolment per year (开封 第八条): last year paid, this year not; the card and the result say so', async () => {
    await asCashier();
    const last = String(Number(year) - 1);
    await page.fill('[data-field="id_number"]', idNumber(30));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-field="name"]').count()).toBe(1);
    await page.fill('[data-field="name"]', '患者按年');
    await page.selectOption('[data-field="region"]', 'kaifeng');
    await page.check(`[data-field="enrolled.large_amount.${last}"]`);
    expect(await page.isChecked('[data-field="enrolled.large_amount"]')).toBe(false);
    await shot('03c-enrolment-per-year');
    await page.click('button:has-text("保存参保信息")');
    await expect
      .poll(() => page.textContent(`[data-testid="enrolment-large_amount-${last}"]`))
      .toContain(`${last} 年已参保`);
    expect(await page.textContent(`[data-testid="enrolment-large_amount-${year}"]`)).toContain(
      `${year} 年未参保/未缴费`,
    );
    await page.fill('[data-field="admission_date"]', `${year}-01-02`);
    await page.fill('[data-field="discharge_date"]', today);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '300000.00');
    await page.keyboard.press('F5');
    await expect.poll(() => page.locator('[data-testid="fund-why-large_amount"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="fund-large_amount"]')).toBe('0.00');
    expect(await page.textContent('[data-testid="fund-why-large_amount"]')).toBe(`${year} 年：未参保或未缴费，不支付`);
  });

  it('takes other compensation on the bill (江阴 二(三)): the major-illness base is net of it, as the engine computes', async () => {
    e2e.seedOperators(CASHIER);
    const { id_number } = e2e.seedPerson(CASHIER, {
      seed: 31,
      name: '患者江阴',
      region: 'jiangyin',
      scheme: 'resident',
    });
    await e2e.open();
    await signIn(CASHIER);
    await page.fill('[data-field="id_number"]', id_number);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('患者江阴');
    await page.fill('[data-field="admission_date"]', `${year}-01-02`);
    await page.fill('[data-field="discharge_date"]', today);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '150000.00');
    await page.fill('[data-field="costs[0].fulamt_ownpay_amt"]', '5000.00');
    await page.fill('[data-field="costs[0].overlmt_selfpay"]', '1000.00');
    await page.fill('[data-field="costs[0].preselfpay_amt"]', '4000.00');
    await page.fill('[data-field="prior_compensation"]', '20000.00');
    await page.keyboard.press('F5');
    const expected = settle(
      {
        region: 'jiangyin',
        insured: { scheme: 'resident', retired: false, medical_assistance: false },
        hospital_level: 3,
        admission_date: `${year}-01-02`,
        discharge_date: today,
        costs: [
          {
            date: today,
            medfee_sumamt: '150000.00',
            fulamt_ownpay_amt: '5000.00',
            overlmt_selfpay: '1000.00',
            preselfpay_amt: '4000.00',
          },
        ],
        prior_compensation: { [year]: '20000.00' },
      },
      bundledRuleSet(),
    );
    await expect
      .poll(() => page.textContent('[data-testid="fund-major_illness"]'))
      .toBe(groupedYuan(expected.funds['major_illness']!));
    expect(await page.textContent('ol.trace')).toContain('基数扣除其他补偿');
    await shot('03d-prior-compensation');
  });

  it('imports a bill exported by the hospital system (CSV) into the cost lines', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedPerson(CASHIER, { seed: 11, name: '患者开封', region: 'kaifeng' });
    await e2e.open();
    await signIn(CASHIER);
    await page.fill('[data-field="id_number"]', idNumber(11));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    const csv = `date,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt\n${year}-01-05,1000.00,100.00,0.00,0.00\n${today},2000.00,0.00,0.00,50.00\n`;
    await page.setInputFiles('[data-field="import"]', {
      name: 'his-bill.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await expect.poll(() => page.inputValue('[data-field="costs[1].medfee_sumamt"]')).toBe('2000.00');
    expect(await page.inputValue('[data-field="admission_date"]')).toBe(`${year}-01-05`);
    expect(await page.inputValue('[data-field="costs[1].preselfpay_amt"]')).toBe('50.00');
    await page.setInputFiles('[data-field="import"]', {
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('date,medfee_sumamt\n'),
    });
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('缺少列');
  });

  it('names the field of a bad amount and marks its input', async () => {
    e2e.seedOperators(CASHIER);
    e2e.seedPerson(CASHIER, { seed: 10, name: '患者达州' });
    await e2e.open();
    await signIn(CASHIER);
    await page.fill('[data-field="id_number"]', idNumber(10));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    await page.fill('[data-field="admission_date"]', `${year}-01-02`);
    await page.fill('[data-field="discharge_date"]', today);
    await page.fill('[data-field="costs[0].medfee_sumamt"]', '180000.005');
    await page.keyboard.press('F5');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('costs[0].medfee_sumamt');
    expect(await page.getAttribute('[data-field="costs[0].medfee_sumamt"]', 'aria-invalid')).toBe('true');
    await shot('05-field-error');
  });

  it('history: a cashier is refused a reversal, a supervisor reverses with a reason', async () => {
    e2e.seedOperators(CASHIER);
    for (const seed of [10, 11])
      e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed, name: `患者${seed}` }).person_id, '20000.00');
    await e2e.open();
    await signIn(CASHIER);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("查询")');
    await expect.poll(() => page.locator('[data-testid="history"] tbody tr').count()).toBe(2);
    await page.click('[data-testid="history"] tbody tr:last-child');
    await expect.poll(() => page.textContent('[data-testid="open-number"]')).toContain('已结算');
    await shot('06-history');
    // A cashier is not offered the reversal: shown disabled, with why (issue 17).
    expect(await page.isDisabled('button:has-text("撤销结算")')).toBe(true);
    expect(await page.textContent('[data-testid="reverse-why"]')).toContain('需要主管权限');
    await signOut();
    await signIn(SUPERVISOR);
    await page.keyboard.press('F3');
    await page.click('button.default:has-text("查询")');
    await page.click('[data-testid="history"] tbody tr:last-child');
    await page.fill('[data-field="reason"]', '费用录入错误');
    await page.click('button:has-text("撤销结算")');
    await expect.poll(() => page.textContent('[data-testid="open-number"]')).toContain('冲销单');
    await page.click('button:has-text("打印冲销单")');
    await expect
      .poll(() => page.frameLocator('[data-testid="slip-frame"]').locator('body').textContent())
      .toContain('冲销原结算单');
    await shot('07-reversal');
  });

  it("day close: totals of the cashier's day, then read-only, and the report prints", async () => {
    e2e.seedOperators(CASHIER);
    for (const seed of [10, 11, 12])
      e2e.seedSettlement(CASHIER, e2e.seedPerson(CASHIER, { seed, name: `患者${seed}` }).person_id, '20000.00');
    const last = e2e.seedSettlement(
      CASHIER,
      e2e.seedPerson(CASHIER, { seed: 13, name: '患者13' }).person_id,
      '5000.00',
    );
    e2e.app.service.settlements.reverse(e2e.as(SUPERVISOR), { number: last.number, reason: '费用录入错误' });
    await e2e.open();
    await signIn(SUPERVISOR);
    await page.keyboard.press('F4');
    await page.fill('[data-field="operator_code"]', 'cash1');
    await page.click('button:has-text("统计")');
    const totals = e2e.app.service.day.totals(
      e2e.app.service.db.prepare("SELECT id FROM operators WHERE code = 'cash1'").pluck().get() as number,
      today,
    );
    await expect.poll(() => page.textContent('[data-testid="day-cash"]')).toBe(groupedYuan(totals.psn_cash_pay));
    expect(totals).toMatchObject({ settlements: 4, reversals: 1, offline: 4 });
    await page.click('button:has-text("日结（主管）")');
    // A confirmation names what will be closed first (issue 17); Enter on its focused button closes.
    await expect.poll(() => page.locator('[data-testid="day-close-confirm"]').count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="day-state"]')).toContain('已日结');
    await page.click('button:has-text("打印日结报表")');
    await expect
      .poll(() => page.frameLocator('[data-testid="slip-frame"]').locator('body').textContent())
      .toContain('收费员日结报表');
    await shot('08-day-close');
  });

  it('shows a failed daily backup on the status bar and the settings screen until a backup succeeds', async () => {
    e2e.seedOperators();
    // The backup folder cannot be made (a file has its name): the daily backup fails.
    writeFileSync(join(e2e.dataDir, 'backups'), 'not a folder');
    await expect(e2e.app.dailyBackup()).rejects.toThrow();
    await e2e.open();
    await signIn(SUPERVISOR);
    await expect.poll(() => page.textContent('[data-testid="backup-failed"]')).toContain('备份失败');
    await page.keyboard.press('F11');
    await expect.poll(() => page.textContent('[data-testid="backup-failure"]')).toContain('最近一次备份失败');
    await shot('09-backup-failed');
    rmSync(join(e2e.dataDir, 'backups'));
    await page.click('button:has-text("立即备份")');
    await expect.poll(() => page.locator('[data-testid="backups"] tbody tr').count()).toBe(1);
    // What only the succeeded state shows first; then the failure is gone from both places.
    await expect.poll(() => page.textContent('[data-testid="last-good-backup"]')).toContain('最近一次成功备份');
    await expect.poll(() => page.locator('[data-testid="backup-failed"]').count()).toBe(0);
    expect(await page.locator('[data-testid="backup-failure"]').count()).toBe(0);
  });
});

describe('claims clerk and rules', () => {
  it('enters an out-of-network claim with a scan, sees the expected reimbursement, submits it; a duplicate invoice is refused', async () => {
    e2e.seedOperators(CLERK);
    e2e.seedPerson(CLERK, {
      seed: 13,
      name: '患者德阳',
      region: 'deyang',
      scheme: 'resident',
      enrolled: { supplementary: true },
    });
    await e2e.open();
    await signIn(CLERK);
    await page.keyboard.press('F6');
    await page.fill('[data-field="id_number"]', idNumber(13));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="person"]')).toContain('患者德阳');
    await page.fill('[data-field="hospital_code"]', 'H5101009');
    await page.fill('[data-field="hospital_name"]', '成都某三甲医院');
    await page.selectOption('[data-field="hospital_level"]', '3');
    await page.fill('[data-field="admission_date"]', `${year}-01-05`);
    await page.fill('[data-field="discharge_date"]', `${year}-01-20`);
    await page.fill('[data-field="invoices[0].invoice_no"]', 'FP-0001');
    await page.fill('[data-field="invoices[0].invoice_date"]', `${year}-01-20`);
    await page.fill('[data-field="invoices[0].medfee_sumamt"]', '20000.00');
    await page.setInputFiles('[data-field="attachments"]', {
      name: '发票.png',
      mimeType: 'image/png',
      buffer: Buffer.from('89504e470d0a1a0a', 'hex'),
    });
    await expect.poll(() => page.textContent('.muted:has-text("已附")')).toContain('发票.png');
    const before = Number((await page.textContent('[data-testid="queued"]'))!.replace(/\D/g, ''));
    await page.click('button:has-text("计算报销额并保存")');
    await expect
      .poll(() => page.textContent('[data-testid="claim-number"]'))
      .toMatch(/报销单 T01-M\d{8}-000001 · 预计报销 \d+\.\d{2} 元/);
    // The result shows grouped thousands (issue 17): compared without the separators.
    const expected = (await page.textContent('[data-testid="fund_pay_sumamt"]'))!.replace(/,/g, '');
    expect((await page.textContent('[data-testid="claim-number"]'))!.replace(/,/g, '')).toContain(
      `预计报销 ${expected} 元`,
    );
    await page.click('button:has-text("提交医保部门")');
    await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe(`待上传 ${before + 1}`);
    await shot('09-claim');

    await page.keyboard.press('F7');
    await page.keyboard.press('F6');
    await page.fill('[data-field="id_number"]', idNumber(13));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="person"]').count()).toBe(1);
    await page.fill('[data-field="hospital_code"]', 'H5101009');
    await page.fill('[data-field="hospital_name"]', '成都某三甲医院');
    await page.fill('[data-field="admission_date"]', `${year}-02-05`);
    await page.fill('[data-field="discharge_date"]', `${year}-02-20`);
    await page.fill('[data-field="invoices[0].invoice_no"]', 'FP-0001');
    await page.fill('[data-field="invoices[0].invoice_date"]', `${year}-02-20`);
    await page.fill('[data-field="invoices[0].medfee_sumamt"]', '100.00');
    await page.click('button:has-text("计算报销额并保存")');
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('已在报销单');
    expect(await page.getAttribute('[data-field="invoices[0].invoice_no"]', 'aria-invalid')).toBe('true');
  });

  it('lists the installed rule versions with their periods and sample status', async () => {
    await asCashier();
    await page.keyboard.press('F7');
    await expect.poll(() => page.locator('[data-testid="rules"] tbody tr').count()).toBe(5);
    expect(await page.textContent('[data-testid="rules"]')).toContain('2023-04-01 至 2028-03-31');
    expect(await page.textContent('[data-testid="rules"]')).toContain('含样例参数');
    await shot('10-rules');
  });
});

describe('browser host boundary', () => {
  it('refuses calls without the token and unknown channels; validates payloads', async () => {
    const call = (headers: Record<string, string>, channel = 'app.status', body = '{}') =>
      fetch(`http://127.0.0.1:${e2e.host.port}/ipc/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
    expect((await call({})).status).toBe(401);
    expect((await call({ Authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await call({ Authorization: `Bearer ${e2e.host.token}` });
    expect(((await ok.json()) as { ok: boolean }).ok).toBe(true);
    expect(
      await (await call({ Authorization: `Bearer ${e2e.host.token}` }, 'store.dropEverything')).json(),
    ).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(
      await (
        await call(
          { Authorization: `Bearer ${e2e.host.token}` },
          'settlement.reverse',
          JSON.stringify({ number: 'x', reason: 'y', extra: 1 }),
        )
      ).json(),
    ).toMatchObject({
      ok: false,
      error: { code: 'unknown_field', field: 'extra' },
    });
  });

  it('serves pages with a strict CSP, documents only by ticket, nothing outside the renderer folder', async () => {
    const index = await fetch(`http://127.0.0.1:${e2e.host.port}/`);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`http://127.0.0.1:${e2e.host.port}/..%2f..%2fpackage.json`)).status).toBe(404);
    expect(
      (await fetch(`http://127.0.0.1:${e2e.host.port}/documents/00000000000000000000000000000000.pdf`)).status,
    ).toBe(404);
  });
});
