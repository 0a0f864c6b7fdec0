/**
 * The reference insurer's HTTP server: protocol v1 under /v1/, the admin
 * endpoints under /admin/, GET /health. Bound to 127.0.0.1 unless told
 * otherwise; HTTPS when given a certificate and key (production needs HTTPS:
 * docs/sync.md).
 *
 * Faults (faults.ts) are applied here, around the routes: a delay before the
 * work, a 500 instead of the work, or, after the work has committed, a
 * dropped socket, a 500, a malformed, oversized or replayed body.
 */
import { listAnchors, type AnchorRecord } from './anchors.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PROTOCOL, type ErrorResponse } from '../shared/sync/protocol.js';
import { handleAdmin } from './admin.js';
import { openDataDir, type DataDirOptions, type TerminalCredential } from './data-dir.js';
import { FaultSwitches, type FaultDraw, type FaultRule } from './faults.js';
import { HttpError, readBody, send, sendOversized, type Reply } from './http.js';
import { allAccumulators, listPersons, type Person } from './persons.js';
import type { YtdJson } from '../shared/engine/accumulators.js';
import { handleProtocol, matchRoute, requestIdOf, type ProtocolContext } from './routes.js';
import { SINGLE_URL_PATH } from '../shared/nhsa/envelope.js';
import { createNhsaGateway } from './nhsa/gateway.js';
import { ensureAccount, type NhsaAccountOptions, type NhsaLogEntry, type NhsaSettlementView } from './nhsa/state.js';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from './sign-in-limit.js';
import { listTerminals, type Terminal } from './terminals.js';

export interface InsurerOptions extends DataDirOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Random per start when not given. */
  adminToken?: string;
  faults?: readonly FaultRule[];
  tokenTtlMinutes?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** For probabilistic faults (tests pass a deterministic one). */
  random?: () => number;
  log?: (message: string) => void;
  /** Wrong-secret limits for sign-in (default: 5 per terminal, 20 per address, per minute; a minute's lockout). */
  signInLimits?: Partial<SignInLimits>;
  /** The NHSA gateway's hospital account (default: the demo hospital, random paasid and passToken kept in the database). */
  nhsa?: NhsaAccountOptions;
}

/** The NHSA gateway's hospital account, as a terminal's config.json nhsa section needs it. */
export interface NhsaInfo {
  /** The single-URL form: infno in the body. */
  url: string;
  /** For the per-transaction paths (DEFAULT_PATHS under it). */
  baseUrl: string;
  paasid: string;
  passToken: string;
  fixmedinsCode: string;
  fixmedinsName: string;
  mdtrtareaAdmvs: string;
  /** The hospital level the gateway settles this hospital's stays with. */
  hospitalLevel: 1 | 2 | 3;
}

export interface RunningInsurer {
  url: string;
  port: number;
  adminToken: string;
  keyId: string;
  publicKeyPem: string;
  publicKeySpkiBase64: string;
  demoTerminal: TerminalCredential | null;
  faults: FaultSwitches;
  /** The terminals with the regions they may look persons up in (null: every region). */
  terminals(): Terminal[];
  /** The persons with their accumulators in every year they have any. */
  persons(): (Person & { accumulators: YtdJson })[];
  /** The anchors the terminals sent with their upload batches (anchors.ts), oldest first. */
  anchors(): AnchorRecord[];
  nhsa: NhsaInfo;
  /** Every NHSA settlement (2304), cancelled ones included, in order. */
  nhsaSettlements(): NhsaSettlementView[];
  /** Every request the NHSA gateway answered, in order. */
  nhsaLog(): NhsaLogEntry[];
  close(): Promise<void>;
}

function errorBody(e: HttpError, requestId: string | null): ErrorResponse {
  return {
    protocol: PROTOCOL,
    request_id: requestId,
    error: { code: e.code, field: e.field, message: e.zh, message_en: e.en },
  };
}

/** Valid JSON, but not the protocol's: every amount a number, plus a field no schema knows. */
function wrongShape(text: string): string {
  const body = JSON.parse(text) as Record<string, unknown>;
  const mangle = (v: unknown): unknown => {
    if (typeof v === 'string' && /^-?\d+\.\d{2}$/.test(v)) return Number(v);
    if (Array.isArray(v)) return v.map(mangle);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mangle(x)]));
    return v;
  };
  return JSON.stringify({ ...(mangle(body) as object), status: 'approved' });
}

/** MAX_BODY_BYTES + 1 bytes of JSON, streamed without a Content-Length. */
function sendOversizedV1(res: ServerResponse, requestId: string | null): void {
  sendOversized(res, `{"protocol":"${PROTOCOL}","request_id":${JSON.stringify(requestId)},"padding":"`, '"}');
}

export async function startInsurer(options: InsurerOptions): Promise<RunningInsurer> {
  const data = openDataDir(options);
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const faults = new FaultSwitches(options.faults ?? [], options.random);
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const ctx: ProtocolContext = {
    db: data.db,
    packages: data.packages,
    signer: data.signer,
    now: data.now,
    tokenTtlMs: (options.tokenTtlMinutes ?? 480) * 60_000,
    signInLimiter: new SignInLimiter({ ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits }),
    log,
  };
  /** The last 2xx body each endpoint produced per session (no other terminal's data), for replay_previous. */
  const previous = new Map<string, string>();
  const account = ensureAccount(data.db, options.nhsa ?? {}, data.now().toISOString());
  const nhsa = createNhsaGateway({ db: data.db, packages: data.packages, now: data.now, faults, account });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://insurer.invalid').pathname;
    if (path === '/health' && req.method === 'GET')
      return send(res, 200, JSON.stringify({ status: 'ok', protocol: PROTOCOL }));
    if (path.startsWith('/admin/')) {
      let reply: Reply;
      try {
        reply = handleAdmin(
          { db: data.db, packages: data.packages, faults, adminToken, now: data.now },
          req,
          path,
          await readBody(req),
        );
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        return send(
          res,
          e.status,
          JSON.stringify({ error: { code: e.code, field: e.field, message: e.zh, message_en: e.en } }),
          e.headers,
        );
      }
      return send(res, reply.status, JSON.stringify(reply.body), reply.headers);
    }
    if (path.startsWith('/fsi/')) return nhsa.handle(req, res, path);

    const requestId = requestIdOf(req);
    let routeKey: string | null = null;
    try {
      const { route } = matchRoute(req.method ?? 'GET', path);
      routeKey = `${route.name} ${req.headers.authorization ?? ''}`;
    } catch {
      // An unknown path or method: the handler below answers 404/405; no faults for it.
    }
    const draw: FaultDraw = routeKey
      ? faults.draw(path, previous.has(routeKey))
      : { delayMs: 0, outcome: null, style: 'invalid_json' };
    if (draw.delayMs > 0) await new Promise((r) => setTimeout(r, draw.delayMs));

    let status: number;
    let text: string;
    let headers: Record<string, string> = requestId ? { 'Desk-Request-Id': requestId } : {};
    try {
      const body = await readBody(req);
      if (draw.outcome === 'error_500_before_commit') {
        const e = new HttpError(
          500,
          'internal',
          '',
          '医保中心内部错误（注入故障，未处理）',
          'internal error (injected fault, nothing processed)',
        );
        return send(res, 500, JSON.stringify(errorBody(e, requestId)), headers);
      }
      const reply = handleProtocol(ctx, req, path, body);
      status = reply.status;
      text = JSON.stringify(reply.body);
      headers = { ...headers, ...reply.headers };
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      status = e.status;
      text = JSON.stringify(errorBody(e, requestId));
      headers = { ...headers, ...e.headers };
    }

    // The work is committed from here on: the faults below lose or spoil only the answer.
    const replay = routeKey ? previous.get(routeKey) : undefined;
    if (routeKey && status >= 200 && status < 300) previous.set(routeKey, text);
    switch (draw.outcome) {
      case 'drop_after_commit':
        req.socket.destroy();
        return;
      case 'error_500_after_commit': {
        const e = new HttpError(
          500,
          'internal',
          '',
          '医保中心内部错误（注入故障，已处理）',
          'internal error (injected fault, after processing)',
        );
        return send(res, 500, JSON.stringify(errorBody(e, requestId)), headers);
      }
      case 'malformed_body':
        return send(
          res,
          200,
          draw.style === 'wrong_shape' ? wrongShape(text) : text.slice(0, Math.max(1, Math.floor(text.length / 2))),
          headers,
        );
      case 'oversized_body':
        return sendOversizedV1(res, requestId);
      case 'replay_previous':
        return send(res, 200, replay ?? text, headers);
      default:
        return send(res, status, text, headers);
    }
  }

  // Requests still being handled (a delayed one outlives its client's timeout): close() waits for them before closing the database.
  const inFlight = new Set<Promise<void>>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const done = handle(req, res)
      .catch((e: unknown) => {
        log(`insurer: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        if (!res.headersSent) {
          const err = new HttpError(500, 'internal', '', '医保中心内部错误', 'internal error');
          send(res, 500, JSON.stringify(errorBody(err, requestIdOf(req))));
        } else res.destroy();
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`;

  return {
    url,
    port,
    adminToken,
    keyId: data.signer.keyId,
    publicKeyPem: data.signer.publicKeyPem,
    publicKeySpkiBase64: data.signer.publicKeySpkiBase64,
    demoTerminal: data.demoTerminal,
    faults,
    terminals: () => listTerminals(data.db),
    anchors: () => listAnchors(data.db),
    persons: () => listPersons(data.db).map((p) => ({ ...p, accumulators: allAccumulators(data.db, p.id) })),
    nhsa: {
      url: `${url}${SINGLE_URL_PATH}`,
      baseUrl: url,
      paasid: account.paasid,
      passToken: account.pass_token,
      fixmedinsCode: account.fixmedins_code,
      fixmedinsName: account.fixmedins_name,
      mdtrtareaAdmvs: account.mdtrtarea_admvs,
      hospitalLevel: account.hospital_level,
    },
    nhsaSettlements: () => nhsa.settlements(),
    nhsaLog: () => nhsa.log(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          void Promise.allSettled([...inFlight]).then(() => {
            data.close();
            resolve();
          });
        });
        server.closeAllConnections();
      }),
  };
}
