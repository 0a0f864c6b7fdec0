/**
 * The Electron app's key provider (main process only): the master key kept in
 * the data folder only as encrypted by the operating system's keychain.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { KeyProvider } from '../node/keys.js';

/** The part of Electron's safeStorage the key provider uses (passed in, so this file runs without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The app's key provider: a random master key kept in the data folder only
 * encrypted by the operating system's keychain (DPAPI on Windows, libsecret or
 * kwallet on Linux) through Electron's safeStorage. Refuses to run without it
 * rather than store the key in the clear.
 */
export class SafeStorageKeyProvider implements KeyProvider {
  private key: Buffer | null = null;
  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly path: string,
  ) {}

  masterKey(): Buffer {
    if (this.key) return this.key;
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new Error('the operating system keychain is not available: identity numbers cannot be protected');
    }
    if (!existsSync(this.path)) {
      writeFileSync(this.path, this.safeStorage.encryptString(randomBytes(32).toString('base64')), {
        mode: 0o600,
        flag: 'wx',
      });
    }
    const key = Buffer.from(this.safeStorage.decryptString(readFileSync(this.path)), 'base64');
    if (key.length !== 32) throw new Error(`key blob ${this.path} does not hold a 32-byte key`);
    this.key = key;
    return key;
  }
}
