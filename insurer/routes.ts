/**
 * The protocol endpoints (shared/sync/protocol.ts ENDPOINTS): each one checks
 * the request id, the session where needed and the body against the
 * protocol's schema, then does its work and returns the reply. Faults and the
 * socket are the server's business (server.ts), not the routes'.
 */
import { recordAnchor } from './anchors.js';
import type { IncomingMessage } from 'node:http';
import {
  ENDPOINTS,
  PROTOCOL,
  REQUEST_ID_HEADER,
  claimBatchRequestOn,
  requestId as requestIdSchema,
  reversalBatchRequestOn,
  type ClaimItem,
  type Endpoint,
} from '../shared/sync/protocol.js';
import { uploadClaims, type ClaimContext } from './claims.js';
import { HttpError, bearer, parseJson, validate, type Reply } from './http.js';
import type { PackageStore } from './packages.js';
import { findPerson, snapshot } from './persons.js';
import { reconcileDetails, reconcileTotals } from './reconciliation.js';
import { uploadReversals } from './reversals.js';
import type { Signer } from './signing.js';
import { authenticate, signIn, type Terminal } from './terminals.js';
import type { Db } from './db.js';
import { OUT_OF_REGION, inScope } from './regions.js';
import type { SignInLimiter } from './sign-in-limit.js';

export interface ProtocolContext {
  db: Db;
  packages: PackageStore;
  signer: Signer;
  now: () => Date;
  tokenTtlMs: number;
  /** Wrong secrets, per terminal and per address (sign-in-limit.ts). */
  signInLimiter: SignInLimiter;
  log: (message: string) => void;
}

/** The insurer's business date: China Standard Time (UTC+8 all year, no daylight saving). */
export function insurerToday(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The sign-in, with wrong secrets rate-limited: a lockout refuses (429) before the secret is checked. */
function limitedSignIn(
  ctx: ProtocolContext,
  req: IncomingMessage,
  b: { hospital_code: string; terminal_code: string; terminal_secret: string },
  now: Date,
) {
  const limiter = ctx.signInLimiter;
  const address = req.socket.remoteAddress ?? 'unknown';
  const who = `${b.hospital_code}/${b.terminal_code} from ${address}`;
  const lockout = limiter.locked(b.hospital_code, b.terminal_code, address, now.getTime());
  if (lockout) {
    ctx.log(
      `insurer: sign-in ${who} refused: ${lockout.what} ${lockout.key} locked until ${new Date(lockout.until).toISOString()}`,
    );
    throw new HttpError(
      429,
      'too_many_attempts',
      '',
      `密钥错误次数过多，请 ${lockout.retryAfterSeconds} 秒后再签到`,
      `too many wrong credentials: sign in again after ${lockout.retryAfterSeconds} s`,
      { 'Retry-After': String(lockout.retryAfterSeconds) },
    );
  }
  const session = signIn(ctx.db, b.hospital_code, b.terminal_code, b.terminal_secret, now, ctx.tokenTtlMs);
  if (!session) {
    const { failures, lockouts } = limiter.fail(b.hospital_code, b.terminal_code, address, now.getTime());
    ctx.log(
      `insurer: sign-in ${who} failed: wrong terminal, hospital or secret (${failures} of ${limiter.limits.maxFailures} within ${limiter.limits.windowMs / 1000} s)`,
    );
    for (const l of lockouts)
      ctx.log(
        `insurer: sign-in locked for ${l.what} ${l.key} until ${new Date(l.until).toISOString()} (too many wrong credentials)`,
      );
    throw new HttpError(
      401,
      'invalid_credentials',
      '',
      '终端编号、医疗机构编码或密钥不正确',
      'wrong terminal code, hospital code or secret',
    );
  }
  limiter.succeed(b.hospital_code, b.terminal_code);
  return session;
}

export type RouteName = keyof typeof ENDPOINTS;

interface Route {
  name: RouteName;
  endpoint: Endpoint;
  pattern: RegExp;
}

const ROUTES: Route[] = (Object.entries(ENDPOINTS) as [RouteName, Endpoint][]).map(([name, endpoint]) => ({
  name,
  endpoint,
  pattern: new RegExp(`^${endpoint.path.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`),
}));

/** The route for a path, or 404 / 405 (with Allow). */
export function matchRoute(method: string, path: string): { route: Route; params: string[] } {
  const matching = ROUTES.filter((r) => r.pattern.test(path));
  if (matching.length === 0)
    throw new HttpError(404, 'not_found', '', `没有此接口 ${path}`, `no such endpoint ${path}`);
  const route = matching.find((r) => r.endpoint.method === method);
  if (!route)
    throw new HttpError(
      405,
      'method_not_allowed',
      '',
      `${path} 不支持 ${method}`,
      `${method} is not allowed on ${path}`,
      { Allow: matching.map((r) => r.endpoint.method).join(', ') },
    );
  let params: string[];
  try {
    params = route.pattern
      .exec(path)!
      .slice(1)
      .map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpError(404, 'not_found', '', `没有此接口 ${path}`, `no such endpoint ${path}`);
  }
  return { route, params };
}

/** The request's Desk-Request-Id, or null when missing or malformed. */
export function requestIdOf(req: IncomingMessage): string | null {
  const raw = req.headers[REQUEST_ID_HEADER.toLowerCase()];
  return typeof raw === 'string' && requestIdSchema.safeParse(raw).success ? raw : null;
}

function requireTerminal(ctx: ProtocolContext, req: IncomingMessage): Terminal {
  const token = bearer(req);
  const terminal = token ? authenticate(ctx.db, token, ctx.now()) : null;
  if (!terminal)
    throw new HttpError(
      401,
      'unauthenticated',
      '',
      '未签到或会话已过期，请重新签到',
      'sign in first (no session, or it expired)',
      { 'WWW-Authenticate': 'Bearer' },
    );
  return terminal;
}

/** Claims name their terminal; it must be the signed-in one (a terminal uploads only its own records). */
function checkOwnership(terminal: Terminal, items: readonly ClaimItem[]): void {
  items.forEach((item, i) => {
    if (item.body.terminal !== terminal.terminal_code) {
      throw new HttpError(
        400,
        'terminal_mismatch',
        `items[${i}].body.terminal`,
        `记录属于终端 ${item.body.terminal}，不是已签到的 ${terminal.terminal_code}`,
        `the record belongs to terminal ${item.body.terminal}, not the signed-in ${terminal.terminal_code}`,
      );
    }
    if (item.kind === 'settlement' && item.body.hospital_code !== terminal.hospital_code) {
      throw new HttpError(
        400,
        'terminal_mismatch',
        `items[${i}].body.hospital_code`,
        `结算的医疗机构 ${item.body.hospital_code} 不是已签到终端的 ${terminal.hospital_code}`,
        `hospital ${item.body.hospital_code} is not the signed-in terminal's ${terminal.hospital_code}`,
      );
    }
  });
}

/** Handles one protocol request whose body has been read. Throws HttpError for a 4xx. */
export function handleProtocol(ctx: ProtocolContext, req: IncomingMessage, path: string, rawBody: Buffer): Reply {
  const { route, params } = matchRoute(req.method ?? 'GET', path);
  const id = requestIdOf(req);
  if (id === null)
    throw new HttpError(
      400,
      'missing_field',
      REQUEST_ID_HEADER,
      `缺少或无效的请求头 ${REQUEST_ID_HEADER}（8-64 位字母、数字或 ._:-）`,
      `missing or invalid ${REQUEST_ID_HEADER} header (8-64 of A-Z a-z 0-9 . _ : -)`,
    );
  const terminal = route.endpoint.auth ? requireTerminal(ctx, req) : null;
  const input = route.endpoint.request ? parseJson(req, rawBody) : undefined;
  const ok = (body: Record<string, unknown>): Reply => ({
    status: 200,
    body: { protocol: PROTOCOL, request_id: id, ...body },
  });
  const now = ctx.now();

  switch (route.name) {
    case 'signIn': {
      const b = validate(ENDPOINTS.signIn.request, input);
      const session = limitedSignIn(ctx, req, b, now);
      return ok({
        token: session.token,
        token_type: 'Bearer',
        expires_at: session.expiresAt,
        server_time: now.toISOString(),
        terminal_code: b.terminal_code,
        hospital_code: b.hospital_code,
      });
    }
    case 'signingKeys':
      return ok({
        keys: [
          { key_id: ctx.signer.keyId, algorithm: 'Ed25519', public_key_spki_base64: ctx.signer.publicKeySpkiBase64 },
        ],
      });
    case 'ruleQuery':
      return ok({ packages: ctx.packages.query(validate(ENDPOINTS.ruleQuery.request, input)) });
    case 'ruleDownload': {
      const [region, version] = params as [string, string];
      const pkg = ctx.packages.download(region, version);
      if (!pkg)
        throw new HttpError(
          404,
          'not_found',
          'version',
          `没有规则包 ${region}/${version}`,
          `no rule package ${region}/${version}`,
        );
      return ok(pkg);
    }
    case 'personLookup': {
      const b = validate(ENDPOINTS.personLookup.request, input);
      const person = findPerson(ctx.db, b.id_number);
      if (!person)
        throw new HttpError(
          404,
          'person_not_found',
          'id_number',
          '医保中心没有该身份证号的参保记录',
          'no insured person with this identity number',
        );
      // A person of another 统筹区 is settled through 异地就医 (filed with their home insurer), not looked up here
      // (regions.ts): the refusal says so and carries nothing of the person (not even their region).
      if (!inScope(terminal!.regions, person.region)) {
        ctx.log(
          `insurer: person lookup by ${terminal!.hospital_code}/${terminal!.terminal_code} refused: out of region`,
        );
        throw new HttpError(403, OUT_OF_REGION.code, OUT_OF_REGION.field, OUT_OF_REGION.zh, OUT_OF_REGION.en);
      }
      return ok({ person: snapshot(ctx.db, person, b.years, now.toISOString()) });
    }
    case 'claims': {
      const b = validate(claimBatchRequestOn(insurerToday(now)), input);
      checkOwnership(terminal!, b.items);
      if (b.anchor) recordAnchor(ctx.db, terminal!, b.anchor, now);
      const claims: ClaimContext = { db: ctx.db, rules: () => ctx.packages.ruleSet(), now: ctx.now };
      return ok({ answers: uploadClaims(claims, terminal!, b.items) });
    }
    case 'reversals': {
      const b = validate(reversalBatchRequestOn(insurerToday(now)), input);
      if (b.anchor) recordAnchor(ctx.db, terminal!, b.anchor, now);
      return ok({ answers: uploadReversals(ctx.db, ctx.now, terminal!, b.items) });
    }
    case 'totals':
      return ok(reconcileTotals(ctx.db, terminal!, validate(ENDPOINTS.totals.request, input), now));
    case 'details':
      return ok(reconcileDetails(ctx.db, terminal!, validate(ENDPOINTS.details.request, input)));
  }
}
