/**
 * Sync protocol v1 between a terminal (收费窗口) and the insurer (医保中心): the
 * one definition of every request and response body, used by the reference
 * insurer service (insurer/) to validate what it receives and by the
 * terminal's sync client to validate what it gets back. docs/sync.md explains
 * the rules; docs/sync-protocol.openapi.yaml is generated from these schemas
 * (cli/openapi.ts) and a test keeps the two equal.
 *
 * Conventions, so that both sides can check everything:
 * - Amounts are decimal strings (domain.md §3: never binary floating point).
 *   Terminals send amounts as the engine accepts them (≤ 2 decimals); the
 *   insurer always answers with exactly two decimals; signed amounts (a
 *   difference, a reversal, a net total) never read "-0.00".
 * - Timestamps are UTC, ISO 8601 with "Z"; business dates are YYYY-MM-DD.
 * - Every request carries a Desk-Request-Id header; every response body
 *   echoes it in `request_id`, so a replayed or misrouted response is caught.
 * - Objects are strict: an unknown field is an error on either side, except
 *   the terminal's settlement `result`, which is stored as sent.
 *
 * Pure TypeScript (shared/): no Node or DOM imports.
 *
 * This module is the entry; the schemas live in protocol/, one file per part:
 *   primitives      field types (timestamps, amounts, ids)
 *   envelope        protocol/request_id, size limits, the error answer
 *   sign-in         9001-like sign-in
 *   rules           rule packages, their signature and signing keys
 *   persons         1101-like person snapshot
 *   payloads        the terminal's outbox payloads (settlement, manual claim)
 *   answers         amounts and answers shared by claims and reversals
 *   claims          2304-like claim upload
 *   reversals       2305-like reversal upload
 *   reconciliation  3201 totals, 3202 details
 *   upload-dates    the upload requests on a given day (no future dates)
 *   endpoints       the ENDPOINTS table
 */
export {
  timestamp,
  businessDate,
  amountIn,
  amountOut,
  signedAmount,
  layerId,
  regionId,
  ruleVersion,
  idempotencyKey,
  requestId,
  terminalCode,
  hospitalCode,
  idNumber,
  keyId,
  errorCode,
} from './protocol/primitives.js';
export {
  PROTOCOL,
  MAX_BODY_BYTES,
  MAX_BATCH_ITEMS,
  MAX_DETAIL_PAGE,
  REQUEST_ID_HEADER,
  errorResponse,
  ERROR_CODES,
  type ErrorResponse,
} from './protocol/envelope.js';
export * from './protocol/sign-in.js';
export * from './protocol/rules.js';
export * from './protocol/persons.js';
export * from './protocol/payloads.js';
export * from './protocol/answers.js';
export * from './protocol/claims.js';
export * from './protocol/reversals.js';
export * from './protocol/reconciliation.js';
export * from './protocol/upload-dates.js';
export * from './protocol/endpoints.js';
