/**
 * Claim rows keyed by (terminal, idempotency key), shared by claim and
 * reversal uploads: the same key space, because a terminal's record numbers
 * are unique across settlements, reversals and manual claims. The answer is
 * stored with the row in the same transaction, so the answer a retry gets as
 * `duplicate` is byte for byte the one first sent (or lost on the way).
 */
import type { ConflictAnswerJson } from './answers.js';
import type { Db } from './db.js';
import { cached } from '../electron/node/statement-cache.js';

export interface ClaimRow {
  id: number;
  terminal_id: number;
  idempotency_key: string;
  kind: 'settlement' | 'manual_claim' | 'reversal';
  business_date: string;
  item_sha256: string;
  person_id: number | null;
  status: 'accepted' | 'adjusted' | 'rejected';
  terminal_amounts: string | null;
  insurer_amounts: string | null;
  reverses_id: number | null;
  reversed_by_id: number | null;
  answer: string;
  received_at: string;
}

export function findClaim(db: Db, terminalId: number, key: string): ClaimRow | undefined {
  return cached(db, 'SELECT * FROM claims WHERE terminal_id = ? AND idempotency_key = ?').get(terminalId, key) as
    ClaimRow | undefined;
}

export interface NewClaim {
  terminal_id: number;
  idempotency_key: string;
  kind: ClaimRow['kind'];
  business_date: string;
  item_sha256: string;
  item: unknown;
  person_id: number | null;
  status: ClaimRow['status'];
  terminal_amounts: unknown;
  insurer_amounts: unknown;
  reverses_id: number | null;
  received_at: string;
}

/** Inserts the row; the answer (which names the row's id) is set with setAnswer in the same transaction. */
export function insertClaim(db: Db, c: NewClaim): number {
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  return Number(
    cached(
      db,
      `INSERT INTO claims (terminal_id, idempotency_key, kind, business_date, item_sha256, item, person_id, status, terminal_amounts, insurer_amounts, reverses_id, answer, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)`,
    ).run(
      c.terminal_id,
      c.idempotency_key,
      c.kind,
      c.business_date,
      c.item_sha256,
      JSON.stringify(c.item),
      c.person_id,
      c.status,
      json(c.terminal_amounts),
      json(c.insurer_amounts),
      c.reverses_id,
      c.received_at,
    ).lastInsertRowid,
  );
}

export function setAnswer(db: Db, id: number, answer: unknown): void {
  cached(db, 'UPDATE claims SET answer = ? WHERE id = ?').run(JSON.stringify(answer), id);
}

/** The insurer's id for a claim, as answers show it. */
export function claimIdOf(rowId: number): string {
  return `C${String(rowId).padStart(8, '0')}`;
}

/** Same key seen before: the original answer when the body is the same, a conflict when it is not. */
export function replayOrConflict<T>(
  seen: ClaimRow,
  itemSha256: string,
): { status: 'duplicate'; idempotency_key: string; original: T } | ConflictAnswerJson {
  if (seen.item_sha256 === itemSha256)
    return { status: 'duplicate', idempotency_key: seen.idempotency_key, original: JSON.parse(seen.answer) as T };
  return {
    status: 'conflict',
    idempotency_key: seen.idempotency_key,
    code: 'idempotency_conflict',
    message: `幂等键 ${seen.idempotency_key} 已于 ${seen.received_at} 以不同内容提交，本次未作任何更改（idempotency key already used with a different body; nothing was changed）`,
  };
}
