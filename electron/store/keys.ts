/**
 * Where the store's master key comes from. In the Electron app: safeStorage
 * (the OS keychain / DPAPI) protecting a key blob in the data folder; in tests
 * and the browser host: a key file readable only by its owner.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface KeyProvider {
  /** 32 bytes; the same on every call for the same data folder. */
  masterKey(): Buffer;
}

export class FileKeyProvider implements KeyProvider {
  private key: Buffer | null = null;
  constructor(private readonly path: string) {}

  masterKey(): Buffer {
    if (this.key) return this.key;
    if (!existsSync(this.path)) {
      writeFileSync(this.path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(this.path, 0o600);
    const key = Buffer.from(readFileSync(this.path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`key file ${this.path} does not hold a 32-byte key`);
    this.key = key;
    return key;
  }
}

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
