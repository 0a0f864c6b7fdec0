/**
 * The README's fresh-machine commands (scripts/fresh-machine.sh): where system
 * packages are missing and cannot be installed from here, the script names
 * them and the command that installs them, and stops non-zero, before npm ci
 * and long before any test could be skipped. Also the printer's own message
 * where Chromium is missing at print time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChromiumSlipPrinter } from '../electron/host/chromium-printer.js';
import { DeskError } from '../shared/errors.js';

const SCRIPT = fileURLToPath(new URL('../scripts/fresh-machine.sh', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** A PATH with only the basic tools the script itself uses: no apt-get, no chromium, no fc-list, no pdftotext, no npm. */
function barePath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'bare-bin-'));
  for (const tool of ['bash', 'id', 'grep', 'dirname', 'cat', 'env']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}

describe('scripts/fresh-machine.sh', () => {
  it('without apt-get: names the three missing packages and the install command, exits 1, runs nothing else', () => {
    const r = spawnSync(join(barePath(), 'bash'), [SCRIPT, 'test'], { encoding: 'utf8', env: { PATH: barePath() } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing: chromium fonts-noto-cjk poppler-utils');
    expect(r.stderr).toContain('apt-get install -y --no-install-recommends chromium fonts-noto-cjk poppler-utils');
    expect(r.stderr).toContain(isRoot ? 'apt-get not found' : 'not root');
    expect(r.stdout).not.toContain('npm'); // stopped before npm ci
  });

  it('start needs no poppler: only Chromium and the font are named', () => {
    const r = spawnSync(join(barePath(), 'bash'), [SCRIPT, 'start'], { encoding: 'utf8', env: { PATH: barePath() } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing: chromium fonts-noto-cjk\n');
  });

  it.runIf(isRoot && spawnSync('bash', ['-c', 'command -v runuser']).status === 0)(
    'as a user who is not root: says so and stops, even where apt-get exists',
    () => {
      const r = spawnSync(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'env',
          `PATH=${process.env['PATH']}`,
          'CHROMIUM_PATH=/nonexistent/chromium',
          'bash',
          SCRIPT,
          'test',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('chromium');
      expect(r.stderr).toContain('not root');
      expect(r.stderr).toContain('sudo sh -c');
    },
  );

  it('refuses an unknown mode', () => {
    const r = spawnSync('bash', [SCRIPT, 'deploy'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage');
  });
});

describe('printing where Chromium is missing', () => {
  it('says what is missing and how IT installs it, and tries again on the next print', async () => {
    const printer = new ChromiumSlipPrinter('/nonexistent/chromium');
    for (let i = 0; i < 2; i++) {
      const e = await printer.toPdf('<p>x</p>', 'a5').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DeskError);
      expect((e as DeskError).body).toMatchObject({ code: 'print_failed' });
      expect((e as DeskError).body.message).toContain('apt-get install chromium fonts-noto-cjk');
    }
    await printer.close();
  });
});
