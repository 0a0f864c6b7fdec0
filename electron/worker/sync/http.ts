/**
 * The protocol client: one exchange = one request with a fresh Desk-Request-Id,
 * a timeout over the whole exchange (headers and body), a response read up to
 * MAX_BODY_BYTES and no further, and validation with the endpoint's schema.
 * Anything short of a valid 2xx answer to *this* request is a SyncError, and
 * callers change nothing locally on a SyncError (docs/sync.md §1).
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { MAX_BODY_BYTES, REQUEST_ID_HEADER, errorResponse } from '../../../shared/sync/protocol.js';

/**
 * network: no answer (connection refused or dropped, timeout) → offline.
 * server: 5xx, or a 2xx that is malformed, oversized or not ours → retry later.
 * unauthenticated: 401 → sign in again.
 * client: another 4xx → the request is wrong; retrying the same bytes will not help.
 */
export type SyncErrorKind = 'network' | 'server' | 'unauthenticated' | 'client';

export class SyncError extends Error {
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
    /** The request field an error answer names ("items[3].body…"), when it names one. */
    readonly field: string | null = null,
    /** How long the insurer asked the terminal to wait (429/503 Retry-After, in seconds on the wire). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

/** Retry-After in seconds (the form our insurer sends), at most an hour; anything else is ignored. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d{1,7}$/.test(header.trim())) return null;
  return Math.min(Number(header.trim()), 3600) * 1000;
}

let counter = 0;
/** 8–64 of [A-Za-z0-9._:-], new for every request, retries included. */
export function newRequestId(): string {
  counter = (counter + 1) % 1_000_000;
  return `dd-${Date.now().toString(36)}-${counter}-${randomBytes(6).toString('hex')}`;
}

/** Reads at most `limit` bytes, counting them (Content-Length may be absent or lie); past it, `tooLarge()` is thrown. */
export async function readLimited(res: Response, limit: number, tooLarge: () => Error): Promise<string> {
  return (await readLimitedBytes(res, limit, tooLarge)).toString('utf8');
}

/** The body's bytes, as readLimited reads them (an NHSA 9102 answer is a file, not text). */
export async function readLimitedBytes(res: Response, limit: number, tooLarge: () => Error): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  token?: string | null;
}

export class ProtocolClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** The validated body, or a SyncError. */
  async call<S extends z.ZodType>(schema: S, x: Exchange): Promise<z.output<S>> {
    const requestId = newRequestId();
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestId, Accept: 'application/json' };
    if (x.token) headers['Authorization'] = `Bearer ${x.token}`;
    if (x.body !== undefined) headers['Content-Type'] = 'application/json';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let status: number;
    let text: string;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(new URL(x.path, this.baseUrl), {
        method: x.method,
        headers,
        body: x.body === undefined ? undefined : JSON.stringify(x.body),
        signal: abort.signal,
        redirect: 'error',
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await readLimited(
        res,
        MAX_BODY_BYTES,
        () => new SyncError('server', `response larger than ${MAX_BODY_BYTES} bytes`),
      );
    } catch (e) {
      if (e instanceof SyncError) throw e;
      throw new SyncError(
        'network',
        abort.signal.aborted
          ? `no answer within ${this.timeoutMs} ms`
          : `connection failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SyncError(
        status >= 400 && status < 500 ? 'client' : 'server',
        `HTTP ${status}: the body is not JSON`,
        status,
      );
    }
    if (status < 200 || status > 299) {
      const err = errorResponse.safeParse(json);
      const code = err.success ? err.data.error.code : null;
      const what = err.success
        ? `${err.data.error.code}${err.data.error.field ? ` at ${err.data.error.field}` : ''}: ${err.data.error.message}`
        : 'unrecognised error body';
      const kind: SyncErrorKind =
        status === 401 ? 'unauthenticated' : status >= 500 || status === 429 || status === 408 ? 'server' : 'client';
      throw new SyncError(
        kind,
        `HTTP ${status} ${what}`,
        status,
        code,
        err.success ? err.data.error.field : null,
        retryAfterMs(retryAfter),
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SyncError(
        'server',
        `HTTP ${status}: the answer does not match the protocol (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
        status,
      );
    }
    // A replayed or misrouted answer is well-formed but not ours.
    const echoed = (parsed.data as { request_id?: unknown }).request_id;
    if (echoed !== requestId)
      throw new SyncError('server', `the answer is for request ${String(echoed)}, not ${requestId}`, status);
    return parsed.data;
  }
}
