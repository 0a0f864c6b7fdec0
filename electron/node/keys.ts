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
