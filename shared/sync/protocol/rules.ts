/** Rule packages: which versions there are, the signed download, and the keys that sign them. */
import { z } from 'zod';
import { MAX_BODY_BYTES, envelope } from './envelope.js';
import { businessDate, keyId, regionId, ruleVersion, sha256Hex, text, timestamp } from './primitives.js';

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

export type SigningKeysResponse = z.infer<typeof signingKeysResponse>;
export type RuleQueryRequest = z.infer<typeof ruleQueryRequest>;
export type RuleQueryResponse = z.infer<typeof ruleQueryResponse>;
export type PackageSummary = z.infer<typeof packageSummary>;
export type PackageSignature = z.infer<typeof packageSignature>;
export type RuleDownloadResponse = z.infer<typeof ruleDownloadResponse>;
