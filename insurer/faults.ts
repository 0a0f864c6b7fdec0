/**
 * Fault switches: the failures a terminal's sync client must survive, on
 * demand. Each rule names a fault and fires either with a probability on
 * every matching request or for the next `count` matching requests (a rule
 * with neither fires always). Rules apply to protocol paths (/v1/…) and the
 * NHSA gateway's (/fsi/…) only, optionally to those starting with `path`.
 *
 *   delay                    wait delay_ms before handling (combines with one of the others)
 *   error_500_before_commit  answer 500 without handling: nothing is stored
 *   drop_after_commit        handle and commit, then destroy the socket before any response byte
 *   error_500_after_commit   handle and commit, then answer 500
 *   malformed_body           handle and commit, then answer 200 with a body that is not the
 *                            protocol's: style invalid_json (truncated JSON, the default) or
 *                            wrong_shape (valid JSON, an amount as a number, an unknown status)
 *   oversized_body           handle and commit, then answer 200 with a body of MAX_BODY_BYTES + 1
 *                            bytes, chunked (no Content-Length: the client must count)
 *   replay_previous          handle and commit, then answer with the previous response this
 *                            endpoint sent (another request's request_id); fires only when there is one
 *
 * At most one of the outcome faults fires per request, the first in the order above.
 */
import { z } from 'zod';

export const OUTCOME_FAULTS = [
  'error_500_before_commit',
  'drop_after_commit',
  'error_500_after_commit',
  'malformed_body',
  'oversized_body',
  'replay_previous',
] as const;
export const FAULT_NAMES = ['delay', ...OUTCOME_FAULTS] as const;
export type OutcomeFault = (typeof OUTCOME_FAULTS)[number];

export const faultRuleSchema = z
  .strictObject({
    fault: z.enum(FAULT_NAMES),
    probability: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).max(1_000_000).optional(),
    delay_ms: z.number().int().min(1).max(600_000).optional(),
    path: z
      .string()
      .regex(/^\/(v1|fsi)\//)
      .max(200)
      .optional(),
    style: z.enum(['invalid_json', 'wrong_shape']).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.probability !== undefined && r.count !== undefined)
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'give a probability or a count, not both' });
    if ((r.fault === 'delay') !== (r.delay_ms !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['delay_ms'],
        message: 'delay_ms goes with the delay fault, and only with it',
      });
    if (r.style !== undefined && r.fault !== 'malformed_body')
      ctx.addIssue({ code: 'custom', path: ['style'], message: 'style goes with malformed_body only' });
  });
export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ArmedRule extends FaultRule {
  fired: number;
}

export interface FaultDraw {
  delayMs: number;
  outcome: OutcomeFault | null;
  style: 'invalid_json' | 'wrong_shape';
}

export class FaultSwitches {
  private rules: ArmedRule[] = [];

  constructor(
    rules: readonly FaultRule[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.set(rules);
  }

  set(rules: readonly FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, fired: 0 }));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules with how often each has fired; a count rule shows what is left. */
  list(): (FaultRule & { fired: number })[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private fires(r: ArmedRule, path: string): boolean {
    if (r.path !== undefined && !path.startsWith(r.path)) return false;
    if (r.count !== undefined) return r.count > 0;
    return r.probability === undefined || this.random() < r.probability;
  }

  private consume(r: ArmedRule): void {
    r.fired++;
    if (r.count !== undefined) r.count--;
  }

  /** Decides the faults for one request (and uses up counts). */
  draw(path: string, canReplay: boolean): FaultDraw {
    const draw: FaultDraw = { delayMs: 0, outcome: null, style: 'invalid_json' };
    if (!/^\/(v1|fsi)\//.test(path)) return draw;
    for (const r of this.rules) {
      if (r.fault === 'delay' && this.fires(r, path)) {
        this.consume(r);
        draw.delayMs += r.delay_ms!;
      }
    }
    for (const name of OUTCOME_FAULTS) {
      if (name === 'replay_previous' && !canReplay) continue;
      const r = this.rules.find((x) => x.fault === name && this.fires(x, path));
      if (r) {
        this.consume(r);
        draw.outcome = name;
        draw.style = r.style ?? 'invalid_json';
        break;
      }
    }
    this.rules = this.rules.filter((r) => r.count === undefined || r.count > 0);
    return draw;
  }
}

/**
 * "drop_after_commit:count=1", "delay:ms=500,p=0.5", "error_500_after_commit:p=0.1,path=/v1/claims",
 * "malformed_body:style=wrong_shape": the CLI's --fault and INSURER_FAULTS (";"-separated) syntax.
 */
export function parseFaultSpec(spec: string): FaultRule {
  const [name, options = ''] = spec.trim().split(':', 2) as [string, string?];
  const rule: Record<string, unknown> = { fault: name };
  for (const part of options.split(',').filter(Boolean)) {
    const [k, v = ''] = part.split('=', 2) as [string, string?];
    const key = { p: 'probability', n: 'count', ms: 'delay_ms' }[k] ?? k;
    rule[key] = ['probability', 'count', 'delay_ms'].includes(key) ? Number(v) : v;
  }
  const parsed = faultRuleSchema.safeParse(rule);
  if (!parsed.success)
    throw new Error(
      `fault "${spec}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
