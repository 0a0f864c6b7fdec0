/** What every body carries (protocol, request_id), the size limits, and the error answer with its codes. */
import { z } from 'zod';
import { errorCode, requestId, text } from './primitives.js';

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

export const envelope = { protocol: z.literal(PROTOCOL), request_id: requestId };

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
  out_of_region: 403,
  not_found: 404,
  person_not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  internal: 500,
} as const;

export type ErrorResponse = z.infer<typeof errorResponse>;
