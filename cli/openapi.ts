/**
 * docs/sync-protocol.openapi.yaml, built from the protocol's zod schemas
 * (shared/sync/protocol.ts) so that the document and the code cannot drift:
 * the components are z.toJSONSchema of the schemas, the paths follow
 * ENDPOINTS. `tsx cli/export-openapi.ts` writes the file; a test checks that
 * the committed file is what this module builds.
 *
 * Refinements a JSON Schema cannot state (an identity number's check digit,
 * a real calendar date, body.number = idempotency_key) are in the
 * descriptions and enforced by the schemas in code.
 */
import { z } from 'zod';
import * as p from '../shared/sync/protocol.js';
import { stringify } from 'yaml';

/** Named components, in document order: every $ref points at one of these. */
const COMPONENTS: [string, z.ZodType][] = [
  ['Error', p.errorResponse],
  ['SignInRequest', p.signInRequest],
  ['SignInResponse', p.signInResponse],
  ['SigningKeysResponse', p.signingKeysResponse],
  ['RuleQueryRequest', p.ruleQueryRequest],
  ['PackageSummary', p.packageSummary],
  ['RuleQueryResponse', p.ruleQueryResponse],
  ['PackageSignature', p.packageSignature],
  ['RuleDownloadResponse', p.ruleDownloadResponse],
  ['PersonLookupRequest', p.personLookupRequest],
  ['Accumulators', p.ytdOut],
  ['PersonSnapshot', p.personSnapshot],
  ['PersonLookupResponse', p.personLookupResponse],
  ['SettlementRequest', p.settlementRequestWire],
  ['TerminalResult', p.terminalResult],
  ['SettlementPayload', p.settlementPayload],
  ['ManualClaimPayload', p.manualClaimPayload],
  ['SettlementItem', p.settlementItem],
  ['ManualClaimItem', p.manualClaimItem],
  ['ClaimItem', p.claimItem],
  ['ClaimBatchRequest', p.claimBatchRequest],
  ['Amounts', p.amounts],
  ['SignedAmounts', p.signedAmounts],
  ['AdjustmentReason', p.adjustmentReason],
  ['AcceptedAnswer', p.acceptedAnswer],
  ['AdjustedAnswer', p.adjustedAnswer],
  ['RejectedAnswer', p.rejectedAnswer],
  ['ClaimOutcome', p.claimOutcome],
  ['ClaimDuplicate', p.claimDuplicate],
  ['ConflictAnswer', p.conflictAnswer],
  ['ClaimAnswer', p.claimAnswer],
  ['ClaimBatchResponse', p.claimBatchResponse],
  ['ReversalItem', p.reversalItem],
  ['ReversalBatchRequest', p.reversalBatchRequest],
  ['ReversalAccepted', p.reversalAccepted],
  ['ReversalOutcome', p.reversalOutcome],
  ['ReversalDuplicate', p.reversalDuplicate],
  ['ReversalAnswer', p.reversalAnswer],
  ['ReversalBatchResponse', p.reversalBatchResponse],
  ['DayTotals', p.dayTotals],
  ['TotalsRequest', p.totalsRequest],
  ['TotalsDifference', p.totalsDifference],
  ['TotalsResponse', p.totalsResponse],
  ['DetailsRequest', p.detailsRequest],
  ['DetailItem', p.detailItem],
  ['DetailsResponse', p.detailsResponse],
];

const DESCRIPTIONS: Record<string, string> = {
  SignInRequest: 'Like the national interface 9001. The secret is the per-terminal credential, sent only over HTTPS.',
  RuleDownloadResponse:
    `The package as a string, signed with Ed25519 over the UTF-8 bytes of "${p.SIGNATURE_CONTEXT}\\n" + key_id + "\\n" + signed_at + "\\n" + valid_until + "\\n" + package_json. ` +
    'The terminal verifies against a pinned key, refuses after valid_until, checks sha256, parses package_json and checks its region.id and version.',
  PersonLookupRequest: 'Like 1101. id_number: GB 11643 with a valid check character.',
  SettlementRequest: "The engine's settlement request v1 (shared/engine/request.ts) as the terminal settled it.",
  TerminalResult: "The terminal's settlement result without its trace; kept as sent (other fields allowed).",
  ClaimBatchRequest: `Up to ${p.MAX_BATCH_ITEMS} items, processed in order in one transaction. For every item body.number must equal idempotency_key.`,
  ClaimAnswer:
    'One per item, same order and key. accepted | adjusted | rejected are stored and final; duplicate repeats the stored answer; conflict changes nothing.',
  ReversalItem: 'Like 2305. reverses: the idempotency key of a settlement uploaded earlier by the same terminal.',
  TotalsRequest:
    "Like 3201: the terminal's totals for a business date (window settlements and reversals, all operators; reversals negative).",
  DetailsRequest: 'Like 3202: what the insurer holds for the terminal and date, paged by idempotency key.',
};

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
    unrepresentable: 'any',
  }) as { schemas: Record<string, Record<string, unknown>> };
  const out: Record<string, unknown> = {};
  for (const [id] of COMPONENTS) {
    // $schema and $id are the registry's; in OpenAPI 3.1 the component's place is its identity.
    const schema = Object.fromEntries(Object.entries(schemas[id]!).filter(([k]) => k !== '$schema' && k !== '$id'));
    out[id] = DESCRIPTIONS[id] ? { description: DESCRIPTIONS[id], ...schema } : schema;
  }
  return out;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

interface Operation {
  id: string;
  summary: string;
  description: string;
  request: string | null;
  response: string;
  errors: number[];
  parameters?: unknown[];
}

const OPERATIONS: Record<keyof typeof p.ENDPOINTS, Operation> = {
  signIn: {
    id: 'signIn',
    summary: 'Sign in (9001)',
    description: 'Returns a bearer token for the other calls, its expiry and the server time.',
    request: 'SignInRequest',
    response: 'SignInResponse',
    errors: [400, 401, 413, 415, 429, 500],
  },
  signingKeys: {
    id: 'signingKeys',
    summary: 'Signing keys (diagnostics)',
    description:
      'The public keys the insurer signs with. Terminals pin keys out of band (installer, configuration), never from this answer.',
    request: null,
    response: 'SigningKeysResponse',
    errors: [400, 500],
  },
  ruleQuery: {
    id: 'queryRulePackages',
    summary: 'List rule package versions newer than the terminal’s',
    description: 'Per region, versions whose effective_from is later than that of after_version.',
    request: 'RuleQueryRequest',
    response: 'RuleQueryResponse',
    errors: [400, 401, 413, 415, 500],
  },
  ruleDownload: {
    id: 'downloadRulePackage',
    summary: 'Download a signed rule package',
    description: 'The package JSON as a string with its Ed25519 signature.',
    request: null,
    response: 'RuleDownloadResponse',
    errors: [400, 401, 404, 500],
    parameters: [
      { name: 'region', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' } },
      { name: 'version', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,40}$' } },
    ],
  },
  personLookup: {
    id: 'lookupPerson',
    summary: 'Person snapshot (1101)',
    description:
      'Enrolment, status and accumulators per requested year. POST so that the identity number stays out of URLs and logs.',
    request: 'PersonLookupRequest',
    response: 'PersonLookupResponse',
    errors: [400, 401, 403, 404, 413, 415, 500],
  },
  claims: {
    id: 'uploadClaims',
    summary: 'Upload claims (settlements, manual claims)',
    description: 'Idempotent per item key; see ClaimAnswer.',
    request: 'ClaimBatchRequest',
    response: 'ClaimBatchResponse',
    errors: [400, 401, 413, 415, 500],
  },
  reversals: {
    id: 'uploadReversals',
    summary: 'Upload reversals (2305)',
    description: 'Idempotent per item key; a reversal undoes the original’s effect on the insurer’s accumulators.',
    request: 'ReversalBatchRequest',
    response: 'ReversalBatchResponse',
    errors: [400, 401, 413, 415, 500],
  },
  totals: {
    id: 'reconcileTotals',
    summary: 'Daily totals reconciliation (3201)',
    description: 'Compares the terminal’s totals with the insurer’s for the business date.',
    request: 'TotalsRequest',
    response: 'TotalsResponse',
    errors: [400, 401, 413, 415, 500],
  },
  details: {
    id: 'reconcileDetails',
    summary: 'Detail reconciliation (3202)',
    description: 'The records the insurer holds for the terminal and date.',
    request: 'DetailsRequest',
    response: 'DetailsResponse',
    errors: [400, 401, 413, 415, 500],
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: code, and field naming the bad value (missing_field for a missing Desk-Request-Id).',
  401: 'invalid_credentials (sign-in) or unauthenticated (no token, or it expired: sign in again).',
  403: 'out_of_region (person lookup): insured in another region than the terminal’s hospital; settled through 异地就医, not looked up here. No personal data in the answer.',
  404: 'not_found, person_not_found.',
  413: `body_too_large: the request is over ${p.MAX_BODY_BYTES} bytes.`,
  415: 'unsupported_media_type: the request body must be application/json.',
  429: 'too_many_attempts (sign-in): too many wrong secrets for this terminal or address; every sign-in, right or wrong, is refused until Retry-After seconds have passed.',
  500: 'internal: the insurer failed. Whether anything was committed is unknown: retry with the same idempotency keys.',
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, e] of Object.entries(p.ENDPOINTS) as [keyof typeof p.ENDPOINTS, p.Endpoint][]) {
    const op = OPERATIONS[name];
    const operation: Record<string, unknown> = {
      operationId: op.id,
      summary: op.summary,
      description: op.description,
      parameters: [{ $ref: '#/components/parameters/RequestId' }, ...(op.parameters ?? [])],
      ...(op.request ? { requestBody: { required: true, ...json(op.request) } } : {}),
      responses: {
        '200': {
          description: 'OK. Validate against the schema and check request_id before acting on it.',
          ...json(op.response),
        },
        ...errors(...op.errors),
      },
      security: e.auth ? [{ terminalToken: [] }] : [],
    };
    (paths[e.path] ??= {})[e.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Discharge Desk sync protocol',
      version: p.PROTOCOL,
      description:
        'Terminal ↔ insurer: sign-in, signed rule packages, person snapshots, idempotent claim and reversal upload, reconciliation. ' +
        `Every response body carries protocol "${p.PROTOCOL}" and echoes the request's ${p.REQUEST_ID_HEADER}. Bodies are at most ${p.MAX_BODY_BYTES} bytes either way. ` +
        'Amounts are decimal strings. See docs/sync.md. Generated from shared/sync/protocol.ts by cli/export-openapi.ts.',
    },
    servers: [
      { url: 'https://insurer.example.invalid', description: 'A real insurer endpoint (HTTPS only)' },
      { url: 'http://127.0.0.1:8787', description: 'The reference insurer service (tsx insurer/main.ts)' },
    ],
    paths,
    components: {
      securitySchemes: {
        terminalToken: { type: 'http', scheme: 'bearer', description: 'The token from POST /v1/sign-in.' },
      },
      parameters: {
        RequestId: {
          name: p.REQUEST_ID_HEADER,
          in: 'header',
          required: true,
          description:
            'Chosen by the client per request (a retry gets a new one); echoed as request_id in the response body.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,64}$' },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_TEXT).map(([code, description]) => [`E${code}`, { description, ...json('Error') }]),
      ),
      schemas: componentSchemas(),
    },
  };
}

export function openApiYaml(): string {
  return `# Generated from shared/sync/protocol.ts by cli/export-openapi.ts: do not edit by hand.\n${stringify(openApiDocument(), { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, aliasDuplicateObjects: false })}`;
}
