/** Builders for the answer shapes of shared/sync/protocol.ts that claims and reversals share. */
import type { RejectedAnswer } from '../shared/sync/protocol.js';

export interface ConflictAnswerJson {
  status: 'conflict';
  idempotency_key: string;
  code: 'idempotency_conflict';
  message: string;
}

export function rejected(key: string, code: string, field: string, message: string, at: string): RejectedAnswer {
  return { status: 'rejected', idempotency_key: key, code, field, message: message.slice(0, 1000), answered_at: at };
}
