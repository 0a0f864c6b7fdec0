/** Key providers: a stable 32-byte key per data folder, never written in the clear by the app's provider. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileKeyProvider } from '../electron/node/keys.js';
import { SafeStorageKeyProvider, type SafeStorageLike } from '../electron/main/safe-storage-keys.js';

/** A stand-in for Electron's safeStorage: AES-GCM under a key the "OS" holds. */
function fakeKeychain(available = true): SafeStorageLike {
  const osKey = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', osKey, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(blob) {
      const d = createDecipheriv('aes-256-gcm', osKey, blob.subarray(0, 12));
      d.setAuthTag(blob.subarray(12, 28));
      return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('key providers', () => {
  it('file provider: created once with owner-only permissions, stable across instances', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'desk-key-')), 'key');
    const a = new FileKeyProvider(path).masterKey();
    expect(a).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new FileKeyProvider(path).masterKey().equals(a)).toBe(true);
  });

  it('safeStorage provider: the blob on disk is not the key, and the key is stable', () => {
    const keychain = fakeKeychain();
    const path = join(mkdtempSync(join(tmpdir(), 'desk-key-')), 'key.bin');
    const key = new SafeStorageKeyProvider(keychain, path).masterKey();
    expect(key).toHaveLength(32);
    const onDisk = readFileSync(path);
    expect(onDisk.includes(key)).toBe(false);
    expect(onDisk.toString('utf8')).not.toContain(key.toString('base64'));
    expect(new SafeStorageKeyProvider(keychain, path).masterKey().equals(key)).toBe(true);
  });

  it('safeStorage provider refuses to work without an OS keychain', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'desk-key-')), 'key.bin');
    expect(() => new SafeStorageKeyProvider(fakeKeychain(false), path).masterKey()).toThrow(
      /keychain is not available/,
    );
  });
});
