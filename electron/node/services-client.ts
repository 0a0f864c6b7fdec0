/**
 * The parent's side of the services worker: starts the thread, validates
 * each contract call (the window → parent boundary), forwards it and returns their results, prints and
 * publishes for it, and restarts it on the next call if it dies (the calls in
 * flight then fail with a clear error rather than hang).
 */
import { Worker } from 'node:worker_threads';
import type { IpcResult } from '../../shared/ipc/contract.js';
import { validateCall, type CallContext } from './dispatch.js';
import type { Platform } from './platform.js';
import type { FromWorker, ServicesWorkerData, ToWorker } from './worker-messages.js';

export interface ServicesOptions extends Omit<ServicesWorkerData, 'masterKey' | 'listsPrinters'> {
  /** The worker script: the bundled .cjs in the app, services-worker-dev.mjs from source. */
  entry: string | URL;
  /** What only this (parent) process can do: print, publish, list printers, key storage. */
  platform: Platform;
  log?: (e: unknown) => void;
}

export interface Services {
  /** One call from a window: validated against the contract here, then run in the worker. */
  call(name: string, payload: unknown, ctx: CallContext): Promise<IpcResult<unknown>>;
  /** The worker's thread id (tests show that calls do not run on the parent's thread). */
  threadId(): number;
  /** Stops the worker at once, as a crash would: calls in flight fail, the next call starts a new one (tests). */
  terminate(): Promise<void>;
  close(): Promise<void>;
}

const unavailable = (why: string): IpcResult<unknown> => ({
  ok: false,
  error: {
    code: 'service_unavailable',
    field: '',
    message: `本机服务中断，已自动重启，请重试（${why}）`,
    message_en: `the local services stopped and were restarted: try again (${why})`,
  },
});

interface Running {
  worker: Worker;
  pending: Map<number, (r: IpcResult<unknown>) => void>;
  exited: boolean;
}

/** Starts the worker and resolves once its store is open; rejects with the worker's reason if it cannot open. */
export async function startServices(options: ServicesOptions): Promise<Services> {
  const log = options.log ?? console.error;
  const platform = options.platform;
  let nextId = 1;
  let closing = false;
  let threadId = -1;

  function spawn(): Promise<Running> {
    const data: ServicesWorkerData = {
      dataDir: options.dataDir,
      masterKey: new Uint8Array(platform.keys.masterKey()),
      ...(platform.keys.anchorFolder ? { anchorFolder: platform.keys.anchorFolder } : {}),
      listsPrinters: platform.listPrinters !== null,
      backups: options.backups,
      ...(options.sync ? { sync: options.sync } : {}),
      dataFolderNote: options.dataFolderNote ?? null,
    };
    const worker = new Worker(options.entry, { workerData: data });
    const running: Running = { worker, pending: new Map(), exited: false };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            ready = true;
            threadId = worker.threadId;
            resolve(running);
            return;
          case 'failed':
            reject(new Error(m.message));
            return;
          case 'result': {
            const done = running.pending.get(m.id);
            running.pending.delete(m.id);
            done?.(m.result);
            return;
          }
          case 'host':
            void serveHost(worker, m);
            return;
          case 'closed':
            return;
        }
      });
      worker.on('error', (e) => {
        log(e);
        if (!ready) reject(e);
      });
      worker.on('exit', (code) => {
        running.exited = true;
        for (const done of running.pending.values()) done(unavailable(`exit ${code}`));
        running.pending.clear();
        if (!ready) reject(new Error(`services worker exited with code ${code} before it was ready`));
      });
    });
  }

  async function serveHost(worker: Worker, m: Extract<FromWorker, { type: 'host' }>): Promise<void> {
    const reply = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
    try {
      if (m.op === 'print') {
        const r = await platform.print(m.html, m.layout);
        const pdf = new Uint8Array(r.pdf);
        reply({ type: 'host-reply', id: m.id, ok: true, value: { pdf, widthMm: r.widthMm, heightMm: r.heightMm } }, [
          pdf.buffer,
        ]);
      } else if (m.op === 'printers') {
        if (!platform.listPrinters) throw new Error('no printer list here');
        reply({ type: 'host-reply', id: m.id, ok: true, value: await platform.listPrinters() });
      } else {
        reply({ type: 'host-reply', id: m.id, ok: true, value: await platform.publish(m.html, Buffer.from(m.pdf)) });
      }
    } catch (e) {
      // The printer's message (e.g. 打印失败：…) goes back to the slip service, which reports it to the window.
      reply({ type: 'host-reply', id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  }

  let current: Promise<Running> = spawn();
  await current;

  return {
    async call(name, payload, ctx) {
      if (closing) return unavailable('closing');
      // The window → parent boundary: validated here, once; the worker takes the typed request as it is.
      const checked = validateCall(name, payload);
      if (!checked.ok) return checked.error;
      let running = await current.catch(() => null);
      if (!running || running.exited) {
        current = spawn();
        running = await current.catch((e: unknown) => {
          log(e);
          return null;
        });
        if (!running) return unavailable('restart failed');
      }
      const id = nextId++;
      const r = running;
      return new Promise<IpcResult<unknown>>((resolve) => {
        r.pending.set(id, resolve);
        r.worker.postMessage({
          type: 'call',
          id,
          name: checked.name,
          payload: checked.request,
          clientId: ctx.clientId,
        } satisfies ToWorker);
      });
    },
    threadId: () => threadId,
    async terminate() {
      const running = await current.catch(() => null);
      await running?.worker.terminate();
    },
    async close() {
      closing = true;
      const running = await current.catch(() => null);
      if (running && !running.exited) {
        await new Promise<void>((resolve) => {
          running.worker.once('exit', () => resolve());
          running.worker.on('message', (m: FromWorker) => m.type === 'closed' && void running.worker.terminate());
          running.worker.postMessage({ type: 'close' } satisfies ToWorker);
        });
      }
      await platform.close();
    },
  };
}
