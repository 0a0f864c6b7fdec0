/** Bundles the Electron main process, the services worker and the preload into out/electron as CommonJS (a sandboxed preload must be). */
import { build, type BuildOptions } from 'esbuild';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['electron', 'better-sqlite3-multiple-ciphers'],
};
await build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'out/electron/main.cjs' });
await build({
  ...common,
  entryPoints: ['electron/worker/services-worker.ts'],
  outfile: 'out/electron/services-worker.cjs',
});
await build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'out/electron/preload.cjs' });
process.stdout.write('built out/electron/main.cjs, out/electron/services-worker.cjs, out/electron/preload.cjs\n');
