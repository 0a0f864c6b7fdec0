/**
 * Claim upload: a batch in one transaction, each item under its idempotency
 * key. A new key is recomputed with the insurer's data and answered accepted,
 * adjusted or rejected, and the answer is stored with the claim and the
 * person's accumulator movements; a known key with the same body gets the
 * stored answer as `duplicate`; a known key with another body is a
 * `conflict` and changes nothing (docs/sync.md, idempotency).
 */
import { DeskError } from '../shared/errors.js';
import type { RuleSet } from '../shared/rules/ruleset.js';
import type { ClaimAnswer, ClaimItem, ClaimOutcome } from '../shared/sync/protocol.js';
import { amountsOf, sameAmounts, subtract } from '../shared/sync/amounts.js';
import { rejected } from './answers.js';
import { canonicalSha256 } from './canonical-json.js';
import { claimIdOf, findClaim, insertClaim, replayOrConflict, setAnswer } from './claim-records.js';
import { writeTransaction, type Db } from './db.js';
import { accumulators, findPerson, recordMoves } from './persons.js';
import { reasons, recompute, yearsOf } from './recompute.js';
import type { Terminal } from './terminals.js';
import { OUT_OF_REGION, inScope } from './regions.js';

export interface ClaimContext {
  db: Db;
  rules: () => RuleSet;
  now: () => Date;
}

/** All items or none: one IMMEDIATE transaction, committed before the answer is sent. */
export function uploadClaims(ctx: ClaimContext, terminal: Terminal, items: readonly ClaimItem[]): ClaimAnswer[] {
  return writeTransaction(ctx.db, () => {
    // The rules once per batch: a batch is one transaction, so it cannot see a package installed half-way.
    const rules = ctx.rules();
    return items.map((item) => uploadOne(ctx, rules, terminal, item));
  });
}

function uploadOne(ctx: ClaimContext, rules: RuleSet, terminal: Terminal, item: ClaimItem): ClaimAnswer {
  const { idempotency_key: key, ...rest } = item;
  const hash = canonicalSha256(rest);
  const seen = findClaim(ctx.db, terminal.id, key);
  if (seen) return replayOrConflict<ClaimOutcome>(seen, hash);

  const at = ctx.now().toISOString();
  const base = {
    terminal_id: terminal.id,
    idempotency_key: key,
    kind: item.kind,
    business_date: item.business_date,
    item_sha256: hash,
    item,
    reverses_id: null,
    received_at: at,
  };
  const terminalAmounts = amountsOf(item.body.result);
  const store = (
    status: ClaimOutcome['status'],
    personId: number | null,
    insurerAmounts: unknown,
    answer: (id: number) => ClaimOutcome,
  ) => {
    const id = insertClaim(ctx.db, {
      ...base,
      person_id: personId,
      status,
      terminal_amounts: terminalAmounts,
      insurer_amounts: insurerAmounts,
    });
    const a = answer(id);
    setAnswer(ctx.db, id, a);
    return { id, answer: a };
  };

  const person = findPerson(ctx.db, item.id_number);
  if (!person) {
    return store('rejected', null, null, () =>
      rejected(
        key,
        'person_not_found',
        'id_number',
        '医保中心没有该身份证号的参保记录（no insured person with this identity number）',
        at,
      ),
    ).answer;
  }
  if (!inScope(terminal.regions, person.region)) {
    // Not this terminal's region (regions.ts): settled through 异地就医, not here; the answer carries nothing of the
    // person (an adjusted answer would show the insurer's flags and accumulators).
    return store('rejected', null, null, () =>
      rejected(key, OUT_OF_REGION.code, OUT_OF_REGION.field, `${OUT_OF_REGION.zh}（${OUT_OF_REGION.en}）`, at),
    ).answer;
  }
  const before = accumulators(ctx.db, person.id, yearsOf(item.body.request));
  let result;
  try {
    result = recompute(person, item.body.request, before, rules);
  } catch (e) {
    if (!(e instanceof DeskError)) throw e;
    return store('rejected', person.id, null, () => rejected(key, e.body.code, e.body.field, e.body.message, at))
      .answer;
  }

  const insurer = amountsOf(result);
  let stored;
  if (sameAmounts(insurer, terminalAmounts)) {
    stored = store('accepted', person.id, insurer, (id) => ({
      status: 'accepted',
      idempotency_key: key,
      claim_id: claimIdOf(id),
      insurer,
      answered_at: at,
    }));
  } else {
    const difference = subtract(insurer, terminalAmounts);
    const message =
      `医保中心按其掌握的参保与累计数据重新计算：基金支付 ${insurer.fund_pay_sumamt}（终端 ${terminalAmounts.fund_pay_sumamt}），差额 ${difference.fund_pay_sumamt}；` +
      `个人现金 ${insurer.psn_cash_pay}，差额 ${difference.psn_cash_pay}，请多退少补。`;
    stored = store('adjusted', person.id, insurer, (id) => ({
      status: 'adjusted',
      idempotency_key: key,
      claim_id: claimIdOf(id),
      terminal: terminalAmounts,
      insurer,
      difference,
      reasons: reasons(person, item.body.request, before, item.body.result, result),
      message,
      answered_at: at,
    }));
  }
  // The insurer's accumulators move by what it pays, not by what the terminal computed.
  recordMoves(ctx.db, person.id, before, result.ytd_after, 'claim', stored.id, at);
  return stored.answer;
}
