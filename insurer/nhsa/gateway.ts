/**
 * The NHSA gateway front of the reference insurer (docs/nhsa.md, issue 13):
 * POST SINGLE_URL_PATH (infno in the body) and POST each DEFAULT_PATHS[infno]
 * on the insurer's HTTP server, its database and engine. Every violation is
 * answered HTTP 200 with infcode -1 and a Chinese err_msg, as gateways do;
 * the insurer's fault switches (faults.ts) apply to these paths as to /v1/:
 * for NHSA, wrong_shape writes every number as a string and leaves out
 * infcode.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLosslessNumber } from 'lossless-json';
import { parseNhsaJson, stringifyNhsaJson } from '../../shared/nhsa/numbers.js';
import { HEADER } from '../../shared/nhsa/envelope.js';
import type { Db } from '../db.js';
import type { FaultSwitches } from '../faults.js';
import { HttpError, readBody, send, sendOversized } from '../http.js';
import type { PackageStore } from '../packages.js';
import { PATH_INFNO, headerOf } from './checks.js';
import { processNhsa } from './process.js';
import { nhsaLog, nhsaSettlements, type NhsaAccount, type NhsaLogEntry, type NhsaSettlementView } from './state.js';

export interface NhsaGatewayDeps {
  db: Db;
  packages: PackageStore;
  now: () => Date;
  faults: FaultSwitches;
  account: NhsaAccount;
}

export interface NhsaGateway {
  /** Answers a request whose path starts with /fsi/. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  settlements(): NhsaSettlementView[];
  log(): NhsaLogEntry[];
}

/** An answer for a path or method the gateway does not serve (not logged: no transaction was addressed). */
const notServed = (errMsg: string) => stringifyNhsaJson({ infcode: -1, err_msg: errMsg, warn_msg: null, output: null });

/** Valid JSON, not an NHSA answer: every number a string, and no infcode. */
function wrongShape(text: string): string {
  const mangle = (v: unknown): unknown => {
    if (isLosslessNumber(v)) return v.value;
    if (Array.isArray(v)) return v.map(mangle);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mangle(x)]));
    return v;
  };
  const { infcode: _dropped, ...rest } = mangle(parseNhsaJson(text)) as Record<string, unknown>;
  return stringifyNhsaJson(rest);
}

/** A 9102 answer: the file as the body (docs/nhsa.md §8), not an envelope. */
function sendFile(res: ServerResponse, filename: string, bytes: Uint8Array): void {
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(bytes.length),
    'Content-Disposition': `attachment; filename="${encodeURIComponent(filename)}"`,
    'Cache-Control': 'no-store',
  });
  res.end(bytes);
}

export function createNhsaGateway(deps: NhsaGatewayDeps): NhsaGateway {
  /** The last answer per (path, paasid), for replay_previous. */
  const previous = new Map<string, string>();
  const processDeps = { db: deps.db, rules: () => deps.packages.ruleSet(), now: deps.now, gateway: deps.account };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!PATH_INFNO.has(path)) return send(res, 404, notServed(`没有此接口 ${path}`));
    if (req.method !== 'POST') return send(res, 405, notServed(`${path} 只接受 POST`), { Allow: 'POST' });
    const key = `${path} ${headerOf(req.headers, HEADER.paasid) ?? ''}`;
    const draw = deps.faults.draw(path, previous.has(key));
    let body: Buffer = Buffer.alloc(0);
    let bodyError: string | null = null;
    try {
      body = await readBody(req);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      bodyError = e.zh;
    }
    // A gateway busy after the request arrived: a request received whole is handled even if its sender
    // has given up or died meanwhile (the outcome the terminal cannot know, docs/nhsa.md §4.2).
    if (draw.delayMs > 0) await new Promise((r) => setTimeout(r, draw.delayMs));
    if (draw.outcome === 'error_500_before_commit')
      return send(res, 500, JSON.stringify({ code: 500, message: '医保中心内部错误（注入故障，未处理）' }));

    const { text, file } = processNhsa(processDeps, { path, headers: req.headers, body, bodyError });

    // Committed from here on: the faults below lose or spoil only the answer.
    const replay = previous.get(key);
    previous.set(key, text);
    switch (draw.outcome) {
      case 'drop_after_commit':
        req.socket.destroy();
        return;
      case 'error_500_after_commit':
        return send(res, 500, JSON.stringify({ code: 500, message: '医保中心内部错误（注入故障，已处理）' }));
      case 'malformed_body':
        if (file) return sendFile(res, file.filename, file.bytes.subarray(0, Math.floor(file.bytes.length / 2)));
        return send(
          res,
          200,
          draw.style === 'wrong_shape' ? wrongShape(text) : text.slice(0, Math.max(1, Math.floor(text.length / 2))),
        );
      case 'oversized_body':
        return sendOversized(res, '{"infcode":0,"err_msg":null,"warn_msg":null,"output":{"padding":"', '"}}');
      case 'replay_previous':
        return send(res, 200, replay ?? text);
      default:
        return file ? sendFile(res, file.filename, file.bytes) : send(res, 200, text);
    }
  }

  return { handle, settlements: () => nhsaSettlements(deps.db), log: () => nhsaLog(deps.db) };
}
