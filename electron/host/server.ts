/**
 * The browser host: serves the built renderer and the typed contract over HTTP
 * on 127.0.0.1 only, for machines without Electron's binary and for tests.
 *
 * Every contract call needs the per-start random token (given to the page in
 * the URL fragment, which browsers never send to servers) and a Host header
 * naming this loopback port, so that neither another local page nor a
 * DNS-rebound name can drive the services.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { dispatch, type Handlers, type Invoke } from '../node/dispatch.js';

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MAX_BODY = 1 << 20;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface HostOptions {
  staticDir: string;
  /** In-process handlers (tests), or the services worker's invoke (the host). */
  handlers?: Handlers | (() => Handlers);
  invoke?: Invoke;
  port?: number;
  log?: (e: unknown) => void;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  /** Makes a printed document (slip, day report) fetchable by the page for 10 minutes under an unguessable ticket. */
  publish(html: string, pdf: Buffer): { html_url: string; pdf_url: string };
  close(): Promise<void>;
}

/** Printed documents carry inline styles and a QR image; nothing in them runs. */
const DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
const TICKET_MS = 10 * 60_000;

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const invoke: Invoke =
    options.invoke ??
    ((name, payload, ctx) => {
      const handlers = typeof options.handlers === 'function' ? options.handlers() : options.handlers;
      if (!handlers) throw new Error('startHost needs handlers or invoke');
      return dispatch(handlers, name, payload, ctx, options.log);
    });
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  let port = 0;
  const documents = new Map<string, { html: string; pdf: Buffer; expires: number }>();

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      options.log?.(e);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(res, 421, 'text/plain; charset=utf-8', 'wrong host');
    const url = new URL(req.url ?? '/', `http://${host}`);

    if (url.pathname.startsWith('/ipc/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only');
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
        return json(res, 401, {
          ok: false,
          error: {
            code: 'unauthorized',
            field: '',
            message: '未授权：请使用启动时显示的地址打开',
            message_en: 'unauthorized: open the URL printed at start',
          },
        });
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return send(res, 415, 'text/plain; charset=utf-8', 'application/json only');
      const body = await readBody(req);
      if (body === null)
        return json(res, 413, {
          ok: false,
          error: { code: 'invalid_field', field: '', message: '请求过大', message_en: 'request too large' },
        });
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return json(res, 400, {
          ok: false,
          error: {
            code: 'invalid_json',
            field: '',
            message: '请求不是有效的 JSON',
            message_en: 'request is not valid JSON',
          },
        });
      }
      const name = decodeURIComponent(url.pathname.slice('/ipc/'.length));
      // One page per host start: the token is the client.
      return json(res, 200, await invoke(name, payload, { clientId: 'browser' }));
    }

    const doc = /^\/documents\/([0-9a-f]{32})\.(html|pdf)$/.exec(url.pathname);
    if (doc) {
      const entry = documents.get(doc[1]!);
      if (!entry || entry.expires < Date.now()) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
      if (doc[2] === 'pdf') {
        res.writeHead(200, {
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="${doc[1]}.pdf"`,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        return void res.end(entry.pdf);
      }
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': DOCUMENT_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      return void res.end(entry.html);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'GET only');
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(options.staticDir, relative));
    if (!file.startsWith(normalize(options.staticDir) + sep))
      return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    }
    send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', content);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    publish(html: string, pdf: Buffer) {
      const now = Date.now();
      for (const [k, v] of documents) if (v.expires < now) documents.delete(k);
      const ticket = randomBytes(16).toString('hex');
      documents.set(ticket, { html, pdf, expires: now + TICKET_MS });
      return { html_url: `/documents/${ticket}.html`, pdf_url: `/documents/${ticket}.pdf` };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
