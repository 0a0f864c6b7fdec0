/**
 * Where a terminal keeps its data (per machine, with a stated fallback) and
 * its settings file (validated on read, replaced atomically on write).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineDataFolder, resolveDataFolder } from '../electron/main/data-folder.js';
import { DEFAULT_CONFIG, configPath, loadConfig, saveConfig } from '../electron/node/config.js';
import { FileKeyProvider } from '../electron/node/keys.js';

const temp = () => mkdtempSync(join(tmpdir(), 'desk-setup-'));

describe('data folder', () => {
  it('is per machine on Windows and Linux', () => {
    expect(machineDataFolder('win32', { ProgramData: 'D:\\ProgramData' })).toBe(
      join('D:\\ProgramData', 'DischargeDesk'),
    );
    expect(machineDataFolder('linux', {})).toBe('/var/lib/discharge-desk');
    expect(machineDataFolder('darwin', {})).toBeNull();
  });

  it('uses the machine folder when it can write there', () => {
    const machine = join(temp(), 'machine');
    expect(resolveDataFolder({ env: {}, platform: 'linux', userData: temp(), machineFolder: machine })).toEqual({
      path: machine,
      fallback: null,
    });
    expect(existsSync(machine)).toBe(true);
  });

  it('falls back to the per-user folder and says why', () => {
    const blocker = join(temp(), 'a-file');
    writeFileSync(blocker, '');
    const userData = temp();
    const folder = resolveDataFolder({ env: {}, platform: 'linux', userData, machineFolder: join(blocker, 'data') });
    expect(folder.path).toBe(join(userData, 'data'));
    expect(folder.fallback).toMatch(/not writable/);
  });

  it('DESK_DATA wins, and an unusable one is an error, not a silent fallback', () => {
    const chosen = join(temp(), 'chosen');
    expect(
      resolveDataFolder({ env: { DESK_DATA: chosen }, platform: 'linux', userData: temp(), machineFolder: null }).path,
    ).toBe(chosen);
    const blocker = join(temp(), 'a-file');
    writeFileSync(blocker, '');
    expect(() =>
      resolveDataFolder({ env: { DESK_DATA: join(blocker, 'x') }, platform: 'linux', userData: temp() }),
    ).toThrow(/DESK_DATA=.* cannot be used/);
  });
});

const keysOf = (dir: string) => new FileKeyProvider(join(dir, 'key'));

describe('config.json', () => {
  it('is written with defaults on first start and read back', () => {
    const dir = temp();
    expect(loadConfig(dir, keysOf(dir))).toEqual(DEFAULT_CONFIG);
    expect(JSON.parse(readFileSync(configPath(dir), 'utf8'))).toEqual(DEFAULT_CONFIG);
  });

  it('refuses an invalid configuration and leaves the file as it was', () => {
    const dir = temp();
    loadConfig(dir, keysOf(dir));
    const before = readFileSync(configPath(dir), 'utf8');
    expect(() =>
      saveConfig(dir, { ...DEFAULT_CONFIG, terminal: { ...DEFAULT_CONFIG.terminal, code: 'bad code' } }, keysOf(dir)),
    ).toThrow();
    expect(readFileSync(configPath(dir), 'utf8')).toBe(before);
    expect(existsSync(`${configPath(dir)}.tmp`)).toBe(false);
  });

  it('names the bad value of a hand-edited file', () => {
    const dir = temp();
    writeFileSync(configPath(dir), JSON.stringify({ ...DEFAULT_CONFIG, lock_after_minutes: 0 }));
    expect(() => loadConfig(dir, keysOf(dir))).toThrow(/lock_after_minutes/);
  });
});
