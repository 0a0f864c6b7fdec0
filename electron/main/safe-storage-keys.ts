/**
 * The Electron app's key provider (main process only): the master key kept in
 * the data folder only as encrypted by the operating system's keychain.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyProvider } from '../node/keys.js';

/** The part of Electron's safeStorage the key provider uses (passed in, so this file runs without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: the secret store safeStorage chose (absent from a double = 'unknown'). */
  getSelectedStorageBackend?(): string;
}

/**
 * Why safeStorage cannot protect the key on this machine, or null. On Linux,
 * Electron falls back to 'basic_text' when it finds no secret service: the
 * "encryption" then uses a password fixed in Chromium's source, which protects
 * nothing. 'unknown' is refused too: Electron answers it only before the app is
 * ready, so a keychain cannot be confirmed (fail closed, never a silent weak key).
 * Checked after `app.whenReady()` and before any data is opened.
 */
export function keychainProblem(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (!safeStorage.isEncryptionAvailable()) {
    return (
      '本机操作系统密钥库不可用，无法保护数据库密钥。' +
      ' The operating system keychain is not available: the store key cannot be protected.'
    );
  }
  if (platform !== 'linux') return null;
  const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  if (backend === 'basic_text') {
    return (
      '本机没有密钥服务（Secret Service），Electron 只能用固定口令（basic_text）加密数据库密钥，等于没有保护。' +
      '请信息科安装并启用 gnome-keyring（GNOME 等桌面）或 KWallet（KDE），在该操作系统账户登录的桌面会话中运行本程序。\n' +
      'No secret service was found: Electron would protect the store key with a fixed password (basic_text), which protects nothing. ' +
      'IT: install and enable a secret service — gnome-keyring (libsecret) or KWallet — and run the app in a desktop session of the OS account that uses it.'
    );
  }
  if (backend === 'unknown') {
    return (
      '无法确认本机密钥服务（safeStorage 报告 unknown），拒绝启动。请信息科确认 gnome-keyring 或 KWallet 已安装并运行。\n' +
      "The keychain cannot be confirmed (safeStorage reports 'unknown'): refusing to start. IT: make sure gnome-keyring or KWallet is installed and running."
    );
  }
  return null;
}

/**
 * The app's key provider: a random master key kept in the data folder only
 * encrypted by the operating system's keychain (DPAPI on Windows, libsecret or
 * kwallet on Linux) through Electron's safeStorage. Refuses to run without it,
 * or with Linux's fixed-password fallback, rather than store the key in the clear.
 */
export class SafeStorageKeyProvider implements KeyProvider {
  private key: Buffer | null = null;
  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly path: string,
    private readonly platform: NodeJS.Platform = process.platform,
    /** The store's anchors (store/anchors.ts): in the app's user-data folder, outside the data folder. */
    readonly anchorFolder?: string,
  ) {}

  masterKey(): Buffer {
    if (this.key) return this.key;
    const problem = keychainProblem(this.safeStorage, this.platform);
    if (problem) throw new Error(problem);
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

/**
 * Where the Electron app keeps its stores' anchors: the OS account's user-data folder (the account whose keychain
 * protects key.bin), never the data folder, so a data folder copied back does not bring its own anchor.
 */
export const anchorFolderIn = (userData: string): string => join(userData, 'anchors');
