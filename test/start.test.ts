/**
 * `npm start` (tools/start.mjs): builds only what is stale (tools/app-build.mjs,
 * a content stamp beside each build), then runs the browser host from its
 * bundle (out/host), with node alone: no tsx, and playwright-core loaded at the
 * first print, not at start.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRenderer, HOST_MAIN, HOST_WORKER, HOST_WORKER_BUNDLE } from '../tools/app-build.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'desk-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `node tools/start.mjs` until it prints its URL; returns what it printed, then stops it. */
function startToUrl(dataDir: string): Promise<{ out: string; url: string; index: string }> {
  return new Promise((resolve, reject) => {
    // As a person runs it: no key settings of the test run (npm start chooses the development key place itself).
    const { DESK_ALLOW_KEY_IN_DATA: _allow, DESK_KEY_FILE: _file, ...env } = process.env;
    const child = spawn(process.execPath, ['tools/start.mjs'], {
      cwd: ROOT,
      env: { ...env, DESK_DATA: dataDir, DESK_PORT: '0', DESK_BROWSER_HOST: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let done = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out)?.[0];
      if (url && !done) {
        done = true;
        fetch(url)
          .then((r) => r.text())
          .then((index) => resolve({ out, url, index }), reject)
          .finally(() => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (!done) reject(new Error(`tools/start.mjs exited ${code} before printing a URL:\n${out}${err}`));
    });
  });
}

describe('npm start', () => {
  it('serves the built renderer from the bundled host; a second start rebuilds nothing', async () => {
    const dataDir = join(tmp, 'data');
    const first = await startToUrl(dataDir);
    expect(first.out).toContain('Not starting Electron: DESK_BROWSER_HOST is set.');
    expect(first.out).toContain('Development start: the store key is kept in the data folder');
    expect(first.index).toContain('<div id="root">');
    const built = [HOST_MAIN, HOST_WORKER_BUNDLE, join(ROOT, 'out/renderer/index.html')].map(
      (f) => statSync(f).mtimeMs,
    );
    // The worker's code cache, made by the first start, is there for the next.
    expect(existsSync(join(ROOT, 'out/host/services-worker.code-cache'))).toBe(true);
    const second = await startToUrl(dataDir);
    expect(second.index).toContain('<div id="root">');
    expect(
      [HOST_MAIN, HOST_WORKER_BUNDLE, join(ROOT, 'out/renderer/index.html')].map((f) => statSync(f).mtimeMs),
    ).toEqual(built);
  });

  it('the host bundle loads playwright-core only when a slip is printed, and nothing runs through tsx', () => {
    const host = readFileSync(HOST_MAIN, 'utf8');
    expect(host).not.toMatch(/from\s*["']playwright-core["']|require\(["']playwright-core["']\)/);
    expect(host).toContain('import("playwright-core")');
    for (const bundle of [host, readFileSync(HOST_WORKER, 'utf8'), readFileSync(HOST_WORKER_BUNDLE, 'utf8')])
      expect(bundle).not.toMatch(/["']tsx(\/[\w/]+)?["']/);
  });
});

describe('the renderer build stamp', () => {
  it('builds once, then not while the sources are unchanged; a stamp that no longer matches rebuilds', async () => {
    const outDir = join(tmp, 'renderer');
    expect(await ensureRenderer({ outDir, sourcemap: false })).toBe(true);
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('<div id="root">');
    const stamp = JSON.parse(readFileSync(`${outDir}.stamp.json`, 'utf8'));
    expect(stamp.inputs).toEqual(expect.arrayContaining(['renderer/main.tsx', 'vite.config.ts', 'shared/errors.ts']));
    expect(await ensureRenderer({ outDir, sourcemap: false })).toBe(false);
    const main = stamp.inputs.indexOf('renderer/main.tsx');
    const stats = stamp.stats.map((st: [number, number], i: number) => (i === main ? [st[0], st[1] - 1000] : st));
    // A file touched since (another time, the same content): its hash still matches, nothing is built.
    writeFileSync(`${outDir}.stamp.json`, JSON.stringify({ ...stamp, stats }));
    expect(await ensureRenderer({ outDir, sourcemap: false })).toBe(false);
    // A file changed since (another time and another content): built again.
    writeFileSync(`${outDir}.stamp.json`, JSON.stringify({ ...stamp, stats, hash: '0'.repeat(64) }));
    expect(await ensureRenderer({ outDir, sourcemap: false })).toBe(true);
    expect(await ensureRenderer({ outDir, sourcemap: false })).toBe(false);
    // Other settings (source maps) are another build.
    expect(await ensureRenderer({ outDir, sourcemap: true })).toBe(true);
  }, 120_000);
});
