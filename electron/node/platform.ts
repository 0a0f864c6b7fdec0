/**
 * What only the parent process can do, as one interface with one
 * implementation per platform: the Electron app (electron/main/platform.ts),
 * the browser host (electron/host/platform.ts) and the tests
 * (test/support/test-platform.ts). The services worker reaches its parent's
 * through worker messages (electron/worker/parent-platform.ts).
 */
import type { PrinterInfo } from '../../shared/settings.js';
import type { SlipLayout } from '../../shared/slip/slip.js';
import type { KeyProvider } from './keys.js';
import type { RenderedPdf } from './printer.js';

/** Where the window fetches a printed document (browser host). */
export interface PublishedUrls {
  html_url: string;
  pdf_url: string;
}

export interface Platform {
  /** Renders a slip or report to PDF; in the app it also goes to the printer. */
  print(html: string, layout: SlipLayout): Promise<RenderedPdf>;
  /** Makes a printed document fetchable by the window; null where it was printed directly (Electron). */
  publish(html: string, pdf: Buffer): Promise<PublishedUrls | null>;
  /** The system's printers for the settings screen; null where printing goes through the browser's dialog. */
  listPrinters: (() => Promise<PrinterInfo[]>) | null;
  /**
   * Key storage outside the data folder: the store's master key today; the
   * place for integrity anchors (chain head, sequence high-water marks) too.
   */
  keys: KeyProvider;
  /** Releases what the platform holds (a browser for printing). */
  close(): Promise<void>;
}
