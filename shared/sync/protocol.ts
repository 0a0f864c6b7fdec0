/**
 * Sync protocol v1 between a terminal (收费窗口) and the insurer (医保中心): the
 * one definition of every request and response body, used by the reference
 * insurer service (insurer/) to validate what it receives and by the
 * terminal's sync client to validate what it gets back. docs/sync.md explains
 * the rules; docs/sync-protocol.openapi.yaml is generated from these schemas
 * (insurer/openapi.ts) and a test keeps the two equal.
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
 */
import { z } from 'zod';
import { AMOUNT_PATTERN } from '../money.js';
import { isRealDate } from '../dates.js';
import { LAYER_ID_PATTERN, SCHEME_IDS } from '../rules/schema.js';
import { isValidIdNumber } from './id-number.js';
import { enrolmentValue, suspendedYears } from '../engine/insured.js';

// ── Constants ───────────────────────────────────────────────────────────────

/** Every response body carries this in `protocol`; a client refuses anything else. */
export const PROTOCOL = 'discharge-desk/sync@1';
/**
 * Largest request or response body either side accepts, in bytes. A client
 * stops reading a response at this size and treats it as an error; the
 * server answers 413 to a larger request. (A full claim batch is well under
 * 1 MiB: 100 items of a few KiB each.)
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_BATCH_ITEMS = 100;
export const MAX_DETAIL_PAGE = 500;
/** Request header with a client-chosen id, echoed in every response body. */
export const REQUEST_ID_HEADER = 'Desk-Request-Id';
/** The first line of the signed text (see signedText). */
export const SIGNATURE_CONTEXT = 'discharge-desk/rule-package-signature@1';
export const SIGNATURE_ALGORITHM = 'Ed25519';

/**
 * The text whose UTF-8 bytes the insurer signs with Ed25519 (RFC 8032, pure,
 * no pre-hash): five fields joined by "\n", the package last so that it may
 * contain newlines. Each field is exactly the string in the download response;
 * nothing is re-serialised. Covering key_id, signed_at and valid_until stops a
 * replay of an old signature with a later expiry or under another key.
 */
export function signedText(s: {
  key_id: string;
  signed_at: string;
  valid_until: string;
  package_json: string;
}): string {
  return `${SIGNATURE_CONTEXT}\n${s.key_id}\n${s.signed_at}\n${s.valid_until}\n${s.package_json}`;
}

// ── Field types ─────────────────────────────────────────────────────────────

const params = (code: string, en: string) => ({ params: { code, en } });

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** UTC timestamp, e.g. "2026-03-20T02:00:00.000Z" (what Date#toISOString writes). */
export const timestamp = z
  .string()
  .regex(UTC_TIMESTAMP, {
    message: '时间须为 UTC ISO 8601，如 2026-03-20T02:00:00.000Z',
    ...params('invalid_field', 'must be a UTC ISO 8601 timestamp'),
  })
  .refine((s) => isRealDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s)), {
    message: '时间不存在',
    ...params('invalid_field', 'not a real time'),
  });
export const businessDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式须为 YYYY-MM-DD', ...params('invalid_date', 'must be YYYY-MM-DD') })
  .refine(isRealDate, { message: '日期不存在', ...params('invalid_date', 'not a real date') });
/** As the engine accepts it: non-negative, at most two decimals. */
export const amountIn = z.string().regex(AMOUNT_PATTERN, {
  message: '须为非负金额，最多两位小数',
  ...params('invalid_amount', 'must be a non-negative amount with at most two decimals'),
});
/** As the insurer writes it: non-negative, exactly two decimals. */
export const amountOut = z.string().regex(/^(0|[1-9]\d{0,11})\.\d{2}$/, {
  message: '须为两位小数的非负金额',
  ...params('invalid_amount', 'must be a non-negative amount with two decimals'),
});
/** A difference or a net total: exactly two decimals, a minus sign when negative, never "-0.00". */
export const signedAmount = z.string().regex(/^(?!-0\.00$)-?(0|[1-9]\d{0,13})\.\d{2}$/, {
  message: '须为两位小数的金额',
  ...params('invalid_amount', 'must be a signed amount with two decimals'),
});
export const layerId = z
  .string()
  .regex(LAYER_ID_PATTERN, { message: '层级编号无效', ...params('invalid_field', 'invalid layer id') });
export const regionId = z
  .string()
  .regex(LAYER_ID_PATTERN, { message: '统筹区编号无效', ...params('invalid_field', 'invalid region id') });
export const ruleVersion = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,40}$/, { message: '规则版本号无效', ...params('invalid_field', 'invalid rule version') });
const yearKey = z
  .string()
  .regex(/^\d{4}$/, { message: '年度须为四位数字', ...params('invalid_field', 'year must be four digits') });
/** The terminal's record number (settlement, reversal or manual claim number), e.g. "T01-S20260320-000001". */
export const idempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, {
  message: '幂等键须为1-64位字母、数字或 ._:-',
  ...params('invalid_field', 'idempotency key: 1-64 of A-Z a-z 0-9 . _ : -'),
});
export const requestId = z.string().regex(/^[A-Za-z0-9._:-]{8,64}$/, {
  message: '请求编号须为8-64位字母、数字或 ._:-',
  ...params('invalid_field', 'request id: 8-64 of A-Z a-z 0-9 . _ : -'),
});
export const terminalCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, {
  message: '终端编号须为1-32位字母数字',
  ...params('invalid_field', 'terminal code: 1-32 letters, digits, _ or -'),
});
export const hospitalCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, {
  message: '医疗机构编码须为1-32位字母数字',
  ...params('invalid_field', 'hospital code: 1-32 letters, digits, _ or -'),
});
export const idNumber = z
  .string()
  .regex(/^\d{17}[\dX]$/, {
    message: '身份证号须为18位（最后一位可为大写X）',
    ...params('invalid_field', 'identity number: 18 characters, the last may be X'),
  })
  .refine(isValidIdNumber, {
    message: '身份证号校验位不正确',
    ...params('invalid_field', 'identity number check digit is wrong'),
  });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** First 8 bytes of SHA-256 over the public key's SPKI DER, lower-case hex. */
export const keyId = z.string().regex(/^[0-9a-f]{16}$/);
/** An error or rejection code: stable, machine-readable. */
export const errorCode = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/);
const text = (max: number) => z.string().min(1).max(max);
const count = z.number().int().min(0).max(1_000_000_000);

// ── Envelope ────────────────────────────────────────────────────────────────

const envelope = { protocol: z.literal(PROTOCOL), request_id: requestId };

/**
 * Any non-2xx answer. `field` is the path of the bad value in the request
 * ("items[2].body.request.costs[0].medfee_sumamt"), "" for the whole request.
 * request_id is null when the request's own id was missing or invalid.
 */
export const errorResponse = z.strictObject({
  protocol: z.literal(PROTOCOL),
  request_id: requestId.nullable(),
  error: z.strictObject({
    code: errorCode,
    field: z.string().max(300),
    message: text(2000),
    message_en: text(2000).optional(),
  }),
});

/** Error codes the reference service uses; a real insurer may add its own (the pattern is open). */
export const ERROR_CODES = {
  invalid_json: 400,
  invalid_field: 400,
  missing_field: 400,
  unknown_field: 400,
  invalid_amount: 400,
  invalid_date: 400,
  terminal_mismatch: 400,
  invalid_credentials: 401,
  unauthenticated: 401,
  not_found: 404,
  person_not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
} as const;

// ── 9001-like sign-in ─────────────────────────────────────────────────────

export const signInRequest = z.strictObject({
  terminal_code: terminalCode,
  hospital_code: hospitalCode,
  terminal_secret: z.string().min(16).max(200),
});
export const signInResponse = z.strictObject({
  ...envelope,
  /** Sent back as "Authorization: Bearer <token>" until expires_at. */
  token: z.string().regex(/^[A-Za-z0-9_-]{32,256}$/),
  token_type: z.literal('Bearer'),
  expires_at: timestamp,
  /** The insurer's clock, so that the terminal can notice its own drift. */
  server_time: timestamp,
  terminal_code: terminalCode,
  hospital_code: hospitalCode,
});

// ── Signing keys (diagnostics only: terminals pin keys out of band) ──────────

export const signingKeysResponse = z.strictObject({
  ...envelope,
  keys: z
    .array(
      z.strictObject({
        key_id: keyId,
        algorithm: z.literal(SIGNATURE_ALGORITHM),
        public_key_spki_base64: z
          .string()
          .regex(/^[A-Za-z0-9+/]+={0,2}$/)
          .max(200),
      }),
    )
    .max(20),
});

// ── Rule packages ────────────────────────────────────────────────────────────

/**
 * Which versions the terminal wants to hear about. Per region: the versions
 * whose effective.from is later than that of `after_version` (all of the
 * region's versions when null, or when the insurer does not know
 * after_version). `regions: null` lists every region's versions.
 */
export const ruleQueryRequest = z.strictObject({
  regions: z
    .array(z.strictObject({ region: regionId, after_version: ruleVersion.nullable() }))
    .max(200)
    .nullable(),
});
export const packageSummary = z.strictObject({
  region: regionId,
  region_name: text(100),
  version: ruleVersion,
  effective_from: businessDate,
  effective_to: businessDate.nullable(),
  /** SHA-256 of the UTF-8 bytes of package_json in the download. */
  sha256: sha256Hex,
  size: z.number().int().min(2).max(MAX_BODY_BYTES),
  published_at: timestamp,
});
export const ruleQueryResponse = z.strictObject({ ...envelope, packages: z.array(packageSummary).max(2000) });

export const packageSignature = z.strictObject({
  algorithm: z.literal(SIGNATURE_ALGORITHM),
  key_id: keyId,
  signed_at: timestamp,
  /** The terminal refuses the package after this time (an out-of-date signature). */
  valid_until: timestamp,
  /** Ed25519 signature over the UTF-8 bytes of signedText(...), standard base64 (64 bytes → 88 characters). */
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
});
/**
 * GET /v1/rule-packages/{region}/{version}. The package travels as a string:
 * the signature covers these exact bytes, and JSON parsers disagree on
 * re-serialisation. After verifying, the terminal parses package_json and
 * checks that its region.id and version are the ones it asked for.
 */
export const ruleDownloadResponse = z.strictObject({
  ...envelope,
  region: regionId,
  version: ruleVersion,
  package_json: z
    .string()
    .min(2)
    .max(MAX_BODY_BYTES / 2),
  sha256: sha256Hex,
  signature: packageSignature,
});

// ── Person snapshot (1101-like) ──────────────────────────────────────────────

export const personLookupRequest = z.strictObject({
  id_number: idNumber,
  /** Calendar years whose accumulators are wanted (the stay's years). */
  years: z.array(z.number().int().min(1900).max(2200)).min(1).max(5),
});
/** The engine's ytd shape (shared/engine/accumulators.ts YtdJson): basic {paid, admissions}, other layers {paid, base}. */
export const ytdOut = z.record(
  yearKey,
  z.record(
    layerId,
    z.strictObject({
      paid: amountOut,
      base: amountOut.optional(),
      admissions: z.number().int().min(0).max(9999).optional(),
    }),
  ),
);
export const personSnapshot = z.strictObject({
  id_number: idNumber,
  name: text(60),
  gender: z.enum(['M', 'F']).nullable(),
  region: regionId,
  scheme: z.enum(SCHEME_IDS),
  retired: z.boolean(),
  medical_assistance: z.boolean(),
  /** insured.enrolled.<layer id> of the engine's request: every year, or year → enrolled (domain.md §3, eligibility per year). */
  enrolled: z.record(layerId, enrolmentValue),
  /** Years in which the person's basic benefits are suspended (waiting period, arrears); absent from an insurer before 2026-11-30: none. */
  suspended_years: suspendedYears.default([]),
  /** Every requested year is present; a layer missing from a year is zero. */
  accumulators: ytdOut,
  /** Includes every claim the insurer had received at this time. */
  as_of: timestamp,
});
export const personLookupResponse = z.strictObject({ ...envelope, person: personSnapshot });

// ── The terminal's outbox payloads (electron/worker/store/service.ts enqueue) ────────

const costLine = z.strictObject({
  date: businessDate,
  medfee_sumamt: amountIn,
  fulamt_ownpay_amt: amountIn,
  overlmt_selfpay: amountIn,
  preselfpay_amt: amountIn,
});
const accumulatorIn = z.strictObject({
  paid: amountIn.optional(),
  base: amountIn.optional(),
  admissions: z.number().int().min(0).max(9999).optional(),
});
/**
 * The engine's settlement request v1 (shared/engine/request.ts) as the
 * terminal settled it: its own accumulators and flags. The insurer runs the
 * engine's own validation again when it recomputes.
 */
export const settlementRequestWire = z.strictObject({
  region: regionId,
  insured: z.strictObject({
    scheme: z.enum(SCHEME_IDS),
    retired: z.boolean(),
    medical_assistance: z.boolean(),
    enrolled: z.record(layerId, enrolmentValue).optional(),
    suspended_years: suspendedYears.optional(),
  }),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  admission_date: businessDate,
  discharge_date: businessDate,
  costs: z.array(costLine).min(1).max(400),
  ytd: z.record(yearKey, z.record(layerId, accumulatorIn)).optional(),
  prior_compensation: z.record(yearKey, amountIn).optional(),
  claim_filed_on: businessDate.optional(),
});
/** The terminal's result, without its trace; kept as sent. The insurer reads these fields. */
export const terminalResult = z.looseObject({
  region: regionId,
  scheme: z.enum(SCHEME_IDS),
  medfee_sumamt: amountOut,
  fund_pay_sumamt: amountOut,
  psn_cash_pay: amountOut,
  /** Layer id ("basic", "large_amount", …) → amount. */
  funds: z.record(layerId, amountOut),
});
export const settlementPayload = z.strictObject({
  number: idempotencyKey,
  terminal: terminalCode,
  hospital_code: hospitalCode,
  /** The terminal's local person id; meaningless to the insurer, kept as sent. */
  person_id: z.number().int().positive(),
  offline: z.boolean(),
  request: settlementRequestWire,
  result: terminalResult,
});
export const manualClaimPayload = z.strictObject({
  number: idempotencyKey,
  terminal: terminalCode,
  person_id: z.number().int().positive(),
  /** The hospital where the patient paid (not the terminal's). */
  hospital_code: text(30),
  hospital_name: text(100),
  request: settlementRequestWire,
  result: terminalResult,
});

// ── Claim upload (2304-like, batched) ────────────────────────────────────────

const itemCommon = {
  /** The outbox row's idempotency_key; must equal body.number. */
  idempotency_key: idempotencyKey,
  /** The terminal's business date of the record: reconciliation counts it on this date. */
  business_date: businessDate,
  /** The person's identity number (the outbox holds only the local person id). */
  id_number: idNumber,
};
export const settlementItem = z.strictObject({ ...itemCommon, kind: z.literal('settlement'), body: settlementPayload });
export const manualClaimItem = z.strictObject({
  ...itemCommon,
  kind: z.literal('manual_claim'),
  body: manualClaimPayload,
});
export const claimItem = z.discriminatedUnion('kind', [settlementItem, manualClaimItem]);

function keysMatchBodies(
  items: readonly { idempotency_key: string; body: { number: string } }[],
  ctx: z.RefinementCtx,
): void {
  items.forEach((item, i) => {
    if (item.body.number !== item.idempotency_key) {
      // One record, one key: the same settlement under two keys would be paid twice.
      ctx.addIssue({
        code: 'custom',
        path: ['items', i, 'body', 'number'],
        message: 'body.number 须与 idempotency_key 相同',
        params: { code: 'invalid_field', en: 'body.number must equal idempotency_key' },
      });
    }
  });
}

export const claimBatchRequest = z
  .strictObject({ items: z.array(claimItem).min(1).max(MAX_BATCH_ITEMS) })
  .superRefine((b, ctx) => keysMatchBodies(b.items, ctx));

/** What the insurer pays per fund, the bill total and the patient's part (setlinfo fields). */
export const amounts = z.strictObject({
  medfee_sumamt: amountOut,
  fund_pay_sumamt: amountOut,
  psn_cash_pay: amountOut,
  funds: z.record(layerId, amountOut),
});
export const signedAmounts = z.strictObject({
  medfee_sumamt: signedAmount,
  fund_pay_sumamt: signedAmount,
  psn_cash_pay: signedAmount,
  funds: z.record(layerId, signedAmount),
});
/** One input where the insurer's data differs from the terminal's ("ytd.2026.basic.paid", "insured.retired"). */
export const adjustmentReason = z.strictObject({
  field: text(200),
  terminal: z.string().max(200),
  insurer: z.string().max(200),
});

export const acceptedAnswer = z.strictObject({
  status: z.literal('accepted'),
  idempotency_key: idempotencyKey,
  /** The insurer's own id for the claim. */
  claim_id: text(64),
  /** Equal to the terminal's amounts. */
  insurer: amounts,
  answered_at: timestamp,
});
/** The insurer recomputed with data the window did not have (domain.md §1 offline, 多退少补). */
export const adjustedAnswer = z.strictObject({
  status: z.literal('adjusted'),
  idempotency_key: idempotencyKey,
  claim_id: text(64),
  terminal: amounts,
  insurer: amounts,
  /** insurer − terminal, per fund (every fund of either side) and in total. */
  difference: signedAmounts,
  reasons: z.array(adjustmentReason).max(50),
  message: text(1000),
  answered_at: timestamp,
});
/** Final: a retry with the same key and body gets it again as `duplicate`. */
export const rejectedAnswer = z.strictObject({
  status: z.literal('rejected'),
  idempotency_key: idempotencyKey,
  code: errorCode,
  field: z.string().max(300),
  message: text(1000),
  answered_at: timestamp,
});
export const claimOutcome = z.discriminatedUnion('status', [acceptedAnswer, adjustedAnswer, rejectedAnswer]);
/** The key was seen before with the same body: the original answer, byte for byte. Nothing changed. */
export const claimDuplicate = z.strictObject({
  status: z.literal('duplicate'),
  idempotency_key: idempotencyKey,
  original: claimOutcome,
});
/** The key was seen before with a different body: an error, nothing was stored or overwritten. */
export const conflictAnswer = z.strictObject({
  status: z.literal('conflict'),
  idempotency_key: idempotencyKey,
  code: z.literal('idempotency_conflict'),
  message: text(1000),
});
export const claimAnswer = z.discriminatedUnion('status', [
  acceptedAnswer,
  adjustedAnswer,
  rejectedAnswer,
  claimDuplicate,
  conflictAnswer,
]);
/** One answer per item, in the items' order. */
export const claimBatchResponse = z.strictObject({ ...envelope, answers: z.array(claimAnswer).max(MAX_BATCH_ITEMS) });

// ── Reversal upload (2305-like, batched) ─────────────────────────────────────

export const reversalItem = z.strictObject({
  /** The reversal's own number (outbox idempotency_key). */
  idempotency_key: idempotencyKey,
  business_date: businessDate,
  /** The idempotency key of the settlement it reverses, uploaded earlier by the same terminal. */
  reverses: idempotencyKey,
  reason: text(200),
});
export const reversalBatchRequest = z
  .strictObject({ items: z.array(reversalItem).min(1).max(MAX_BATCH_ITEMS) })
  .superRefine((b, ctx) => {
    b.items.forEach((item, i) => {
      if (item.reverses === item.idempotency_key)
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'reverses'],
          message: '冲销不能冲销自身',
          params: { code: 'invalid_field', en: 'a reversal cannot reverse itself' },
        });
    });
  });
export const reversalAccepted = z.strictObject({
  status: z.literal('accepted'),
  idempotency_key: idempotencyKey,
  claim_id: text(64),
  reverses: idempotencyKey,
  /** The original's insurer amounts, negated: what the funds take back. */
  insurer: signedAmounts,
  answered_at: timestamp,
});
export const reversalOutcome = z.discriminatedUnion('status', [reversalAccepted, rejectedAnswer]);
export const reversalDuplicate = z.strictObject({
  status: z.literal('duplicate'),
  idempotency_key: idempotencyKey,
  original: reversalOutcome,
});
export const reversalAnswer = z.discriminatedUnion('status', [
  reversalAccepted,
  rejectedAnswer,
  reversalDuplicate,
  conflictAnswer,
]);
export const reversalBatchResponse = z.strictObject({
  ...envelope,
  answers: z.array(reversalAnswer).max(MAX_BATCH_ITEMS),
});

// ── Reconciliation (3201 totals, 3202 details) ───────────────────────────────

/**
 * A terminal's day as the store's DayTotals adds it up (all operators): window
 * settlements and reversals recorded on the business date, reversals negative,
 * amounts as the terminal computed them. Manual claims are not in it (the
 * fund pays the patient, not the hospital).
 */
export const dayTotals = z.strictObject({
  settlements: count,
  reversals: count,
  medfee_sumamt: signedAmount,
  fund_pay_sumamt: signedAmount,
  psn_cash_pay: signedAmount,
  funds: z.record(layerId, signedAmount),
});
export const totalsRequest = z.strictObject({ business_date: businessDate, totals: dayTotals });
export const totalsDifference = z.strictObject({
  field: text(100),
  terminal: z.string().max(40),
  insurer: z.string().max(40),
});
export const totalsResponse = z.strictObject({
  ...envelope,
  terminal_code: terminalCode,
  business_date: businessDate,
  /** balanced: every count and amount equal (a fund missing on one side counts as 0.00). */
  result: z.enum(['balanced', 'mismatch']),
  /** The same figures from what the insurer received and did not reject. */
  insurer: dayTotals,
  differences: z.array(totalsDifference).max(200),
  /** Adjusted claims of the day (not part of the totals): how many, and Σ insurer − terminal of fund_pay_sumamt. */
  adjustments: z.strictObject({ count, fund_pay_difference: signedAmount }),
  as_of: timestamp,
});

export const detailsRequest = z.strictObject({
  business_date: businessDate,
  /** Page after this idempotency key (keys ascending); null for the first page. */
  after: idempotencyKey.nullable(),
  limit: z.number().int().min(1).max(MAX_DETAIL_PAGE),
});
export const detailItem = z.strictObject({
  idempotency_key: idempotencyKey,
  kind: z.enum(['settlement', 'manual_claim', 'reversal']),
  status: z.enum(['accepted', 'adjusted', 'rejected']),
  reverses: idempotencyKey.nullable(),
  reversed_by: idempotencyKey.nullable(),
  /** The terminal's amounts as uploaded (a reversal: the original's, negated); null when unknown. */
  terminal: signedAmounts.nullable(),
  /** What the insurer pays (a reversal: takes back); null when rejected. */
  insurer: signedAmounts.nullable(),
  received_at: timestamp,
});
export const detailsResponse = z.strictObject({
  ...envelope,
  terminal_code: terminalCode,
  business_date: businessDate,
  items: z.array(detailItem).max(MAX_DETAIL_PAGE),
  /** Pass as `after` for the next page; null on the last page. */
  next_after: idempotencyKey.nullable(),
});

// ── Endpoints ────────────────────────────────────────────────────────────────

export interface Endpoint {
  method: 'GET' | 'POST';
  /** With {placeholders} for path parameters. */
  path: string;
  /** Needs "Authorization: Bearer <token>" from sign-in. */
  auth: boolean;
  request: z.ZodType | null;
  response: z.ZodType;
}

export const ENDPOINTS = {
  signIn: { method: 'POST', path: '/v1/sign-in', auth: false, request: signInRequest, response: signInResponse },
  signingKeys: { method: 'GET', path: '/v1/signing-keys', auth: false, request: null, response: signingKeysResponse },
  ruleQuery: {
    method: 'POST',
    path: '/v1/rule-packages/query',
    auth: true,
    request: ruleQueryRequest,
    response: ruleQueryResponse,
  },
  ruleDownload: {
    method: 'GET',
    path: '/v1/rule-packages/{region}/{version}',
    auth: true,
    request: null,
    response: ruleDownloadResponse,
  },
  personLookup: {
    method: 'POST',
    path: '/v1/persons/lookup',
    auth: true,
    request: personLookupRequest,
    response: personLookupResponse,
  },
  claims: { method: 'POST', path: '/v1/claims', auth: true, request: claimBatchRequest, response: claimBatchResponse },
  reversals: {
    method: 'POST',
    path: '/v1/reversals',
    auth: true,
    request: reversalBatchRequest,
    response: reversalBatchResponse,
  },
  totals: {
    method: 'POST',
    path: '/v1/reconciliation/totals',
    auth: true,
    request: totalsRequest,
    response: totalsResponse,
  },
  details: {
    method: 'POST',
    path: '/v1/reconciliation/details',
    auth: true,
    request: detailsRequest,
    response: detailsResponse,
  },
} as const satisfies Record<string, Endpoint>;

export function ruleDownloadPath(region: string, version: string): string {
  return `/v1/rule-packages/${encodeURIComponent(region)}/${encodeURIComponent(version)}`;
}

/**
 * A batch answer belongs to the batch sent: one answer per item, same keys in
 * the same order, and a duplicate's original under the same key. Returns the
 * problem, or null. (A schema cannot see the request, so the client checks this
 * beside the schema.)
 */
export function answersMatchItems(
  items: readonly { idempotency_key: string }[],
  answers: readonly ({ idempotency_key: string; status: string } & { original?: { idempotency_key: string } })[],
): string | null {
  if (answers.length !== items.length) return `expected ${items.length} answers, got ${answers.length}`;
  for (let i = 0; i < items.length; i++) {
    const a = answers[i]!;
    if (a.idempotency_key !== items[i]!.idempotency_key)
      return `answer ${i} is for ${a.idempotency_key}, not ${items[i]!.idempotency_key}`;
    if (a.original && a.original.idempotency_key !== a.idempotency_key)
      return `answer ${i}: the duplicate's original is for ${a.original.idempotency_key}`;
  }
  return null;
}

export type SignInRequest = z.infer<typeof signInRequest>;
export type SignInResponse = z.infer<typeof signInResponse>;
export type SigningKeysResponse = z.infer<typeof signingKeysResponse>;
export type RuleQueryRequest = z.infer<typeof ruleQueryRequest>;
export type RuleQueryResponse = z.infer<typeof ruleQueryResponse>;
export type PackageSummary = z.infer<typeof packageSummary>;
export type PackageSignature = z.infer<typeof packageSignature>;
export type RuleDownloadResponse = z.infer<typeof ruleDownloadResponse>;
export type PersonLookupRequest = z.infer<typeof personLookupRequest>;
export type PersonSnapshot = z.infer<typeof personSnapshot>;
export type PersonLookupResponse = z.infer<typeof personLookupResponse>;
export type SettlementRequestWire = z.infer<typeof settlementRequestWire>;
export type SettlementPayload = z.infer<typeof settlementPayload>;
export type ManualClaimPayload = z.infer<typeof manualClaimPayload>;
export type ClaimItem = z.infer<typeof claimItem>;
export type ClaimBatchRequest = z.infer<typeof claimBatchRequest>;
export type Amounts = z.infer<typeof amounts>;
export type SignedAmounts = z.infer<typeof signedAmounts>;
export type AdjustmentReason = z.infer<typeof adjustmentReason>;
export type AcceptedAnswer = z.infer<typeof acceptedAnswer>;
export type AdjustedAnswer = z.infer<typeof adjustedAnswer>;
export type RejectedAnswer = z.infer<typeof rejectedAnswer>;
export type ClaimOutcome = z.infer<typeof claimOutcome>;
export type ClaimAnswer = z.infer<typeof claimAnswer>;
export type ClaimBatchResponse = z.infer<typeof claimBatchResponse>;
export type ReversalItem = z.infer<typeof reversalItem>;
export type ReversalBatchRequest = z.infer<typeof reversalBatchRequest>;
export type ReversalOutcome = z.infer<typeof reversalOutcome>;
export type ReversalAnswer = z.infer<typeof reversalAnswer>;
export type ReversalBatchResponse = z.infer<typeof reversalBatchResponse>;
export type DayTotalsWire = z.infer<typeof dayTotals>;
export type TotalsRequest = z.infer<typeof totalsRequest>;
export type TotalsResponse = z.infer<typeof totalsResponse>;
export type DetailsRequest = z.infer<typeof detailsRequest>;
export type DetailItem = z.infer<typeof detailItem>;
export type DetailsResponse = z.infer<typeof detailsResponse>;
export type ErrorResponse = z.infer<typeof errorResponse>;
