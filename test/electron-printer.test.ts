/**
 * The Electron printer with the BrowserWindow replaced by a test double (the
 * binary is not available here): explicit page size in microns, no margins,
 * explicit dpi, silent; the slip window is sandboxed with JavaScript off.
 */
import { describe, expect, it } from 'vitest';
import { ElectronSlipPrinter, printOptions, type PrinterSettings } from '../electron/main/electron-printer.js';

class FakeWindow {
  static made: FakeWindow[] = [];
  printed: unknown[] = [];
  pdfOptions: unknown[] = [];
  destroyed = false;
  loaded = '';
  constructor(readonly options: any) {
    FakeWindow.made.push(this);
  }
  loadURL(url: string) {
    this.loaded = url;
    return Promise.resolve();
  }
  destroy() {
    this.destroyed = true;
  }
  webContents = {
    setWindowOpenHandler: () => undefined,
    on: () => undefined,
    executeJavaScript: () => Promise.resolve(960),
    printToPDF: (o: unknown) => {
      this.pdfOptions.push(o);
      return Promise.resolve(Buffer.from('%PDF-fake'));
    },
    print: (o: unknown, cb: (ok: boolean, reason: string) => void) => {
      this.printed.push(o);
      cb(true, '');
    },
  };
}

const settings: PrinterSettings = { deviceName: 'XP-80C', dpi: 203, preview: false };

describe('Electron slip printer', () => {
  it("prints a receipt silently with its size in microns, no margins and the printer's dpi", async () => {
    FakeWindow.made = [];
    const printer = new ElectronSlipPrinter(
      (o) => new FakeWindow(o) as any,
      () => settings,
    );
    const out = await printer.toPdf('<p>slip</p>', 'receipt80');
    const win = FakeWindow.made[0]!;
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      javascript: false,
    });
    expect(win.options.show).toBe(false);
    // 960 CSS px of content = 254 mm, + 6 mm tail
    expect(out.heightMm).toBe(260);
    expect(win.printed).toEqual([
      expect.objectContaining({
        silent: true,
        deviceName: 'XP-80C',
        margins: { marginType: 'none' },
        dpi: { horizontal: 203, vertical: 203 },
        pageSize: { width: 80_000, height: 260_000 },
        scaleFactor: 100,
      }),
    ]);
    expect(win.pdfOptions[0]).toMatchObject({
      margins: { top: 0, bottom: 0, left: 0, right: 0 },
      pageSize: { width: 80 / 25.4, height: 260 / 25.4 },
    });
    expect(win.loaded.startsWith('data:text/html;charset=utf-8,')).toBe(true);
    expect(win.destroyed).toBe(true);
  });

  it('A5 uses 148 × 210 mm; preview shows a window instead of printing', async () => {
    FakeWindow.made = [];
    const printer = new ElectronSlipPrinter(
      (o) => new FakeWindow(o) as any,
      () => ({ ...settings, preview: true }),
    );
    await printer.toPdf('<p>slip</p>', 'a5');
    expect(FakeWindow.made).toHaveLength(2);
    expect(FakeWindow.made[0]!.printed).toEqual([]);
    expect(FakeWindow.made[1]!.options.show).toBe(true);
    expect(printOptions(settings, 148, 210).pageSize).toEqual({ width: 148_000, height: 210_000 });
  });
});
