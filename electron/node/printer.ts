/**
 * Turning a slip's HTML into a PDF (and, in the app, onto paper). Two engines:
 * Electron's own Chromium in the app (electron-printer.ts) and Debian's
 * Chromium through playwright-core in the browser host and the tests.
 */
import type { SlipLayout } from '../../shared/slip/slip.js';

export interface RenderedPdf {
  pdf: Buffer;
  /** Page size used, in millimetres (receipt height follows the content). */
  widthMm: number;
  heightMm: number;
}

export interface SlipPrinter {
  toPdf(html: string, layout: SlipLayout): Promise<RenderedPdf>;
  close(): Promise<void>;
}

/** Receipt paper is continuous: the page is as tall as the content, plus a small tail for tearing off. */
export function receiptHeightMm(contentHeightCssPx: number): number {
  const mm = (contentHeightCssPx * 25.4) / 96;
  return Math.ceil(mm + 6);
}
