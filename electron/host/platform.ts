/**
 * The browser host's Platform: slips rendered to PDF by Debian's Chromium
 * (playwright-core), published for the page to show and download (the cashier
 * prints from the browser's dialog, so there is no printer list), and the
 * store's key in a file readable only by its owner.
 */
import { FileKeyProvider, keyFileFor } from '../node/keys.js';
import type { Platform, PublishedUrls } from '../node/platform.js';
import { ChromiumSlipPrinter } from './chromium-printer.js';

export function hostPlatform(
  dataDir: string,
  publish: (html: string, pdf: Buffer) => PublishedUrls,
  printer = new ChromiumSlipPrinter(),
): Platform {
  // $DESK_KEY_FILE, outside the data folder on a terminal; <data>/key only with DESK_ALLOW_KEY_IN_DATA=1.
  const key = keyFileFor(dataDir);
  return {
    print: (html, layout) => printer.toPdf(html, layout),
    publish: async (html, pdf) => publish(html, pdf),
    listPrinters: null,
    keys: new FileKeyProvider(key.path, key.options),
    close: () => printer.close(),
  };
}
