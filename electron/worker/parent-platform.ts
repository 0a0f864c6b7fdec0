/**
 * The services worker's Platform: what only the parent can do (print,
 * publish, list printers), asked of it by worker messages and answered by
 * host-reply messages; key storage is the master key the parent read and
 * handed over at start (Electron's safeStorage is main-thread only).
 */
import type { MessagePort } from 'node:worker_threads';
import { DeskError } from '../../shared/errors.js';
import type { PrinterInfo } from '../../shared/settings.js';
import type { Platform, PublishedUrls } from '../node/platform.js';
import type { RenderedPdf } from '../node/printer.js';
import type { FromWorker, HostRequest, ServicesWorkerData, ToWorker } from '../node/worker-messages.js';

export interface ParentPlatform extends Platform {
  /** Feeds the parent's host-reply messages back to the waiting request. */
  answer(message: Extract<ToWorker, { type: 'host-reply' }>): void;
}

export function parentPlatform(port: MessagePort, data: ServicesWorkerData): ParentPlatform {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ask = (request: HostRequest): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      port.postMessage({ type: 'host', id, ...request } satisfies FromWorker);
    });
  };
  const key = Buffer.from(data.masterKey);
  return {
    async print(html, layout) {
      const r = (await ask({ op: 'print', html, layout }).catch((e: unknown) => {
        const why = e instanceof Error ? e.message : String(e);
        throw new DeskError(
          'print_failed',
          '',
          why.startsWith('打印失败') ? why : `打印失败：${why}`,
          `printing failed: ${why}`,
        );
      })) as { pdf: Uint8Array; widthMm: number; heightMm: number };
      return { pdf: Buffer.from(r.pdf), widthMm: r.widthMm, heightMm: r.heightMm } satisfies RenderedPdf;
    },
    publish: async (html, pdf) =>
      (await ask({ op: 'publish', html, pdf: new Uint8Array(pdf) })) as PublishedUrls | null,
    listPrinters: data.listsPrinters ? async () => (await ask({ op: 'printers' })) as PrinterInfo[] : null,
    keys: { masterKey: () => key, ...(data.anchorFolder ? { anchorFolder: data.anchorFolder } : {}) },
    close: async () => undefined,
    answer(message) {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.ok) w?.resolve(message.value);
      else w?.reject(new Error(message.message));
    },
  };
}
