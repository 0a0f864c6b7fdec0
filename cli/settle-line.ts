/** One CLI input (a JSON text) → one JSON output, never a throw. */
import { settleRequest } from '../shared/engine/settle.js';
import { readRequestShape } from '../shared/engine/request.js';
import { latestDischarge, refuseBeyondToday } from '../shared/limits.js';
import { businessDate, systemClock } from '../electron/worker/store/clock.js';
import { DeskError, type ErrorBody } from '../shared/errors.js';
import type { RuleSet } from '../shared/rules/ruleset.js';
import type { SettlementResult } from '../shared/engine/result.js';

export type LineOutcome = { ok: true; output: SettlementResult } | { ok: false; output: { error: ErrorBody } };

export interface LineOptions {
  /** Build the Chinese calculation trace (default true); without it the result's trace is [] and the amounts are the same. */
  trace?: boolean;
}

/** The latest discharge accepted, for the last `today` asked (a batch asks with one today for many lines). */
let latestFor: { today: string; latest: string } | null = null;
function latestDischargeOn(today: string): string {
  if (latestFor?.today !== today) latestFor = { today, latest: latestDischarge(today) };
  return latestFor.latest;
}

/**
 * `today` is the business date (China Standard Time) the limits are checked
 * against (shared/limits.ts: discharge at most one day after today): the
 * system clock's unless given (a batch reads the clock once per chunk of lines).
 */
export function settleLine(
  text: string,
  rules: RuleSet,
  today = businessDate(systemClock.now()),
  options: LineOptions = {},
): LineOutcome {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      output: {
        error: {
          code: 'invalid_json',
          field: '',
          message: `不是有效的 JSON：${detail}`,
          message_en: `not valid JSON: ${detail}`,
        },
      },
    };
  }
  try {
    // The shape first (settle's own order: one compiled pass, zod only to word a refusal), then the limit
    // against today, then the rules and the money.
    const req = readRequestShape(input);
    // The dates are real here (the shape): only a discharge after the latest can be refused, and
    // refuseBeyondToday words that refusal.
    if (req.discharge_date > latestDischargeOn(today)) refuseBeyondToday(req, today);
    return { ok: true, output: settleRequest(req, rules, { trace: options.trace ?? true }) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, output: { error: e.body } };
    throw e;
  }
}
