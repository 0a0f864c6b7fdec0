/**
 * vitest globalSetup: builds the renderer once for every e2e file of the run
 * (they used to build it once each, in parallel forks, on two cores).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { E2E_RENDERER_DIR } from './paths.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function buildRenderer(): Promise<void> {
  await build({
    configFile: `${root}vite.config.ts`,
    logLevel: 'warn',
    build: { outDir: E2E_RENDERER_DIR, emptyOutDir: true, sourcemap: false },
  });
}
