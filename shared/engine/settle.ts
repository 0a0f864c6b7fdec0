/**
 * The settlement engine: docs/settlement-model.md, exactly.
 *
 * A stay is split into parts, one per (calendar year, rule version); each part
 * goes through the basic layer (deductible, ratio, annual cap → three
 * segments), then the package's layers in order (banded on the cumulative base
 * of the year, or flat on this claim), their annual and combined caps, and the
 * in-policy ceiling. Exact integers throughout (fen, rates over powers of ten,
 * BigInt only where a product passes 2^53: exact.ts); fund payments and segments
 * are rounded half-up to the cent and nothing else is.
 *
 * Two entries, one answer: settle(unknown) for untrusted JSON (the CLI, the
 * hospital system, the reference insurer) reads the request's shape first, in
 * one compiled pass (readRequestShape: zod only to word a refusal);
 * settleRequest(SettlementRequest) for a request built by trusted code (the
 * terminal's service) reads no shape. Both check the request against the
 * rules (checkRequest), so both refuse the same request with the same error.
 *
 *   parts.ts   the stay split into parts      part.ts    one part: basic layer, layers, ceiling
 *   layer.ts   one layer on one part          bands.ts   a part's bands on the base
 *   costs.ts   the cost lines as money        totals.ts  the funds and national fields
 *   trace.ts   the Chinese trace              check.ts   the request against the rules
 *   exact.ts   integer money and its texts
 */
import { parseFen } from './exact.js';
import type { RuleSet } from '../rules/ruleset.js';
import { Accumulators } from './accumulators.js';
import { checkRequest } from './check.js';
import { checkSelfPay, parseCosts, totals } from './costs.js';
import type { PriorLeft } from './layer.js';
import { settlePart } from './part.js';
import { splitIntoParts } from './parts.js';
import { readRequestShape, type SettlementRequest } from './request.js';
import type { SettlementResult } from './result.js';
import { settlementTotals } from './totals.js';
import { Trace } from './trace.js';

export interface SettleOptions {
  /**
   * Build the Chinese calculation trace (default true). Batch re-settlement
   * that only needs the amounts can turn it off; the amounts are identical.
   */
  trace?: boolean;
}

/**
 * Validates an untrusted JSON request (its shape in one compiled pass, then against the rules) and settles it.
 * Throws DeskError on bad input, worded by zod as before.
 */
export function settle(input: unknown, rules: RuleSet, options: SettleOptions = {}): SettlementResult {
  return settleRequest(readRequestShape(input), rules, options);
}

/**
 * Settles a typed request, e.g. one the terminal's service built from its own
 * store: no zod, but checked against the rules first (checkRequest), with the
 * same errors as settle. Throws DeskError on a request the rules refuse.
 */
export function settleRequest(req: SettlementRequest, rules: RuleSet, options: SettleOptions = {}): SettlementResult {
  checkRequest(req, rules);
  const costs = parseCosts(req.costs);
  checkSelfPay(costs);
  const parts = splitIntoParts(req, costs, rules);
  const acc = Accumulators.fromJson(req.ytd);
  const trace = new Trace(options.trace ?? true);
  // Prior compensation per year, consumed by the layers that are net of it, across the year's parts (江阴 二(三)).
  const priors = new Map<number, PriorLeft>();
  const priorLeft = (year: number): PriorLeft => {
    let p = priors.get(year);
    if (!p) priors.set(year, (p = { left: parseFen(req.prior_compensation[String(year)] ?? '0') }));
    return p;
  };
  const settled = parts.map((part, index) => settlePart(req, part, index, parts.length, acc, trace, priorLeft));

  const first = parts[0]!.pkg;
  const { national, funds, fund_details } = settlementTotals(req, parts, settled, totals(costs), trace);

  return {
    region: req.region,
    region_name: first.region.name,
    scheme: req.insured.scheme,
    ...national,
    funds,
    fund_details,
    parts: settled.map((p) => p.result),
    ytd_after: acc.toJson(),
    trace: trace.steps,
  };
}
