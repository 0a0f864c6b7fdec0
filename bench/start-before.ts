/**
 * The start as it was before out/host (for bench/start.ts only): `tsx tools/start.ts`
 * built the renderer with vite on every start, imported playwright-core with the
 * host, and ran the host and its worker from source through tsx. Its renderer
 * goes to out/bench/renderer-before so that the real build is left alone.
 */
import { spawnSync } from 'node:child_process';

const vite = spawnSync(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error', '--outDir', '../out/bench/renderer-before'],
  { stdio: 'inherit' },
);
if (vite.status !== 0) process.exit(vite.status ?? 1);
await import('playwright-core');
await import('../electron/host/main.js');
