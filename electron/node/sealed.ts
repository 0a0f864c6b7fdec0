/**
 * The one AES-256-GCM seal of the app, for everything it keeps encrypted
 * outside the database (config.json's secrets, the archive files, identity
 * numbers in their column): a key derived per purpose (HKDF-SHA256) from the
 * store's master key, so no two uses share a key and none is the master key
 * itself; associated data binds a sealed value to where it belongs (a field's
 * name, a file's name), so one moved elsewhere fails to open.
 *
 * Two forms of the same primitive: `sealRaw` (IV, tag, ciphertext: what
 * config.json's `v1:` values and the identity column have always held) and
 * `sealBytes` (a magic header first, for files, so a sealed file is told from
 * a clear one by its first bytes).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyProvider } from './keys.js';

const IV = 12;
const TAG = 16;
/** The first bytes of a sealed file: the format's name and version. */
export const SEALED_MAGIC = Buffer.from('DDSEAL1\n', 'latin1');

/** A 32-byte key for one purpose (the HKDF info string names it; change the string, get another key). */
export function deriveKey(keys: KeyProvider | Buffer, purpose: string): Buffer {
  const master = Buffer.isBuffer(keys) ? keys : keys.masterKey();
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), purpose, 32));
}

/** Raised when a sealed value does not open: another key, altered bytes, or another name than it was sealed under. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** IV (random, 12 bytes) ‖ tag (16) ‖ ciphertext. */
export function sealRaw(key: Buffer, plain: Buffer | string, aad: string | Buffer = ''): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

/** The clear bytes of a `sealRaw` blob; a SealError when the key, the bytes or the associated data differ. */
export function openRaw(key: Buffer, blob: Buffer, aad: string | Buffer = ''): Buffer {
  if (blob.length < IV + TAG) throw new SealError('too short to be a sealed value (damaged or truncated)');
  try {
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(blob.subarray(IV, IV + TAG));
    return Buffer.concat([d.update(blob.subarray(IV + TAG)), d.final()]);
  } catch {
    // GCM says only "unable to authenticate": which of the three it was cannot be known.
    throw new SealError(
      'does not open with this key: another key, altered bytes, or another name than it was sealed under',
    );
  }
}

/** The file form: magic ‖ IV ‖ tag ‖ ciphertext. */
export function sealBytes(key: Buffer, plain: Buffer, aad: string | Buffer): Buffer {
  return Buffer.concat([SEALED_MAGIC, sealRaw(key, plain, aad)]);
}

export function isSealedBytes(blob: Buffer): boolean {
  return blob.length >= SEALED_MAGIC.length && blob.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

export function openBytes(key: Buffer, blob: Buffer, aad: string | Buffer): Buffer {
  if (!isSealedBytes(blob)) throw new SealError('not a sealed file (no DDSEAL1 header)');
  return openRaw(key, blob.subarray(SEALED_MAGIC.length), aad);
}
