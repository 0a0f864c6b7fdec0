/** PDF rendering with Debian's Chromium through playwright-core (browser host and tests). */
import { chromium, type Browser } from 'playwright-core';
import { PAGE, type SlipLayout } from '../../shared/slip/slip.js';
import { receiptHeightMm, type RenderedPdf, type SlipPrinter } from './printer.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class ChromiumSlipPrinter implements SlipPrinter {
  private browser: Promise<Browser> | null = null;

  constructor(private readonly executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium') {}

  private launch(): Promise<Browser> {
    this.browser ??= chromium.launch({ executablePath: this.executablePath, args: CHROMIUM_ARGS });
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
      const pdf = await page.pdf({ width: `${size.widthMm}mm`, height: `${height}mm`, margin: { top: '0', right: '0', bottom: '0', left: '0' }, printBackground: true, preferCSSPageSize: false });
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
