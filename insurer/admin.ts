/**
 * The reference service's admin endpoints (not part of the protocol; a real
 * insurer has its own back office). Protected by the admin token, compared in
 * constant time. Lets tests, demos and a trial switch faults at run time,
 * publish a rule package version, and add persons and terminals.
 *
 *   GET    /admin/faults          the armed fault rules
 *   PUT    /admin/faults          {faults: [rule, …]} replaces them
 *   POST   /admin/faults          rule: adds one
 *   DELETE /admin/faults          clears them
 *   POST   /admin/rule-packages   a rule package (JSON): validated, signed, published
 *   POST   /admin/persons         a person (+ other_hospital accumulators to add)
 *   POST   /admin/terminals       {hospital_code, terminal_code, terminal_secret, regions?}
 *                                  (regions: [region id, …] or "*"; absent: from the hospital code, regions.ts)
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { z } from 'zod';
import { DeskError } from '../shared/errors.js';
import { SCHEME_IDS } from '../shared/rules/schema.js';
import { enrolmentValue, suspendedYears } from '../shared/engine/insured.js';
import { amountIn, hospitalCode, idNumber, layerId, regionId, terminalCode } from '../shared/sync/protocol.js';
import { writeTransaction, type Db } from './db.js';
import { faultRuleSchema, type FaultSwitches } from './faults.js';
import { HttpError, bearer, parseJson, validate, type Reply } from './http.js';
import type { PackageStore } from './packages.js';
import { accumulators, recordMoves, upsertPerson } from './persons.js';
import { upsertTerminal } from './terminals.js';
import { ALL_REGIONS } from './regions.js';

export interface AdminContext {
  db: Db;
  packages: PackageStore;
  faults: FaultSwitches;
  adminToken: string;
  now: () => Date;
}

const adminPerson = z.strictObject({
  id_number: idNumber,
  name: z.string().min(1).max(60),
  gender: z.enum(['M', 'F']).nullable(),
  region: regionId,
  scheme: z.enum(SCHEME_IDS),
  retired: z.boolean(),
  medical_assistance: z.boolean(),
  enrolled: z.record(layerId, enrolmentValue),
  suspended_years: suspendedYears.optional(),
  /** A stay at another hospital: added to the person's accumulators (source other_hospital). */
  other_hospital: z
    .record(
      z.string().regex(/^\d{4}$/),
      z.record(
        layerId,
        z.strictObject({
          paid: amountIn.optional(),
          base: amountIn.optional(),
          admissions: z.number().int().min(0).max(9999).optional(),
        }),
      ),
    )
    .optional(),
});
const adminTerminal = z.strictObject({
  hospital_code: hospitalCode,
  terminal_code: terminalCode,
  terminal_secret: z.string().min(16).max(200),
  regions: z.union([z.literal(ALL_REGIONS), z.array(regionId).min(1).max(50)]).optional(),
});

const digest = (s: string) => createHash('sha256').update(s).digest();

function requireAdmin(ctx: AdminContext, req: IncomingMessage): void {
  const token = bearer(req);
  // Compared as digests: equal length, constant time, whatever the caller sends.
  if (!token || !timingSafeEqual(digest(token), digest(ctx.adminToken))) {
    throw new HttpError(401, 'unauthenticated', '', '需要管理令牌', 'admin token required', {
      'WWW-Authenticate': 'Bearer',
    });
  }
}

export function handleAdmin(ctx: AdminContext, req: IncomingMessage, path: string, rawBody: Buffer): Reply {
  requireAdmin(ctx, req);
  const method = req.method ?? 'GET';
  const key = `${method} ${path}`;
  const at = ctx.now().toISOString();
  switch (key) {
    case 'GET /admin/faults':
      return { status: 200, body: { faults: ctx.faults.list() } };
    case 'PUT /admin/faults':
      ctx.faults.set(
        validate(z.strictObject({ faults: z.array(faultRuleSchema).max(50) }), parseJson(req, rawBody)).faults,
      );
      return { status: 200, body: { faults: ctx.faults.list() } };
    case 'POST /admin/faults':
      ctx.faults.add(validate(faultRuleSchema, parseJson(req, rawBody)));
      return { status: 200, body: { faults: ctx.faults.list() } };
    case 'DELETE /admin/faults':
      ctx.faults.clear();
      return { status: 200, body: { faults: [] } };
    case 'POST /admin/rule-packages':
      try {
        return { status: 201, body: { published: ctx.packages.publish(parseJson(req, rawBody)) } };
      } catch (e) {
        if (e instanceof DeskError) throw HttpError.from(e, e.body.code === 'conflicting_rule_packages' ? 409 : 400);
        throw e;
      }
    case 'POST /admin/persons': {
      const p = validate(adminPerson, parseJson(req, rawBody));
      if (!ctx.packages.ruleSet().hasRegion(p.region))
        throw new HttpError(
          400,
          'unknown_region',
          'region',
          `未发布统筹区 ${p.region} 的规则`,
          `no rules published for region ${p.region}`,
        );
      const { other_hospital: stays = {}, ...person } = p;
      const id = writeTransaction(ctx.db, () => {
        const personId = upsertPerson(ctx.db, person, at);
        recordMoves(ctx.db, personId, {}, stays, 'other_hospital', null, at);
        return personId;
      });
      const years = Object.keys(stays).map(Number);
      return {
        status: 200,
        body: { id_number: p.id_number, accumulators: years.length > 0 ? accumulators(ctx.db, id, years) : {} },
      };
    }
    case 'POST /admin/terminals': {
      const t = validate(adminTerminal, parseJson(req, rawBody));
      writeTransaction(ctx.db, () =>
        upsertTerminal(ctx.db, t.hospital_code, t.terminal_code, t.terminal_secret, at, t.regions ?? null),
      );
      return { status: 201, body: { hospital_code: t.hospital_code, terminal_code: t.terminal_code } };
    }
    default:
      throw new HttpError(404, 'not_found', '', `没有此管理接口 ${key}`, `no admin endpoint ${key}`);
  }
}
