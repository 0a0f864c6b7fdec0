/**
 * `npm start`: builds what is stale (tools/app-build.mjs: the renderer, the
 * host and its worker; nothing when the sources have not changed), then
 * launches Electron where its binary is available (Electron ≥ 42 fetches it on
 * first run) and a display exists; otherwise says why and starts the browser
 * host on 127.0.0.1 from its bundle, in this process.
 *
 *   node tools/start.mjs          npm start
 *   node tools/start.mjs --host   npm run host: the browser host, without trying Electron
 *
 * Plain JavaScript run by node alone: no tsx, no bundler loaded unless something is rebuilt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ensureHost, ensureRenderer, HOST_MAIN, ROOT } from './app-build.mjs';

const hostOnly = process.argv.includes('--host');

function electronBinary() {
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'])
    return { why: 'no display (DISPLAY is not set)' };
  // Resolving the electron package fetches the binary when it is missing; give that a bounded time.
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    encoding: 'utf8',
    timeout: 180_000,
    cwd: ROOT,
  });
  if (probe.status === 0 && probe.stdout) return { path: probe.stdout };
  const lines = (probe.stderr || probe.error?.message || '').split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /^(\w*Error|fetch failed)/.test(l)) ?? lines.find((l) => l !== '') ?? 'no output';
  return { why: `Electron's binary is not available and could not be fetched (${reason})` };
}

await ensureRenderer();
const electron = hostOnly
  ? null
  : process.env['DESK_BROWSER_HOST']
    ? { why: 'DESK_BROWSER_HOST is set' }
    : electronBinary();
if (electron && 'path' in electron) {
  // The Electron bundles (main, worker, preload): tools/build.ts, as `npm run build` makes them.
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'tools/build.ts'], { stdio: 'inherit', cwd: ROOT });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const child = spawn(electron.path, [`${ROOT}out/electron/main.cjs`], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  await ensureHost();
  if (electron) {
    process.stdout.write(
      `Not starting Electron: ${electron.why}.\nStarting the browser host instead (same renderer, same contract).\n`,
    );
    // A development start: the key file may sit in the data folder (a terminal sets DESK_KEY_FILE outside it; README).
    if (!process.env['DESK_KEY_FILE'] && !process.env['DESK_ALLOW_KEY_IN_DATA']) {
      process.env['DESK_ALLOW_KEY_IN_DATA'] = '1';
      process.stdout.write('Development start: the store key is kept in the data folder (never on a terminal).\n');
    }
  }
  await import(pathToFileURL(HOST_MAIN).href);
}
