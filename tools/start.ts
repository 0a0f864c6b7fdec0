/**
 * `npm start`: builds the renderer, then launches Electron where its binary is
 * available (Electron ≥ 42 fetches it on first run) and a display exists;
 * otherwise says why and starts the browser host on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);

function electronBinary(): { path: string } | { why: string } {
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'])
    return { why: 'no display (DISPLAY is not set)' };
  // Resolving the electron package fetches the binary when it is missing; give that a bounded time.
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (probe.status === 0 && probe.stdout) return { path: probe.stdout };
  const lines = (probe.stderr || probe.error?.message || '').split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /^(\w*Error|fetch failed)/.test(l)) ?? lines.find((l) => l !== '') ?? 'no output';
  return { why: `Electron's binary is not available and could not be fetched (${reason})` };
}

const electron = process.env['DESK_BROWSER_HOST'] ? { why: 'DESK_BROWSER_HOST is set' } : electronBinary();
if ('path' in electron) {
  run(process.execPath, ['--import', 'tsx', 'tools/build.ts']);
  const child = spawn(electron.path, [createRequire(import.meta.url).resolve('../out/electron/main.cjs')], {
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stdout.write(
    `Not starting Electron: ${electron.why}.\nStarting the browser host instead (same renderer, same contract).\n`,
  );
  // A development start: the key file may sit in the data folder (a terminal sets DESK_KEY_FILE outside it; README).
  if (!process.env['DESK_KEY_FILE'] && !process.env['DESK_ALLOW_KEY_IN_DATA']) {
    process.env['DESK_ALLOW_KEY_IN_DATA'] = '1';
    process.stdout.write('Development start: the store key is kept in the data folder (never on a terminal).\n');
  }
  await import('../electron/host/main.js');
}
