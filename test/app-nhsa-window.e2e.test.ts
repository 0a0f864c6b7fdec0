/**
 * Online settlement with the national platform at the window (issue 14 item 1),
 * in real Chromium against the browser host: a terminal whose config.json has an
 * `nhsa` section for the reference insurer's NHSA gateway on 127.0.0.1. The
 * cashier finds the person (1101), imports an item-level bill whose drug the
 * platform's catalogue has as 乙类 with 10% 先行自付 (so the platform's split
 * differs from the terminal's), F5 shows the platform's 2303 beside the local
 * preview, F8 settles (2402, 2304 with exactly 2303's input) and F9 prints the
 * platform's settlement. Then the gateway down at F5 (settled provisionally,
 * drained later with the 多退少补 work item), and the link dropped after the
 * platform committed the 2304 (2601 冲正, then settled once).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import type { FaultRule } from '../insurer/faults.js';
import { SEED_PERSONS } from '../insurer/seed.js';
import { Decimal, formatAmount } from '../shared/money.js';
import { DEFAULT_PATHS } from '../shared/nhsa/index.js';
import { asPerson, openStoreFile } from './store-support.js';
import { NHSA_PERSON, feeLine, nhsaSection } from './nhsa-support.js';
import { CASHIER, SUPERVISOR, livePage, today, useE2E, type E2E } from './e2e/harness.js';
import { SCREENS_DIR } from './e2e/paths.js';
import { openArchiveFile } from '../electron/node/archive-files.js';
import { FileKeyProvider } from '../electron/node/keys.js';

/** `today` moved by whole days (Beijing calendar dates, as the bill has them). */
const day = (offset: number) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

/**
 * The reference insurer for one test (a fresh data folder; started before the harness opens the app, so that
 * config.json can name its gateway), and the harness with that config.json. `down()` closes the gateway, leaving the
 * terminal configured for its port; `up()` starts it there again with the same data (and the same credentials).
 */
function nhsaTerminal(options: { prefix: string; form?: 'single' | 'paths'; faults?: FaultRule[] }) {
  const gw: { insurer: RunningInsurer | null; dir: string; port: number; nhsa: RunningInsurer['nhsa'] | null } = {
    insurer: null,
    dir: '',
    port: 0,
    nhsa: null,
  };
  const start = (port: number) =>
    startInsurer({ dataDir: gw.dir, port, faults: options.faults ?? [], log: () => {} }).then((i) => {
      gw.insurer = i;
      gw.port = i.port;
      gw.nhsa = i.nhsa;
      return i;
    });
  const down = async () => {
    const i = gw.insurer;
    gw.insurer = null;
    await i?.close();
  };
  // Registered before the harness's hooks: the gateway is there when the app opens, and closed after the app.
  beforeEach(async () => {
    gw.dir = mkdtempSync(join(tmpdir(), 'desk-nhsa-gateway-'));
    await start(0);
  });
  afterEach(async () => {
    await down();
    rmSync(gw.dir, { recursive: true, force: true });
  });
  const e2e = useE2E({
    shotPrefix: options.prefix,
    config: {
      get terminal() {
        return { code: 'T01', hospital_code: gw.nhsa!.fixmedinsCode, hospital_name: gw.nhsa!.fixmedinsName };
      },
      // The timer stays out of the way (its first round would come after an hour): the window and the sync
      // screen's button drive every exchange.
      get nhsa() {
        return { ...nhsaSection(gw.nhsa!, { form: options.form ?? 'single' }), interval_seconds: 3600 };
      },
    },
  });
  return {
    e2e,
    insurer: () => {
      if (!gw.insurer) throw new Error('the gateway is down');
      return gw.insurer;
    },
    up: () => start(gw.port),
    down,
  };
}

/** Per test: each runs a whole cashier's flow against the gateway, with sign-ins (scrypt) and a printed slip. */
const FLOW_MS = 120_000;
/** The first page load of a fresh browser, and the slip printer's first print (it starts its Chromium), are slow on a loaded machine. */
const SLOW = { timeout: 45_000 };

/** The harness's open(), with the first page load given the time a loaded 2-core machine needs. */
async function open(e2e: E2E): Promise<void> {
  await e2e.page.goto(e2e.host.url);
  await expect.poll(() => e2e.page.locator('.signin [data-field="code"]').count(), SLOW).toBe(1);
}

/** The NHSA person recorded at the terminal as the insurer seeds them (recordSeeded, through the harness's services). */
function seedNhsaPerson(e2e: E2E): void {
  const s = SEED_PERSONS.find((p) => p.id_number === NHSA_PERSON)!;
  e2e.app.service.persons.record(
    e2e.as(CASHIER),
    asPerson({
      id_number: s.id_number,
      name: s.name,
      gender: s.gender,
      region: s.region,
      scheme: s.scheme,
      retired: s.retired,
      medical_assistance: s.medical_assistance,
      enrolled: s.enrolled,
      accumulators: {},
      as_of: `${today.slice(0, 4)}-01-01T00:00:00+08:00`,
      source: 'cashier',
    }),
  );
}

/** The HIS's item-level bill: a service fully in scope, and the drug the platform has as 乙类 (10% 先行自付). */
function billFile(hospitalLevel: 1 | 2 | 3): string {
  const dir = mkdtempSync(join(tmpdir(), 'desk-nhsa-bill-'));
  const path = join(dir, 'his-bill.json');
  writeFileSync(
    path,
    JSON.stringify({
      admission_date: day(-6),
      discharge_date: today,
      hospital_level: hospitalLevel,
      fee_lines: [
        feeLine('W-1', '002101000010000', '5', '2000.00', '10000.00', day(-6)),
        // The HIS sends the drug as fully in scope; the platform's catalogue splits 10% of it off as 先行自付.
        feeLine('W-2', 'XB01ABE075B002010100001', '100', '200.00', '20000.00', day(-3)),
      ],
    }),
  );
  return path;
}

/** The terminal's journal, read after the action (the app's own handle stays the only writer). */
function journal(dataDir: string): { infno: string; msgid: string; state: string; request: string }[] {
  const db = openStoreFile(join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT infno, msgid, state, request FROM nhsa_steps ORDER BY id').all() as {
      infno: string;
      msgid: string;
      state: string;
      request: string;
    }[];
  } finally {
    db.close();
  }
}
const dataOf = (request: string) => (JSON.parse(request) as { input: { data: unknown } }).input.data;

/** The record's upload-queue row at the terminal (none until F8 wrote the record), read like the journal. */
function outboxRow(dataDir: string, number: string): { status: string; held_reason: string | null } | null {
  const db = openStoreFile(join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    return (
      (db.prepare('SELECT status, held_reason FROM outbox WHERE idempotency_key = ?').get(number) as
        { status: string; held_reason: string | null } | undefined) ?? null
    );
  } finally {
    db.close();
  }
}

/**
 * The latest printed slip's PDF as text, whitespace removed: `layout` keeps a label beside its amount, `raw` (reading
 * order) keeps a table header whole that wraps in the PDF. A PNG of it is kept beside the screenshots to look at.
 */
function slipText(dataDir: string, name: string): { layout: string; raw: string } {
  const db = openStoreFile(join(dataDir, 'desk.sqlite'), { readonly: true });
  let relative: string;
  try {
    relative = db.prepare('SELECT pdf_path FROM slip_prints ORDER BY id DESC LIMIT 1').pluck().get() as string;
  } finally {
    db.close();
  }
  // The archive file is sealed (electron/node/archive-files.ts): its clear PDF kept beside the screenshots.
  const path = join(SCREENS_DIR, `${name}.pdf`);
  writeFileSync(path, openArchiveFile(dataDir, relative, new FileKeyProvider(join(dataDir, 'key'))));
  execFileSync('pdftoppm', ['-png', '-r', '110', '-singlefile', path, join(SCREENS_DIR, name)]);
  const text = (...args: string[]) =>
    execFileSync('pdftotext', [...args, path, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  return { layout: text('-layout'), raw: text() };
}

/**
 * Signed in: F10 立即同步 brings the terminal online (a fresh app is offline until its first round), then F2, the
 * person found with the platform's 1101 answer on the card, and the bill imported.
 */
async function personAndBill(e2e: E2E, insurer: RunningInsurer) {
  const page = e2e.page;
  await page.keyboard.press('F10');
  await page.click('button:has-text("立即同步")');
  await expect.poll(() => page.textContent('[data-testid="sync-online"]')).toContain('在线');
  // The status bar's own copy says so too (F5 asks the platform only when the window knows it is online).
  await expect.poll(() => page.getAttribute('[data-testid="online"]', 'class')).toBe('online');
  await page.keyboard.press('F2');
  await page.fill('[data-field="id_number"]', NHSA_PERSON);
  await page.keyboard.press('Enter');
  // Only a lookup that got the platform's 1101 answer shows the platform's person number.
  await expect.poll(() => page.textContent('[data-testid="nhsa-person"]')).toContain('人员编号');
  expect(await page.textContent('[data-testid="person"]')).toContain('李秀英');
  expect(insurer.nhsaLog().map((l) => l.infno)).toContain('1101');
  await page.setInputFiles('[data-field="import"]', billFile(insurer.nhsa.hospitalLevel));
  await expect.poll(() => page.textContent('[data-testid="fee-lines"]')).toContain('2');
  expect(await page.inputValue('[data-field="hospital_level"]')).toBe(String(insurer.nhsa.hospitalLevel));
}

describe('online NHSA settlement at the window', () => {
  const t = nhsaTerminal({ prefix: 'nhsa-window-' });
  const page = livePage(t.e2e);

  it(
    'F5 shows the platform’s 2303 beside the local preview, F8 settles with 2304 (2303’s input), F9 prints the platform’s settlement',
    async () => {
      const { e2e } = t;
      const insurer = t.insurer();
      e2e.seedOperators(CASHIER);
      seedNhsaPerson(e2e);
      await open(e2e);
      await e2e.signIn(CASHIER);
      await personAndBill(e2e, insurer);

      await page.keyboard.press('F5');
      // Only the platform's answer to this F5 has the presettlement block (pending and failed are other test ids).
      await expect.poll(() => page.locator('[data-testid="platform-presettled"]').count()).toBe(1);
      expect(await page.locator('[data-testid="platform-presettled"] tr.differs').count()).toBeGreaterThan(0);
      expect(await page.getAttribute('[data-testid="platform-row-psn_cash_pay"]', 'class')).toBe('differs');
      expect(await page.textContent('[data-testid="platform-verdict"]')).toContain('本机计算与医保平台不同');
      const localCash = page.locator('[data-testid="psn_cash_pay"]');
      const platformCash = page.locator('[data-testid="platform-psn_cash_pay"]');
      expect(await localCash.isVisible()).toBe(true);
      expect(await platformCash.isVisible()).toBe(true);
      // The terminal's figures group thousands (issue 17): compared without the separators.
      const local = (await localCash.textContent())!.replace(/,/g, '');
      const presettled = (await platformCash.textContent())!.replace(/,/g, '');
      // The amount to collect before F8 is the platform's (its 2303 answered).
      expect((await page.textContent('[data-testid="settle-confirm"]'))!.replace(/,/g, '')).toContain(presettled);
      expect(local).toMatch(/^\d+\.\d{2}$/);
      expect(presettled).toMatch(/^\d+\.\d{2}$/);
      expect(presettled).not.toBe(local);
      // 先行自付 of the 乙类 drug: the patient pays more than the terminal computed.
      expect(new Decimal(presettled).greaterThan(local)).toBe(true);
      expect(insurer.nhsaSettlements()).toEqual([]);
      await e2e.shot('presettled');

      await page.keyboard.press('F8');
      // Only F8's answer has the settled block (the presettlement block is replaced by it).
      await expect.poll(() => page.locator('[data-testid="platform-settled"]').count()).toBe(1);
      expect(await page.locator('[data-testid="platform-presettled"]').count()).toBe(0);
      expect(await page.locator('[data-testid="platform-provisional"]').count()).toBe(0);
      expect(await page.textContent('[data-testid="settled-number"]')).not.toContain('脱机结算');
      const number = /已结算 (T01-S\d{8}-\d{6})/.exec((await page.textContent('[data-testid="settled-number"]'))!)![1]!;
      const ids = (await page.textContent('[data-testid="platform-ids"]'))!;
      const [, setlId, medinsSetlId] = /^结算ID (\S+) · 医药机构结算ID (\S+)$/.exec(ids.trim()) ?? [];
      expect(setlId).toBeTruthy();
      expect(medinsSetlId).toBeTruthy();
      const platformCashPay = (await page.textContent('[data-testid="platform-psn_cash_pay"]'))!;
      expect(platformCashPay).toBe(presettled);
      expect(await page.textContent('[data-testid="platform-verdict"]')).toContain('本机计算与医保平台不同');
      await e2e.shot('settled');

      // The simulator holds one settlement for the stay: this one.
      const settlements = insurer.nhsaSettlements();
      expect(settlements).toHaveLength(1);
      expect(settlements[0]).toMatchObject({
        setl_id: setlId,
        status: 'settled',
        medfee_sumamt: '30000.00',
        psn_cash_pay: platformCashPay,
      });
      // 2304 was sent with exactly the data 2303 presettled.
      const steps = journal(e2e.dataDir);
      const presettle = steps.filter((s) => s.infno === '2303');
      const settle = steps.filter((s) => s.infno === '2304');
      expect(presettle).toHaveLength(1);
      expect(settle).toHaveLength(1);
      expect(dataOf(settle[0]!.request)).toEqual(dataOf(presettle[0]!.request));
      expect(settle[0]!.msgid).toBe(medinsSetlId);
      expect(steps.map((s) => s.infno)).toEqual(['9001', '1101', '2401', '2301', '2303', '2402', '2304']);
      expect(steps.every((s) => s.state === 'answered')).toBe(true);
      // The record left the upload queue answered by F8 (no row before F8; a held or queued row would be another
      // state): adjusted, since the platform's split differs from the terminal's.
      await expect.poll(() => outboxRow(e2e.dataDir, number)).toEqual({ status: 'adjusted', held_reason: null });

      await page.keyboard.press('F9');
      await expect.poll(() => page.locator('[data-testid="slip-frame"]').count(), SLOW).toBe(1);
      const frame = page.frameLocator('[data-testid="slip-frame"]');
      await expect.poll(() => frame.locator('body').textContent()).toContain(`国家医保平台结算ID ${setlId}`);
      const html = (await frame.locator('body').textContent())!;
      expect(html).toContain(`医药机构结算ID ${medinsSetlId}`);
      expect(html).toContain('与本机计算不同（以平台为准）');
      expect(html).not.toContain('脱机结算');
      const pdf = slipText(e2e.dataDir, 'nhsa-window-slip-pdf');
      expect(pdf.layout).toContain(`国家医保平台结算ID${setlId}`);
      expect(pdf.layout).toContain(`医药机构结算ID${medinsSetlId}`);
      expect(pdf.raw).toContain('与本机计算不同（以平台为准）');
      // The slip's cash is the platform's.
      // The slip may group thousands: compared without the separators.
      expect(pdf.layout.replace(/,/g, '')).toContain(`个人现金支付¥${platformCashPay.replace(/,/g, '')}`);
      await e2e.shot('slip');

      // The sync screen, opened after F8 (its queue line appears only with its own answer, asked on opening): nothing
      // to upload and nothing held, and no work item for the record (F8 collected the platform's cash).
      await page.keyboard.press('F10');
      await expect.poll(() => page.locator('[data-testid="sync-queued"]').count()).toBe(1);
      expect(await page.textContent('[data-testid="sync-queued"]')).toBe('待上传 0 条');
      expect(await page.locator('[data-testid="work"] tr', { hasText: number }).count()).toBe(0);
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 0');
    },
    FLOW_MS,
  );
});

describe('an NHSA terminal offline and back', () => {
  const t = nhsaTerminal({ prefix: 'nhsa-offline-' });
  const page = livePage(t.e2e);

  it(
    'the gateway down at F5: the local preview with the platform’s failure, F8 provisional; sync drains it and shows 多退少补',
    async () => {
      const { e2e } = t;
      e2e.seedOperators(CASHIER);
      seedNhsaPerson(e2e);
      await open(e2e);
      await e2e.signIn(CASHIER);
      await personAndBill(e2e, t.insurer());

      // The gateway goes down after the lookup.
      await t.down();
      await page.keyboard.press('F5');
      // Only a failed presettlement shows this (pending comes first; a presettled block would be another test id).
      await expect.poll(() => page.locator('[data-testid="platform-failed"]').count()).toBe(1);
      expect(await page.textContent('[data-testid="platform-failed"]')).toContain('医保平台未应答');
      expect(await page.locator('[data-testid="platform-presettled"]').count()).toBe(0);
      // The screen groups thousands (issue 17): the amount without its separators.
      expect(await page.textContent('[data-testid="psn_cash_pay"]')).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
      const local = (await page.textContent('[data-testid="psn_cash_pay"]'))!.replace(/,/g, '');

      await page.keyboard.press('F8');
      await expect.poll(() => page.locator('[data-testid="settled-number"]').count()).toBe(1);
      await expect.poll(() => page.textContent('[data-testid="platform-provisional"]')).toContain('未经医保平台预结算');
      expect(await page.locator('[data-testid="platform-settled"]').count()).toBe(0);
      const number = /已结算 (T01-S\d{8}-\d{6})/.exec((await page.textContent('[data-testid="settled-number"]'))!)![1]!;
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 1');
      await e2e.shot('provisional');

      // The slip says the amounts are the terminal's, to be confirmed.
      await page.keyboard.press('F9');
      await expect.poll(() => page.locator('[data-testid="slip-frame"]').count(), SLOW).toBe(1);
      const frame = page.frameLocator('[data-testid="slip-frame"]');
      await expect.poll(() => frame.locator('body').textContent()).toContain('以医保部门确认为准');
      expect(await frame.locator('body').textContent()).not.toContain('国家医保平台结算ID');

      // The gateway is back (same port, same data); a supervisor syncs.
      const insurer = await t.up();
      await e2e.signOut();
      await e2e.signIn(SUPERVISOR);
      await page.keyboard.press('F10');
      await expect.poll(() => page.locator('[data-testid="sync-queued"]').count()).toBe(1);
      await page.click('button:has-text("立即同步")');
      // Only the drained record has its adjustment (医保调整) on the work list; held, it would be 搁置 there.
      const row = page.locator('[data-testid="work"] tr', { hasText: number });
      await expect.poll(() => row.locator('td:nth-child(3)', { hasText: /^医保调整$/ }).count()).toBe(1);
      // Exactly: nothing to upload and nothing held (a held row adds "· 搁置 n 条" / "（搁置 n）").
      await expect.poll(() => page.textContent('[data-testid="sync-queued"]')).toBe('待上传 0 条');
      expect(await page.textContent('[data-testid="sync-online"]')).toContain('在线');
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 0');

      // The platform settled it once, with its own split: the work list has the adjustment (多退少补).
      const settled = insurer.nhsaSettlements();
      expect(settled).toHaveLength(1);
      expect(settled[0]).toMatchObject({ status: 'settled', medfee_sumamt: '30000.00' });
      expect(new Decimal(settled[0]!.psn_cash_pay).greaterThan(local)).toBe(true);
      expect(await row.count()).toBe(1);
      const text = (await row.textContent())!;
      expect(text).toContain('医保调整');
      expect(text).toContain('多退少补');
      expect(await row.locator('td').nth(5).textContent()).toBe(
        formatAmount(new Decimal(settled[0]!.psn_cash_pay).minus(local)),
      );
      await e2e.shot('drained');

      // Every 2304 went up once, from the queue.
      const steps = journal(e2e.dataDir);
      expect(steps.filter((s) => s.infno === '2304' && s.state === 'answered')).toHaveLength(1);
      expect(insurer.nhsaLog().filter((l) => l.infno === '2304')).toHaveLength(1);
      // The 2401 the failed F5 left unanswered was resolved (2601) before the stay was registered again: one stay.
      expect(insurer.nhsaLog().filter((l) => l.infno === '2401' && l.infcode === 0)).toHaveLength(1);
      expect(steps.filter((s) => s.infno === '2401').map((s) => s.state)).toEqual(['reversed', 'answered']);
    },
    FLOW_MS,
  );
});

describe('the link drops after the platform committed the 2304', () => {
  const t = nhsaTerminal({
    prefix: 'nhsa-drop-',
    form: 'paths',
    faults: [{ fault: 'drop_after_commit', count: 1, path: DEFAULT_PATHS['2304'] }],
  });
  const page = livePage(t.e2e);

  it(
    'F8 settles locally with the amounts provisional; the sync sends 2601 and the record ends settled once',
    async () => {
      const { e2e } = t;
      const insurer = t.insurer();
      e2e.seedOperators(CASHIER);
      seedNhsaPerson(e2e);
      await open(e2e);
      await e2e.signIn(CASHIER);
      await personAndBill(e2e, insurer);

      await page.keyboard.press('F5');
      await expect.poll(() => page.locator('[data-testid="platform-presettled"]').count()).toBe(1);
      const presettled = (await page.textContent('[data-testid="platform-psn_cash_pay"]'))!;

      await page.keyboard.press('F8');
      await expect.poll(() => page.locator('[data-testid="platform-provisional"]').count()).toBe(1);
      const provisional = (await page.textContent('[data-testid="platform-provisional"]'))!;
      expect(provisional).toContain('医保平台未完成');
      expect(provisional).toContain('以医保部门确认为准');
      expect(await page.locator('[data-testid="platform-settled"]').count()).toBe(0);
      const number = /已结算 (T01-S\d{8}-\d{6})/.exec((await page.textContent('[data-testid="settled-number"]'))!)![1]!;
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 1');
      // The platform committed it; the terminal does not know.
      expect(insurer.nhsaSettlements()).toMatchObject([{ status: 'settled' }]);
      const lost = journal(e2e.dataDir).filter((s) => s.infno === '2304');
      expect(lost).toHaveLength(1);
      // No answer recorded: its outcome is unknown to the terminal.
      expect(['sent', 'unknown']).toContain(lost[0]!.state);
      await e2e.shot('provisional');

      await e2e.signOut();
      await e2e.signIn(SUPERVISOR);
      await page.keyboard.press('F10');
      await expect.poll(() => page.locator('[data-testid="sync-queued"]').count()).toBe(1);
      await page.click('button:has-text("立即同步")');
      // Only the record settled (once) by the sync has its adjustment (医保调整) on the work list; held, it would be 搁置.
      const row = page.locator('[data-testid="work"] tr', { hasText: number });
      await expect.poll(() => row.locator('td:nth-child(3)', { hasText: /^医保调整$/ }).count()).toBe(1);
      // Exactly: nothing to upload and nothing held (a held row adds "· 搁置 n 条" / "（搁置 n）").
      await expect.poll(() => page.textContent('[data-testid="sync-queued"]')).toBe('待上传 0 条');
      await expect.poll(() => page.textContent('[data-testid="queued"]')).toBe('待上传 0');

      // The lost 2304 was cancelled by 2601 (its msgid), then settled again: once in force at the platform.
      const log = insurer.nhsaLog();
      expect(log.filter((l) => l.infno === '2601')).toHaveLength(1);
      const platform = insurer.nhsaSettlements();
      expect(platform.filter((s) => s.status === 'settled')).toHaveLength(1);
      expect(platform.filter((s) => s.status === 'settled')[0]).toMatchObject({
        medfee_sumamt: '30000.00',
        psn_cash_pay: presettled,
      });
      const steps = journal(e2e.dataDir);
      const sent2304 = steps.filter((s) => s.infno === '2304');
      expect(sent2304).toHaveLength(2);
      expect(sent2304.map((s) => s.state)).toEqual(['reversed', 'answered']);
      expect(new Set(sent2304.map((s) => s.msgid)).size).toBe(2);
      const twoThree = steps.filter((s) => s.infno === '2303');
      for (const s of sent2304) expect(dataOf(s.request)).toEqual(dataOf(twoThree[twoThree.length - 1]!.request));
      const reversal = steps.filter((s) => s.infno === '2601');
      expect(reversal).toHaveLength(1);
      expect((JSON.parse(reversal[0]!.request) as { input: { data: { omsgid: string } } }).input.data.omsgid).toBe(
        sent2304[0]!.msgid,
      );
      // Settled once, by the platform's split: the adjustment (多退少补) is on the work list.
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toContain('医保调整');
      await e2e.shot('drained');
    },
    FLOW_MS,
  );
});
