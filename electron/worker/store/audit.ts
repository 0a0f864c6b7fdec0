/**
 * The audit log: append-only (triggers refuse UPDATE and DELETE) and
 * hash-chained, so that editing the file behind the app's back is detectable:
 * each entry's hash covers the previous entry's hash and its own content.
 */
import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import { cached } from '../../node/statement-cache.js';

export interface AuditEntry {
  at: string;
  operatorId: number | null;
  action: string;
  entity: string;
  entityId: string | null;
  detail: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

function entryHash(
  prev: string,
  e: {
    at: string;
    operator_id: number | null;
    action: string;
    entity: string;
    entity_id: string | null;
    detail: string;
  },
): string {
  const canonical = JSON.stringify([e.at, e.operator_id, e.action, e.entity, e.entity_id, e.detail]);
  return createHash('sha256').update(prev).update('\n').update(canonical).digest('hex');
}

/** Appends within the caller's transaction. */
export function appendAudit(db: Db, e: AuditEntry): void {
  const last = cached(db, 'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { hash: string } | undefined;
  const prev = last?.hash ?? GENESIS;
  const row = {
    at: e.at,
    operator_id: e.operatorId,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId,
    detail: JSON.stringify(e.detail),
  };
  cached(
    db,
    'INSERT INTO audit_log (at, operator_id, action, entity, entity_id, detail, prev_hash, hash) VALUES (@at, @operator_id, @action, @entity, @entity_id, @detail, @prev_hash, @hash)',
  ).run({ ...row, prev_hash: prev, hash: entryHash(prev, row) });
}

export type AuditVerdict =
  { ok: true; entries: number } | { ok: false; entries: number; firstBrokenId: number; problem: string };

/** Walks the chain; reports the first entry whose link or hash does not hold. */
export function verifyAudit(db: Db): AuditVerdict {
  let prev = GENESIS;
  let count = 0;
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<{
    id: number;
    at: string;
    operator_id: number | null;
    action: string;
    entity: string;
    entity_id: string | null;
    detail: string;
    prev_hash: string;
    hash: string;
  }>) {
    count++;
    if (row.prev_hash !== prev)
      return {
        ok: false,
        entries: count,
        firstBrokenId: row.id,
        problem: 'prev_hash does not match the previous entry (an entry was removed or reordered)',
      };
    if (entryHash(prev, row) !== row.hash)
      return {
        ok: false,
        entries: count,
        firstBrokenId: row.id,
        problem: 'content does not match its hash (the entry was edited)',
      };
    prev = row.hash;
  }
  return { ok: true, entries: count };
}
