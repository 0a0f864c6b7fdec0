/**
 * PDF rendering with Debian's Chromium through playwright-core (browser host and tests).
 * playwright-core is loaded at the first print, not at start: importing it costs
 * more than the rest of the host's start.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { DeskError } from '../../shared/errors.js';
import { PAGE, type SlipLayout } from '../../shared/slip/slip.js';
import { receiptHeightMm, type RenderedPdf, type SlipPrinter } from '../node/printer.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class ChromiumSlipPrinter implements SlipPrinter {
  private browser: Promise<Browser> | null = null;

  constructor(private readonly executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium') {}

  private launch(): Promise<Browser> {
    if (!existsSync(this.executablePath))
      throw new DeskError(
        'print_failed',
        '',
        `无法打印：本机未安装 Chromium（${this.executablePath}）。请 IT 安装：apt-get install chromium fonts-noto-cjk（或运行 npm run start:fresh）`,
        `cannot print: Chromium is not installed on this machine (${this.executablePath}); IT can install it with apt-get install chromium fonts-noto-cjk (or run npm run start:fresh)`,
      );
    // A failed launch is not kept: the next print tries again.
    this.browser ??= import('playwright-core')
      .then(({ chromium }) => chromium.launch({ executablePath: this.executablePath, args: CHROMIUM_ARGS }))
      .catch((e: unknown) => {
        this.browser = null;
        throw e;
      });
    return this.browser;
  }

  async toPdf(html: string, layout: SlipLayout): Promise<RenderedPdf> {
    const browser = await this.launch();
    // JavaScript off: a slip is a document, nothing in it runs.
    const page = await browser.newPage({ javaScriptEnabled: false });
    try {
      const size = PAGE[layout];
      await page.setViewportSize({ width: Math.round((size.widthMm * 96) / 25.4), height: 800 });
      await page.setContent(html, { waitUntil: 'load' });
      const height = size.heightMm ?? receiptHeightMm(await page.evaluate('document.documentElement.scrollHeight'));
      const pdf = await page.pdf({
        width: `${size.widthMm}mm`,
        height: `${height}mm`,
        margin: { top: '0', right: '0', bottom: '0', left: '0' },
        printBackground: true,
        preferCSSPageSize: false,
      });
      return { pdf, widthMm: size.widthMm, heightMm: height };
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    if (this.browser) await (await this.browser).close();
    this.browser = null;
  }
}
