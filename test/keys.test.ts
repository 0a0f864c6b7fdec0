/**
 * Key providers: a stable 32-byte key per data folder, never written in the
 * clear by the app's provider; safeStorage refused where it protects nothing
 * (Linux's basic_text); key files owner-only and, on a terminal, outside the
 * data folder.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileKeyProvider, keyFileFor } from '../electron/node/keys.js';
import { SafeStorageKeyProvider, keychainProblem, type SafeStorageLike } from '../electron/main/safe-storage-keys.js';

/** A stand-in for Electron's safeStorage: AES-GCM under a key the "OS" holds. */
function fakeKeychain(available = true, backend = 'gnome_libsecret'): SafeStorageLike {
  const osKey = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
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

  it('safeStorage provider refuses Linux without a secret service (basic_text), before any key is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-key-'));
    const path = join(dir, 'key.bin');
    const refused = () => new SafeStorageKeyProvider(fakeKeychain(true, 'basic_text'), path, 'linux').masterKey();
    expect(refused).toThrow(/basic_text/);
    expect(refused).toThrow(/gnome-keyring/);
    expect(refused).toThrow(/KWallet/);
    expect(refused).toThrow(/固定口令/);
    expect(existsSync(path)).toBe(false);
    // 'unknown' (only before app ready): the keychain cannot be confirmed, refused too.
    expect(keychainProblem(fakeKeychain(true, 'unknown'), 'linux')).toMatch(/unknown/);
    // A double without the method is 'unknown' on Linux.
    const { getSelectedStorageBackend: _omit, ...old } = fakeKeychain();
    expect(keychainProblem(old, 'linux')).toMatch(/unknown/);
    // Real secret services are accepted.
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) {
      expect(keychainProblem(fakeKeychain(true, backend), 'linux')).toBeNull();
    }
    expect(new SafeStorageKeyProvider(fakeKeychain(true, 'kwallet6'), path, 'linux').masterKey()).toHaveLength(32);
    // The backend is a Linux question: Windows (DPAPI) and macOS (Keychain) do not ask it.
    expect(keychainProblem(fakeKeychain(true, 'basic_text'), 'win32')).toBeNull();
    expect(keychainProblem(fakeKeychain(true, 'unknown'), 'darwin')).toBeNull();
  });

  it.skipIf(process.platform === 'win32')(
    'file provider makes a missing folder 0700 and refuses a key others can read',
    () => {
      const base = mkdtempSync(join(tmpdir(), 'desk-key-'));
      const path = join(base, 'keys', 'terminal.key');
      new FileKeyProvider(path).masterKey();
      expect(statSync(join(base, 'keys')).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      for (const mode of [0o640, 0o604, 0o644]) {
        chmodSync(path, mode);
        expect(() => new FileKeyProvider(path).masterKey()).toThrow(/group or others may read it/);
        // Refused, not silently repaired: IT must look at who had access.
        expect(statSync(path).mode & 0o777).toBe(mode);
      }
      chmodSync(path, 0o600);
      expect(new FileKeyProvider(path).masterKey()).toHaveLength(32);
      const short = join(base, 'short.key');
      writeFileSync(short, randomBytes(16).toString('base64'), { mode: 0o600 });
      expect(() => new FileKeyProvider(short).masterKey()).toThrow(/32-byte key/);
    },
  );

  it('file provider refuses a key file inside the data folder unless allowed (dev and tests)', () => {
    const base = mkdtempSync(join(tmpdir(), 'desk-key-'));
    const dataDir = join(base, 'data');
    mkdirSync(dataDir);
    const inside = join(dataDir, 'key');
    expect(() => new FileKeyProvider(inside, { dataDir }).masterKey()).toThrow(/inside the data folder/);
    expect(() => new FileKeyProvider(join(dataDir, 'sub', 'key'), { dataDir }).masterKey()).toThrow(/数据目录内/);
    expect(existsSync(inside)).toBe(false);
    expect(new FileKeyProvider(inside, { dataDir, allowInDataFolder: true }).masterKey()).toHaveLength(32);
    // Outside it (a sibling named like it is outside too): accepted.
    expect(new FileKeyProvider(join(base, 'data-keys', 'key'), { dataDir }).masterKey()).toHaveLength(32);

    // How the browser host and the CLI choose: $DESK_KEY_FILE, else <data>/key only with the dev/test flag.
    expect(keyFileFor(dataDir, {})).toEqual({ path: inside, options: { dataDir, allowInDataFolder: false } });
    expect(keyFileFor(dataDir, { DESK_ALLOW_KEY_IN_DATA: '1' }).options.allowInDataFolder).toBe(true);
    const named = join(base, 'etc', 'desk.key');
    expect(keyFileFor(dataDir, { DESK_KEY_FILE: named }).path).toBe(named);
    const chosen = keyFileFor(dataDir, { DESK_KEY_FILE: join(dataDir, 'key') });
    expect(() => new FileKeyProvider(chosen.path, chosen.options).masterKey()).toThrow(/inside the data folder/);
  });
});
