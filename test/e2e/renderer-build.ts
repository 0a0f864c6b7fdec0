/**
 * vitest globalSetup: builds the renderer once for every e2e file of the run
 * (they used to build it once each, in parallel forks, on two cores), and not
 * at all when its sources have not changed since the last run (the same
 * content stamp as `npm start`'s build: tools/app-build.mjs).
 */
import { ensureRenderer } from '../../tools/app-build.mjs';
import { E2E_RENDERER_DIR } from './paths.js';

export default async function buildRenderer(): Promise<void> {
  await ensureRenderer({ outDir: E2E_RENDERER_DIR, sourcemap: false });
}
