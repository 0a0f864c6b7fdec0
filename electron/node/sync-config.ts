/**
 * What the sync client needs from the installation: the insurer's URL, this
 * terminal's credential and the pinned rule-signing key(s). The pinned keys
 * come from the insurer out of band (docs/sync.md §4), never from the API.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export interface SyncConfig {
  /** Base URL, e.g. https://yb.example.cn (plain http only for loopback tests). */
  url: string;
  terminal_code: string;
  hospital_code: string;
  /** The terminal's secret (≥ 16 characters), provisioned by the insurer. */
  secret: string;
  /** Ed25519 public keys, SPKI DER in base64; two during a key rotation. */
  pinnedKeysSpkiBase64: readonly string[];
  /** Per request, including reading the body (default 15 s). */
  timeoutMs?: number;
  /** Automatic sync period (default 60 s). */
  intervalMs?: number;
  /** How often the timer asks for new rule packages (default 6 h). */
  ruleCheckIntervalMs?: number;
  /** Backoff after failures: base and ceiling (defaults 2 s and 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Claims or reversals per request (1–100, default 100). */
  batchSize?: number;
  /** Real time for signature validity and backoff (tests inject; default Date). */
  now?: () => Date;
  random?: () => number;
}

/** key id (first 8 bytes of SHA-256 over the SPKI DER, hex) → key. */
export function pinnedKeys(config: SyncConfig): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const b64 of config.pinnedKeysSpkiBase64) {
    const der = Buffer.from(b64, 'base64');
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('a pinned rule-signing key must be Ed25519');
    keys.set(createHash('sha256').update(der).digest('hex').slice(0, 16), key);
  }
  return keys;
}
