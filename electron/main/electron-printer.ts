/**
 * Printing in the Electron app. Receipt printers misbehave with Electron's
 * defaults (wrong page size, margins, scaling), so every job states its page
 * size in microns, no margins, and the printer's dpi explicitly. Each slip is
 * loaded into a hidden, sandboxed window with JavaScript off, printed silently
 * to the configured printer (or shown in a preview window), and rendered to
 * PDF for the archive with the same page size.
 */
import type { BrowserWindow as ElectronBrowserWindow, WebContentsPrintOptions } from 'electron';
import { PAGE, type SlipLayout } from '../../shared/slip/slip.js';
import { receiptHeightMm, type RenderedPdf, type SlipPrinter } from '../node/printer.js';

export interface PrinterSettings {
  /** The system printer's name; empty = the default printer. */
  deviceName: string;
  dpi: number;
  /** Show the slip in a window instead of printing silently. */
  preview: boolean;
}

type WindowFactory = (options: ConstructorParameters<typeof ElectronBrowserWindow>[0]) => ElectronBrowserWindow;

const MICRONS_PER_MM = 1000;

/** The exact print options for a page, exported for its test. */
export function printOptions(settings: PrinterSettings, widthMm: number, heightMm: number): WebContentsPrintOptions {
  return {
    silent: true,
    printBackground: true,
    deviceName: settings.deviceName,
    color: false,
    margins: { marginType: 'none' },
    landscape: false,
    pagesPerSheet: 1,
    copies: 1,
    scaleFactor: 100,
    dpi: { horizontal: settings.dpi, vertical: settings.dpi },
    pageSize: { width: Math.round(widthMm * MICRONS_PER_MM), height: Math.round(heightMm * MICRONS_PER_MM) },
  };
}

export class ElectronSlipPrinter implements SlipPrinter {
  constructor(
    private readonly makeWindow: WindowFactory,
    private readonly settings: () => PrinterSettings,
  ) {}

  private async load(html: string, widthMm: number, show: boolean): Promise<ElectronBrowserWindow> {
    const win = this.makeWindow({
      show,
      width: Math.round((widthMm * 96) / 25.4) + 40,
      height: 900,
      title: '结算单预览',
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        javascript: false,
        webSecurity: true,
      },
    });
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (e) => e.preventDefault());
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    return win;
  }

  async toPdf(html: string, layout: SlipLayout): Promise<RenderedPdf> {
    const size = PAGE[layout];
    const win = await this.load(html, size.widthMm, false);
    try {
      const contentPx =
        size.heightMm === null
          ? ((await win.webContents.executeJavaScript('document.documentElement.scrollHeight', true)) as number)
          : 0;
      const heightMm = size.heightMm ?? receiptHeightMm(contentPx);
      const pdf = await win.webContents.printToPDF({
        pageSize: { width: size.widthMm / 25.4, height: heightMm / 25.4 },
        margins: { top: 0, bottom: 0, left: 0, right: 0 },
        printBackground: true,
        preferCSSPageSize: false,
      });
      const settings = this.settings();
      if (settings.preview) {
        await this.load(html, size.widthMm, true);
      } else {
        await new Promise<void>((resolve, reject) =>
          win.webContents.print(printOptions(settings, size.widthMm, heightMm), (ok, reason) =>
            ok ? resolve() : reject(new Error(`打印失败：${reason}`)),
          ),
        );
      }
      return { pdf: Buffer.from(pdf), widthMm: size.widthMm, heightMm };
    } finally {
      win.destroy();
    }
  }

  async close(): Promise<void> {}
}
