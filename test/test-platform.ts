/**
 * The tests' Platform (electron/node/platform.ts): the store's key in a file in
 * the test's folder, printing through the printer a test gives (a real
 * Chromium in the slip and e2e tests, or a stand-in), published documents
 * handed to the test, and a fixed printer list when a test asks for one. The
 * real Chromium PDF tests still print through ChromiumSlipPrinter.
 */
import { join } from 'node:path';
import type { PrinterInfo } from '../shared/settings.js';
import { FileKeyProvider, type KeyProvider } from '../electron/node/keys.js';
import type { Platform, PublishedUrls } from '../electron/node/platform.js';
import type { SlipPrinter } from '../electron/node/printer.js';

export function testPlatform(
  dataDir: string,
  options: {
    /** Shared by the tests of a file: the platform does not close it. */
    printer?: Pick<SlipPrinter, 'toPdf'>;
    publish?: (html: string, pdf: Buffer) => PublishedUrls | null;
    printers?: PrinterInfo[];
    /** Another key source than the folder's key file (a fixed key, a wrong key). */
    keys?: KeyProvider;
  } = {},
): Platform {
  return {
    print: (html, layout) =>
      options.printer ? options.printer.toPdf(html, layout) : Promise.reject(new Error('no printer in this test')),
    publish: async (html, pdf) => options.publish?.(html, pdf) ?? null,
    listPrinters: options.printers ? async () => options.printers! : null,
    keys: options.keys ?? new FileKeyProvider(join(dataDir, 'key')),
    close: async () => undefined,
  };
}
