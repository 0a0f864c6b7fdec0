/**
 * The insurer's Ed25519 rule-package signing key. Created at first start in the
 * data folder (private key PKCS#8 PEM, mode 0600; public key SPKI PEM beside
 * it) and loaded afterwards, so that terminals can pin the public key once.
 * The key id is the first 8 bytes of SHA-256 over the SPKI DER, so a terminal
 * can pin several keys (rotation) and pick the one a signature names.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNATURE_ALGORITHM, signedText, type PackageSignature } from '../shared/sync/protocol.js';

export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

export interface Signer {
  keyId: string;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** Base64 of the SPKI DER: the value a terminal pins. */
  publicKeySpkiBase64: string;
  sign(packageJson: string, signedAt: string, validUntil: string): PackageSignature;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function loadOrCreateSigner(dataDir: string): Signer {
  const path = join(dataDir, PRIVATE_KEY_FILE);
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // link() fails if another process created the key first: the first key wins and both use it.
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(join(dataDir, PUBLIC_KEY_FILE), publicKeyPem);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKey,
    publicKeyPem,
    publicKeySpkiBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    sign(packageJson, signedAt, validUntil) {
      const bytes = Buffer.from(
        signedText({ key_id: keyId, signed_at: signedAt, valid_until: validUntil, package_json: packageJson }),
        'utf8',
      );
      // Ed25519 takes no digest name: the algorithm is fixed by the key (RFC 8032, pure).
      return {
        algorithm: SIGNATURE_ALGORITHM,
        key_id: keyId,
        signed_at: signedAt,
        valid_until: validUntil,
        value: sign(null, bytes, privateKey).toString('base64'),
      };
    },
  };
}
