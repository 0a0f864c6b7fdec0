/**
 * The Electron app's Platform: slips printed by Electron's own Chromium onto
 * the configured printer, keys protected by safeStorage (the OS keychain /
 * DPAPI), the system's printers from a window's webContents; nothing is
 * published (the window did not ask for a download: the slip went to paper).
 */
import { join } from 'node:path';
import { app, BrowserWindow, safeStorage } from 'electron';
import { loadConfig } from '../node/config.js';
import type { Platform } from '../node/platform.js';
import { ElectronSlipPrinter } from './electron-printer.js';
import { SafeStorageKeyProvider, anchorFolderIn } from './safe-storage-keys.js';

export function electronPlatform(dataDir: string): Platform {
  const keys = new SafeStorageKeyProvider(
    safeStorage,
    join(dataDir, 'key.bin'),
    process.platform,
    anchorFolderIn(app.getPath('userData')),
  );
  const printer = new ElectronSlipPrinter(
    (options) => new BrowserWindow(options),
    () => {
      // Read at each print, so a change on the settings screen applies to the next slip.
      const p = loadConfig(dataDir, keys).printer;
      return { deviceName: p.device_name, dpi: p.dpi, preview: p.preview };
    },
  );
  return {
    print: (html, layout) => printer.toPdf(html, layout),
    publish: async () => null,
    // Electron asks the OS through a window's webContents; the first window is the app's.
    listPrinters: async () => {
      const win = BrowserWindow.getAllWindows()[0];
      if (!win) return [];
      return (await win.webContents.getPrintersAsync()).map((p) => ({ name: p.name, display_name: p.displayName }));
    },
    keys,
    close: () => printer.close(),
  };
}
