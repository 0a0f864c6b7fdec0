// Loads services-worker.ts through tsx where it runs from source (the browser
// host under `npm start` / `npm run host`, and the tests); the packaged app
// runs the bundled out/electron/services-worker.cjs instead.
import { tsImport } from 'tsx/esm/api';

await tsImport('../worker/services-worker.ts', import.meta.url);
