/**
 * The terminal's settings file, data folder/config.json: terminal and hospital
 * codes, inactivity lock, the insurer's endpoint, the slip printer. Validated
 * on every read; written atomically (a power cut leaves the old or the new
 * file, never half of one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.js';
import { join } from 'node:path';
import { DEFAULT_CONFIG, terminalConfig, type TerminalConfig } from '../../shared/settings.js';

export { DEFAULT_CONFIG, type TerminalConfig };

export function configPath(dataDir: string): string {
  return join(dataDir, 'config.json');
}

/** The terminal's settings, validated; written with defaults on first start. */
export function loadConfig(dataDir: string): TerminalConfig {
  const path = configPath(dataDir);
  if (!existsSync(path)) {
    saveConfig(dataDir, DEFAULT_CONFIG);
    return DEFAULT_CONFIG;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = terminalConfig.safeParse(json);
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Replaces config.json with a validated configuration: written to a temporary file, fsynced, then renamed over the old one. */
export function saveConfig(dataDir: string, config: TerminalConfig): void {
  const valid = terminalConfig.parse(config);
  const path = configPath(dataDir);
  writeFileDurably(path, `${JSON.stringify(valid, null, 2)}\n`, 0o600);
}
