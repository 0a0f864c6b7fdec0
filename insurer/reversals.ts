/**
 * Reversal upload (结算撤销, 2305-like): linked to the original settlement by
 * its idempotency key, from the same terminal. An accepted reversal undoes
 * the original's effect on the insurer's accumulators (domain.md §3: the
 * accumulators move back and forth with settlements and reversals) and takes
 * back what the insurer paid. Same idempotency rules as claims.
 */
import type { ReversalAnswer, ReversalItem, ReversalOutcome, SignedAmounts } from '../shared/sync/protocol.js';
import { negate } from '../shared/sync/amounts.js';
import { rejected } from './answers.js';
import { canonicalSha256 } from './canonical-json.js';
import { claimIdOf, findClaim, insertClaim, replayOrConflict, setAnswer } from './claim-records.js';
import { writeTransaction, type Db } from './db.js';
import { negateMoves } from './persons.js';
import type { Terminal } from './terminals.js';

export function uploadReversals(
  db: Db,
  now: () => Date,
  terminal: Terminal,
  items: readonly ReversalItem[],
): ReversalAnswer[] {
  return writeTransaction(db, () => items.map((item) => reverseOne(db, now, terminal, item)));
}

function refusal(original: ReturnType<typeof findClaim>, db: Db): { code: string; message: string } | null {
  if (!original)
    return {
      code: 'original_not_found',
      message:
        '医保中心没有收到被冲销的结算，请先上传原结算（the original settlement was not received; upload it first）',
    };
  if (original.kind !== 'settlement')
    return {
      code: 'not_reversible',
      message: `${original.idempotency_key} 不是窗口结算，不能冲销（only window settlements can be reversed）`,
    };
  if (original.status === 'rejected')
    return {
      code: 'original_rejected',
      message: `原结算 ${original.idempotency_key} 已被拒付，无需冲销（the original was rejected）`,
    };
  if (original.reversed_by_id !== null) {
    const by = db.prepare('SELECT idempotency_key FROM claims WHERE id = ?').get(original.reversed_by_id) as {
      idempotency_key: string;
    };
    return {
      code: 'already_reversed',
      message: `原结算 ${original.idempotency_key} 已由 ${by.idempotency_key} 冲销（already reversed）`,
    };
  }
  return null;
}

function reverseOne(db: Db, now: () => Date, terminal: Terminal, item: ReversalItem): ReversalAnswer {
  const { idempotency_key: key, ...rest } = item;
  const hash = canonicalSha256(rest);
  const seen = findClaim(db, terminal.id, key);
  if (seen) return replayOrConflict<ReversalOutcome>(seen, hash);

  const at = now().toISOString();
  const original = findClaim(db, terminal.id, item.reverses);
  const base = {
    terminal_id: terminal.id,
    idempotency_key: key,
    kind: 'reversal' as const,
    business_date: item.business_date,
    item_sha256: hash,
    item,
    received_at: at,
  };
  const refused = refusal(original, db);
  if (refused || !original) {
    const id = insertClaim(db, {
      ...base,
      person_id: original?.person_id ?? null,
      status: 'rejected',
      terminal_amounts: null,
      insurer_amounts: null,
      reverses_id: null,
    });
    const answer = rejected(key, refused!.code, 'reverses', refused!.message, at);
    setAnswer(db, id, answer);
    return answer;
  }
  const terminalAmounts = negate(JSON.parse(original.terminal_amounts!) as SignedAmounts);
  const insurerAmounts = negate(JSON.parse(original.insurer_amounts!) as SignedAmounts);
  const id = insertClaim(db, {
    ...base,
    person_id: original.person_id,
    status: 'accepted',
    terminal_amounts: terminalAmounts,
    insurer_amounts: insurerAmounts,
    reverses_id: original.id,
  });
  db.prepare('UPDATE claims SET reversed_by_id = ? WHERE id = ?').run(id, original.id);
  negateMoves(db, original.id, id, at);
  const answer: ReversalOutcome = {
    status: 'accepted',
    idempotency_key: key,
    claim_id: claimIdOf(id),
    reverses: item.reverses,
    insurer: insurerAmounts,
    answered_at: at,
  };
  setAnswer(db, id, answer);
  return answer;
}
