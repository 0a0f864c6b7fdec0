/**
 * The terminal's settings file, data folder/config.json: terminal and hospital
 * codes, inactivity lock, the insurer's endpoint, the slip printer. Validated
 * on every read; written atomically (a power cut leaves the old or the new
 * file, never half of one).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const terminalConfig = z.strictObject({
  terminal: z.strictObject({
    code: z.string().regex(/^[A-Z0-9]{2,12}$/),
    hospital_code: z.string().min(1).max(30),
    hospital_name: z.string().min(1).max(100),
  }),
  lock_after_minutes: z.number().int().min(1).max(240).default(15),
  /** The insurer (docs/sync.md): absent = no sync, the window works offline. */
  insurer: z
    .strictObject({ url: z.string().url(), secret: z.string().min(16).max(200), pinned_keys_spki_base64: z.array(z.string().min(40).max(200)).min(1).max(2), interval_seconds: z.number().int().min(5).max(3600).default(60) })
    .optional(),
  /** Slip printing in the Electron app: printer name ('' = the default printer), its dpi, A5 or 80 mm, preview instead of silent printing. */
  printer: z
    .strictObject({ device_name: z.string().max(200).default(''), dpi: z.number().int().min(72).max(1200).default(203), layout: z.enum(['a5', 'receipt80']).default('a5'), preview: z.boolean().default(false) })
    .default({ device_name: '', dpi: 203, layout: 'a5', preview: false }),
});
export type TerminalConfig = z.output<typeof terminalConfig>;

export const DEFAULT_CONFIG: TerminalConfig = {
  terminal: { code: 'T01', hospital_code: 'H000000000', hospital_name: '演示医院（请在设置中修改）' },
  lock_after_minutes: 15,
  printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
};

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
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Replaces config.json with a validated configuration: written to a temporary file, fsynced, then renamed over the old one. */
export function saveConfig(dataDir: string, config: TerminalConfig): void {
  const valid = terminalConfig.parse(config);
  const path = configPath(dataDir);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(valid, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
