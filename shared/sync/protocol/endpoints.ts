/** The endpoints: method, path, whether signed in, and the request and response schemas of each. */
import type { z } from 'zod';
import { signInRequest, signInResponse } from './sign-in.js';
import { ruleDownloadResponse, ruleQueryRequest, ruleQueryResponse, signingKeysResponse } from './rules.js';
import { personLookupRequest, personLookupResponse } from './persons.js';
import { claimBatchRequest, claimBatchResponse } from './claims.js';
import { reversalBatchRequest, reversalBatchResponse } from './reversals.js';
import { detailsRequest, detailsResponse, totalsRequest, totalsResponse } from './reconciliation.js';

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
