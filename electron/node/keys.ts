/**
 * Where the store's master key comes from. In the Electron app: safeStorage
 * (the OS keychain / DPAPI) protecting a key blob in the data folder; in the
 * browser host, the CLI and the tests: a key file readable only by its owner.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';

export interface KeyProvider {
  /** 32 bytes; the same on every call for the same data folder. */
  masterKey(): Buffer;
  /**
   * Where the integrity anchors of the stores opened with this key are kept (store/anchors.ts): beside the key,
   * outside the data folder, so a data folder copied back does not carry them. Absent: no anchors (tools).
   */
  readonly anchorFolder?: string;
}

/** The anchor folder beside a key file: `<key file>.anchors`. */
export const anchorFolderBeside = (keyPath: string): string => `${resolve(keyPath)}.anchors`;

/**
 * Development and tests keep the key file beside the database (`<data>/key`);
 * a real terminal must not (a copy of the data folder or of a backup share
 * would then carry its own key). Set to 1 by vitest.config.ts and by
 * `npm start` when it falls back to the browser host; never on a terminal.
 */
export const ALLOW_KEY_IN_DATA_ENV = 'DESK_ALLOW_KEY_IN_DATA';
/** Where the browser host and `npm run desk` find the key file (default `<data>/key`, refused unless the flag above is set). */
export const KEY_FILE_ENV = 'DESK_KEY_FILE';

export interface KeyFileOptions {
  /** The data folder: a key file inside it is refused unless `allowInDataFolder`. */
  dataDir?: string;
  allowInDataFolder?: boolean;
}

/** The key file for a data folder as the browser host and the CLI choose it: $DESK_KEY_FILE, or `<data>/key` (dev and tests). */
export function keyFileFor(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { path: string; options: KeyFileOptions } {
  const named = env[KEY_FILE_ENV];
  return {
    path: named ? resolve(named) : join(dataDir, 'key'),
    options: { dataDir, allowInDataFolder: env[ALLOW_KEY_IN_DATA_ENV] === '1' },
  };
}

function inside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The master key in a file: created 0600 (its folder 0700 when the provider
 * makes it), refused when the group or others may read it, and refused inside
 * the data folder unless the caller allows it (dev and tests).
 */
export class FileKeyProvider implements KeyProvider {
  private key: Buffer | null = null;
  /** Beside the key file (inside the data folder only where the key file is: development and tests). */
  readonly anchorFolder: string;
  constructor(
    private readonly path: string,
    private readonly options: KeyFileOptions = {},
  ) {
    this.anchorFolder = anchorFolderBeside(path);
  }

  masterKey(): Buffer {
    if (this.key) return this.key;
    const { dataDir, allowInDataFolder } = this.options;
    if (dataDir !== undefined && !allowInDataFolder && inside(dataDir, this.path)) {
      throw new Error(
        `密钥文件 ${this.path} 在数据目录内：请放在数据目录之外（设置 ${KEY_FILE_ENV}）。` +
          ` The key file ${this.path} is inside the data folder ${dataDir}: anyone with a copy of the folder or a backup` +
          ` would hold the key. Keep it outside (set ${KEY_FILE_ENV}); ${ALLOW_KEY_IN_DATA_ENV}=1 allows it for development only.`,
      );
    }
    if (!existsSync(this.path)) {
      const folder = dirname(this.path);
      if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 });
      writeFileSync(this.path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    if (process.platform !== 'win32') {
      const mode = statSync(this.path).mode & 0o777;
      if (mode & 0o077) {
        throw new Error(
          `密钥文件 ${this.path} 的权限为 ${mode.toString(8)}，其他用户可读：请改为 600。` +
            ` The key file ${this.path} has mode ${mode.toString(8)}: the group or others may read it. Make it 600 (chmod 600) and check who had access.`,
        );
      }
    }
    const key = Buffer.from(readFileSync(this.path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`key file ${this.path} does not hold a 32-byte key`);
    this.key = key;
    return key;
  }
}
