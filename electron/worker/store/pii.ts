/**
 * Identity numbers (身份证号) are personal data: stored encrypted (AES-256-GCM),
 * found through a keyed hash (HMAC-SHA256), shown masked. Both keys derive from
 * the terminal's master key with HKDF, so neither is the master key itself.
 */
import { createHmac } from 'node:crypto';
import { DeskError } from '../../../shared/errors.js';
import type { KeyProvider } from '../../node/keys.js';
import { deriveKey, openRaw, sealRaw } from '../../node/sealed.js';

const ID_PATTERN = /^\d{17}[\dX]$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Validates a resident identity number (GB 11643: 18 characters with its check digit). */
export function normalizeIdNumber(raw: string, field = 'id_number'): string {
  const id = raw.trim().toUpperCase();
  if (!ID_PATTERN.test(id))
    throw new DeskError(
      'invalid_field',
      field,
      '身份证号须为18位（最后一位可为X）',
      'identity number must be 18 characters (last may be X)',
    );
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i]!;
  if (CHECK[sum % 11] !== id[17])
    throw new DeskError('invalid_field', field, '身份证号校验位不正确，请核对', 'identity number check digit is wrong');
  return id;
}

/** 510102********1234: region and last four, the birth date hidden. */
export function maskIdNumber(id: string): string {
  return `${id.slice(0, 6)}********${id.slice(-4)}`;
}

export class IdentityVault {
  private readonly encKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(keys: KeyProvider) {
    this.encKey = deriveKey(keys, 'discharge-desk id-number encryption');
    this.hashKey = deriveKey(keys, 'discharge-desk id-number lookup');
  }

  lookupHash(id: string): string {
    return createHmac('sha256', this.hashKey).update(id).digest('hex');
  }

  /** IV ‖ tag ‖ ciphertext, no associated data: the column's format since the first release. */
  encrypt(id: string): Buffer {
    return sealRaw(this.encKey, id);
  }

  decrypt(blob: Buffer): string {
    return openRaw(this.encKey, blob).toString('utf8');
  }
}
