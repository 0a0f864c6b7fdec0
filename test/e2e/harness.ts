/**
 * The one e2e harness: real Chromium against the browser host, with a fresh
 * data folder (and a fresh browser context) for every test, so each test can
 * run alone with `-t`. What a test needs that is not what it tests (operators,
 * persons, settlements) is seeded through the services, not by replaying screens.
 *
 * Waits target something only the expected screen has: the sign-in card
 * (`.signin`) for signed out, the status bar's operator for signed in.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { startHost, type RunningHost } from '../../electron/host/server.js';
import { testPlatform } from '../test-platform.js';
import { openDeskApp, type DeskApp, type DeskAppOptions } from '../../electron/worker/desk-app.js';
import { ChromiumSlipPrinter, CHROMIUM_ARGS } from '../../electron/host/chromium-printer.js';
import { businessDate } from '../../electron/worker/store/clock.js';
import type { Session } from '../../electron/worker/services/desk-service.js';
import { asBill, asPerson, idNumber } from '../store-support.js';
import { E2E_RENDERER_DIR, SCREENS_DIR } from './paths.js';

export const today = businessDate(new Date());
export const year = today.slice(0, 4);

export const SUPERVISOR = { code: 'sup1', name: '王主管', role: 'supervisor', pin: '246810' } as const;
export const CASHIER = { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' } as const;
export const CLERK = { code: 'clerk1', name: '赵审核', role: 'claims_clerk', pin: '112233' } as const;
type Operator = typeof SUPERVISOR | typeof CASHIER | typeof CLERK;

export interface E2EOptions {
  /** Chromium's and the page's locale. */
  locale?: string;
  /** Prefix of the screenshot files. */
  shotPrefix?: string;
  /** Written to config.json before the app opens. */
  config?: Record<string, unknown>;
  /** Insurer settings (the reference service on 127.0.0.1); evaluated per test. */
  sync?: () => DeskAppOptions['sync'];
}

export interface PersonSeed {
  seed: number;
  name: string;
  region?: string;
  scheme?: 'employee' | 'resident';
  enrolled?: Record<string, boolean>;
  /** Year-to-date accumulators as stated (person.record's shape), as of 1 January; none when absent. */
  accumulators?: Record<string, object>;
}

export interface E2E {
  readonly page: Page;
  readonly app: DeskApp;
  readonly host: RunningHost;
  readonly dataDir: string;
  shot(name: string): Promise<void>;
  /** Opens the window (the sign-in card). */
  open(): Promise<void>;
  signIn(op: { code: string; pin: string }): Promise<void>;
  signOut(): Promise<void>;
  /** The first supervisor and the given operators, created through the services (those not there yet). */
  seedOperators(...others: Operator[]): void;
  /** A session of the given (seeded) operator, for seeding through the services. */
  as(op: Operator): Session;
  seedPerson(by: Operator, p: PersonSeed): { person_id: number; id_number: string };
  /** A settled (offline) bill of `medfee` for the person, by the operator. */
  seedSettlement(by: Operator, personId: number, medfee: string): { number: string };
}

/** Registers the hooks of a file (or describe) and returns the handle its tests use. */
export function useE2E(options: E2EOptions = {}): E2E {
  const locale = options.locale ?? 'zh-CN';
  let browser: Browser;
  let context: BrowserContext | null = null;
  let page: Page;
  let app: DeskApp | null = null;
  let host: RunningHost | null = null;
  let dataDir = '';
  // One slip printer (a Chromium of its own) for the file: each test's app closes only its handle.
  let printer: ChromiumSlipPrinter;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, `--lang=${locale}`],
    });
    printer = new ChromiumSlipPrinter();
    mkdirSync(SCREENS_DIR, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await printer?.close();
    await browser?.close();
  });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-e2e-'));
    if (options.config) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(options.config));
    let published: RunningHost | null = null;
    const sync = options.sync?.();
    app = openDeskApp({
      dataDir,
      platform: testPlatform(dataDir, { printer, publish: (h, p) => published?.publish(h, p) ?? null }),
      ...(sync ? { sync } : {}),
    });
    host = await startHost({ staticDir: E2E_RENDERER_DIR, handlers: app.handlers });
    published = host;
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 60_000);
  afterEach(async () => {
    await context?.close();
    await host?.close();
    await app?.close();
    context = null;
    host = null;
    app = null;
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const sessions = new Map<string, Session>();
  beforeEach(() => sessions.clear());

  const e2e: E2E = {
    get page() {
      return page;
    },
    get app() {
      if (!app) throw new Error('no app outside a test');
      return app;
    },
    get host() {
      if (!host) throw new Error('no host outside a test');
      return host;
    },
    get dataDir() {
      return dataDir;
    },
    async shot(name) {
      await page.screenshot({ path: `${SCREENS_DIR}/${options.shotPrefix ?? ''}${name}.png`, fullPage: true });
    },
    async open() {
      await page.goto(e2e.host.url);
      await expect.poll(() => page.locator('.signin [data-field="code"]').count()).toBe(1);
    },
    async signIn(op) {
      await page.fill('.signin [data-field="code"]', op.code);
      await page.fill('.signin [data-field="pin"]', op.pin);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('[data-testid="operator"]').count()).toBe(1);
    },
    async signOut() {
      await page.click('[data-testid="sign-out"]');
      // Only the sign-in screen has the card; the settings screen has a PIN field of its own.
      await expect.poll(() => page.locator('.signin').count()).toBe(1);
      await expect.poll(() => page.locator('[data-testid="operator"]').count()).toBe(0);
    },
    seedOperators(...others) {
      if (e2e.app.service.operators.needsFirst()) e2e.app.service.operators.create(null, SUPERVISOR);
      const existing = new Set(e2e.app.service.operators.list(e2e.as(SUPERVISOR)).map((o) => o.code));
      for (const op of others) if (!existing.has(op.code)) e2e.app.service.operators.create(e2e.as(SUPERVISOR), op);
    },
    as(op) {
      let s = sessions.get(op.code);
      if (!s) sessions.set(op.code, (s = e2e.app.service.operators.login({ code: op.code, pin: op.pin })));
      return s;
    },
    seedPerson(by, p) {
      const id_number = idNumber(p.seed);
      const { person_id } = e2e.app.service.persons.record(
        e2e.as(by),
        asPerson({
          id_number,
          name: p.name,
          gender: 'M',
          region: p.region ?? 'dazhou',
          scheme: p.scheme ?? 'employee',
          retired: false,
          medical_assistance: false,
          enrolled: p.enrolled ?? {},
          accumulators: p.accumulators ?? {},
          as_of: `${year}-01-01T00:00:00+08:00`,
          source: 'cashier',
        }),
      );
      return { person_id, id_number };
    },
    seedSettlement(by, personId, medfee) {
      const { number } = e2e.app.service.settlements.settle(
        e2e.as(by),
        asBill({
          person_id: personId,
          hospital_level: 3,
          admission_date: `${year}-01-02`,
          discharge_date: today,
          costs: [
            {
              date: today,
              medfee_sumamt: medfee,
              fulamt_ownpay_amt: '0.00',
              overlmt_selfpay: '0.00',
              preselfpay_amt: '0.00',
            },
          ],
          offline: true,
        }),
      );
      return { number };
    },
  };
  return e2e;
}

/** The current test's page, for test code written against one `page`. */
export function livePage(e2e: E2E): Page {
  return new Proxy({} as Page, {
    get(_, key) {
      const p = e2e.page as unknown as Record<PropertyKey, unknown>;
      const v = p[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(e2e.page) : v;
    },
  });
}

/**
 * Counts the requests the page sends from now on that `match`. For "X was never sent": read it once the answer to a
 * request sent after X would have been (page.waitForResponse), since the page reports its requests in the order it
 * sends them, and a request's answer after the request.
 */
export function countRequests(page: Page, match: (r: Request) => boolean): () => number {
  let n = 0;
  page.on('request', (r) => {
    if (match(r)) n++;
  });
  return () => n;
}

/** A request (or its response) of the window's call of a services channel, the browser host's /ipc/<channel>. */
export const ipc =
  (channel: string) =>
  (r: { url(): string }): boolean =>
    new URL(r.url()).pathname === `/ipc/${encodeURIComponent(channel)}`;
