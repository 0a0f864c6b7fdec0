/**
 * The terminal's settings file, data folder/config.json: terminal and hospital
 * codes, inactivity lock, the insurer's endpoint, the slip printer. Validated
 * on every read; written atomically (a power cut leaves the old or the new
 * file, never half of one).
 *
 * Its secrets (the insurer's `insurer.secret`, the NHSA `nhsa.pass_token`)
 * are never on disk in the clear: each is written as `{"enc": "v1:<base64>"}`,
 * AES-256-GCM under a key derived (HKDF-SHA256) from the store's key provider,
 * the field's name bound in as associated data. A clear string written there by
 * IT is accepted and sealed at the next start (`loadConfig(…, { seal: true })`,
 * as the app and the headless round open it) or at the next save.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.js';
import { deriveKey, openRaw, SealError, sealRaw } from './sealed.js';
import { join } from 'node:path';
import { DEFAULT_CONFIG, terminalConfig, type TerminalConfig } from '../../shared/settings.js';
import type { KeyProvider } from './keys.js';

export { DEFAULT_CONFIG, type TerminalConfig };

export function configPath(dataDir: string): string {
  return join(dataDir, 'config.json');
}

/** The secret fields of config.json, as [section, field]. */
const SECRETS = [
  ['insurer', 'secret'],
  ['nhsa', 'pass_token'],
] as const;
const PREFIX = 'v1:';

/** The secrets' key: one purpose of the master key (electron/node/sealed.ts). */
const configKey = (keys: KeyProvider): Buffer => deriveKey(keys, 'discharge-desk config.json secrets v1');

function seal(keys: KeyProvider, field: string, plain: string): { enc: string } {
  return { enc: PREFIX + sealRaw(configKey(keys), plain, field).toString('base64') };
}

function open(keys: KeyProvider, field: string, enc: string): string {
  if (!enc.startsWith(PREFIX)) throw new Error(`${field}: unknown encryption format`);
  const blob = Buffer.from(enc.slice(PREFIX.length), 'base64');
  try {
    return openRaw(configKey(keys), blob, field).toString('utf8');
  } catch (e) {
    if (!(e instanceof SealError)) throw e;
    throw new Error(
      `${field}: 无法用本机密钥解密（密钥不同或内容被改动），请重新输入。cannot be decrypted with this terminal's key (another key, or altered): enter it again`,
    );
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSealed = (v: unknown): v is { enc: string } =>
  isRecord(v) && Object.keys(v).length === 1 && typeof v['enc'] === 'string';

/** The raw JSON with its secrets decrypted; `clear` says whether a secret was in the clear on disk. */
function openSecrets(keys: KeyProvider, json: unknown): { json: unknown; clear: boolean } {
  if (!isRecord(json)) return { json, clear: false };
  let clear = false;
  const out: Record<string, unknown> = { ...json };
  for (const [section, field] of SECRETS) {
    const s = out[section];
    if (!isRecord(s) || !(field in s)) continue;
    const value = s[field];
    if (isSealed(value)) out[section] = { ...s, [field]: open(keys, `${section}.${field}`, value.enc) };
    else if (typeof value === 'string') clear = true;
  }
  return { json: out, clear };
}

/** The file's form of a valid configuration: its secrets sealed. */
function sealSecrets(keys: KeyProvider, config: TerminalConfig): unknown {
  const out: Record<string, unknown> = { ...config };
  for (const [section, field] of SECRETS) {
    const s = out[section];
    if (!isRecord(s) || typeof s[field] !== 'string') continue;
    out[section] = { ...s, [field]: seal(keys, `${section}.${field}`, s[field]) };
  }
  return out;
}

export interface LoadOptions {
  /** Rewrite the file at once when IT left a secret in the clear (the app's and the headless round's start). */
  seal?: boolean;
}

/** The terminal's settings, validated, secrets decrypted; written with defaults on first start. */
export function loadConfig(dataDir: string, keys: KeyProvider, options: LoadOptions = {}): TerminalConfig {
  const path = configPath(dataDir);
  if (!existsSync(path)) {
    saveConfig(dataDir, DEFAULT_CONFIG, keys);
    return DEFAULT_CONFIG;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  let opened: { json: unknown; clear: boolean };
  try {
    opened = openSecrets(keys, raw);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = terminalConfig.safeParse(opened.json);
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  if (opened.clear && options.seal) saveConfig(dataDir, parsed.data, keys);
  return parsed.data;
}

/**
 * Replaces config.json with a validated configuration, its secrets sealed:
 * written to a temporary file, fsynced, then renamed over the old one.
 */
export function saveConfig(dataDir: string, config: TerminalConfig, keys: KeyProvider): void {
  const valid = terminalConfig.parse(config);
  const path = configPath(dataDir);
  writeFileDurably(path, `${JSON.stringify(sealSecrets(keys, valid), null, 2)}\n`, 0o600);
}
