/**
 * HTTP plumbing shared by the protocol and admin routes: a size-limited body
 * reader, JSON parsing and zod validation that end in a 4xx with
 * {error: {code, field, message}}, and the reply type the routes return.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { DeskError, fromZodError } from '../shared/errors.js';
import { MAX_BODY_BYTES } from '../shared/sync/protocol.js';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string,
    readonly zh: string,
    readonly en: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(en);
  }

  static from(e: DeskError, status = 400): HttpError {
    return new HttpError(status, e.body.code, e.body.field, e.body.message, e.body.message_en);
  }
}

/** Reads the whole body, refusing (413) past MAX_BODY_BYTES without buffering the rest. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  // A client that gave up (a timeout during an injected delay) leaves a request that never ends: fail it, do not wait.
  if (req.destroyed && !req.readableEnded) return Promise.reject(new Error('request aborted by the client'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('close', () => {
      if (!failed && !req.readableEnded) reject(new Error('request aborted by the client'));
    });
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'body_too_large', '', `请求体超过 ${limit} 字节`, `request body exceeds ${limit} bytes`, {
    Connection: 'close',
  });
}

/** application/json only (415 otherwise); 400 invalid_json for a body that does not parse. */
export function parseJson(req: IncomingMessage, body: Buffer): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      'unsupported_media_type',
      '',
      '请求须为 application/json',
      'the request body must be application/json',
    );
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', '', '请求体不是有效的 JSON', 'the request body is not valid JSON');
  }
}

/** Validates with the protocol's schema; the first problem becomes a 400 naming the field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) throw HttpError.from(fromZodError(r.error));
  return r.data;
}

export function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': JSON_TYPE,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** `head` + padding + `tail`: MAX_BODY_BYTES + 1 bytes of JSON in all, streamed without a Content-Length. */
export function sendOversized(res: ServerResponse, head: string, tail: string): void {
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' });
  let left = MAX_BODY_BYTES + 1 - Buffer.byteLength(head) - Buffer.byteLength(tail);
  res.write(head);
  const chunk = 'x'.repeat(64 * 1024);
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.slice(0, n))) return void res.once('drain', pump);
    }
    res.end(tail);
  };
  pump();
}
