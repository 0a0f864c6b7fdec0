/** One CLI input (a JSON text) → one JSON output, never a throw. */
import { settleRequest } from '../shared/engine/settle.js';
import { parseRequestShape } from '../shared/engine/request.js';
import { refuseBeyondToday } from '../shared/limits.js';
import { businessDate, systemClock } from '../electron/worker/store/clock.js';
import { DeskError, type ErrorBody } from '../shared/errors.js';
import type { RuleSet } from '../shared/rules/ruleset.js';
import type { SettlementResult } from '../shared/engine/result.js';

export type LineOutcome = { ok: true; output: SettlementResult } | { ok: false; output: { error: ErrorBody } };

/**
 * `today` is the business date (China Standard Time) the limits are checked
 * against (shared/limits.ts: discharge at most one day after today): the
 * system clock's unless given.
 */
export function settleLine(text: string, rules: RuleSet, today = businessDate(systemClock.now())): LineOutcome {
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
    // The shape first (settle's own order), then the limit against today, then the rules and the money.
    const req = parseRequestShape(input);
    refuseBeyondToday(req, today);
    return { ok: true, output: settleRequest(req, rules) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, output: { error: e.body } };
    throw e;
  }
}
