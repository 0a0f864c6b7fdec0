/** The services worker from source, through tsx (browser host, tests). Kept apart from services-client.ts, which the CommonJS Electron bundle also uses. */
export const DEV_WORKER_ENTRY = new URL('./services-worker-dev.mjs', import.meta.url);
