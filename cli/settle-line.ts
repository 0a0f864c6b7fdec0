/** One CLI input (a JSON text) → one JSON output, never a throw. */
import { settle } from '../shared/engine/settle.js';
import { DeskError, type ErrorBody } from '../shared/errors.js';
import type { RuleSet } from '../shared/rules/ruleset.js';
import type { SettlementResult } from '../shared/engine/result.js';

export type LineOutcome = { ok: true; output: SettlementResult } | { ok: false; output: { error: ErrorBody } };

export function settleLine(text: string, rules: RuleSet): LineOutcome {
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
    return { ok: true, output: settle(input, rules) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, output: { error: e.body } };
    throw e;
  }
}
