import { fileURLToPath } from 'node:url';

/** The renderer built for the e2e tests (by renderer-build.ts, once per run). */
export const E2E_RENDERER_DIR = fileURLToPath(new URL('../../out/test-renderer', import.meta.url));
/** Screenshots for a person to look at. */
export const SCREENS_DIR = fileURLToPath(new URL('../../artifacts/screens', import.meta.url));
