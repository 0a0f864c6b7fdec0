/**
 * What every NHSA transaction handler gets and gives: the request being
 * answered (account, envelope, person), a refusal (infcode -1 with a Chinese
 * err_msg, as gateways answer every violation), and what to remember so that
 * a 2601 冲正 can undo the effect later.
 */
import type { RequestEnvelope } from '../../shared/nhsa/envelope.js';
import type { RuleSet } from '../../shared/rules/ruleset.js';
import type { Db } from '../db.js';
import type { Person } from '../persons.js';
import type { NhsaAccount } from './state.js';

/** A violation: the gateway answers HTTP 200, infcode -1, err_msg = message. */
export class Refusal extends Error {}

export function refuse(errMsg: string): never {
  throw new Refusal(errMsg);
}

/** Exactly this text for a missing, unknown or foreign sign_no (the terminal's adapter matches it). */
export const SIGN_NO_INVALID = '签到编号无效';
/** 2601 for an omsgid never received (or not of that psn_no). */
export const ORIGINAL_NOT_FOUND = '原交易不存在';

/** How a 2601 undoes an applied request (stored with the request). */
export type Undo =
  | { kind: 'admit'; mdtrt_id: string }
  | { kind: 'discharge'; mdtrt_id: string }
  | { kind: 'settle'; setl_id: string }
  | { kind: 'cancel'; setl_id: string };

export interface TxContext {
  db: Db;
  rules: () => RuleSet;
  account: NhsaAccount;
  /** The request's row in nhsa_requests. */
  requestId: number;
  envelope: RequestEnvelope;
  /** When the request arrived. */
  now: Date;
  /** The person every psn_no of the input names (checked against insuplc_admdvs), if the input has one. */
  person: Person | null;
  psnNo: string | null;
}

export interface TxResult {
  output: unknown;
  undo?: Undo;
  /** 9102: the file is the answer's body, not an envelope (docs/nhsa.md §8); `output` is only logged. */
  file?: { bytes: Uint8Array; filename: string };
}

/** A new id: the gateway's region (6) + Beijing yyyyMMddHHmmss (14) + the request's row id (10) = 30. */
export function gatewayId(admvs: string, stamp: string, requestId: number): string {
  return `${admvs}${stamp}${String(requestId % 1e10).padStart(10, '0')}`;
}
