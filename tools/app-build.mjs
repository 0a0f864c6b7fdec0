/**
 * Builds what `npm start` runs, once, and again only when its sources change:
 *   out/renderer/                 the window (vite)
 *   out/host/main.mjs             the browser host (esbuild, ESM)
 *   out/host/services-worker.cjs  the services worker thread (esbuild, CommonJS; run with V8's code cache)
 *
 * Beside each build, a stamp (out/<name>.stamp.json) lists the build's own
 * source files (as the bundler saw them: renderer/, shared/, electron/...) with
 * their sizes and modification times, and a hash of their contents, the build
 * settings and package-lock.json. At start, when every listed file still has
 * its size and time, the build is fresh (a stat each, about a millisecond);
 * otherwise the files are hashed again (a few ms) and the build is redone only
 * when the hash differs. A new source file is only ever reached through an
 * import in a listed one, so a changed listed file catches it.
 *
 * Plain JavaScript on purpose: `npm start` runs it with node alone (no tsx),
 * and vite or esbuild are loaded only when something is rebuilt.
 *
 *   node tools/app-build.mjs            build what is stale (npm run build, postinstall)
 *   node tools/app-build.mjs --force    build everything
 *   node tools/app-build.mjs --install  as the first, but a failure does not fail `npm install`
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_DIR = join(ROOT, 'out', 'renderer');
export const HOST_DIR = join(ROOT, 'out', 'host');
export const HOST_MAIN = join(HOST_DIR, 'main.mjs');
export const HOST_WORKER = join(HOST_DIR, 'services-worker.cjs');
const WORKER_BUNDLE = 'services-worker.bundle.cjs';
export const HOST_WORKER_BUNDLE = join(HOST_DIR, WORKER_BUNDLE);

/** Files every build depends on besides the sources the bundler reports. */
const ALWAYS = ['tools/app-build.mjs', 'package-lock.json', 'tsconfig.base.json'];
/** Bumped when the stamp's meaning changes. */
const STAMP_VERSION = 1;

/** Hash of the files (relative to ROOT) and the settings; null when a file is missing. */
function hashInputs(inputs, settings) {
  const h = createHash('sha256');
  h.update(`${STAMP_VERSION}\0${JSON.stringify(settings)}\0`);
  for (const file of inputs) {
    let content;
    try {
      content = readFileSync(join(ROOT, file));
    } catch {
      return null;
    }
    h.update(`${file}\0${content.length}\0`);
    h.update(content);
  }
  return h.digest('hex');
}

const stampPath = (outDir) => `${outDir}.stamp.json`;

/** True when `outDir` was built from exactly the files and settings its stamp lists, as they are now. */
export function isFresh(outDir, settings, outputs = []) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath(outDir), 'utf8'));
  } catch {
    return false;
  }
  if (stamp.version !== STAMP_VERSION || !Array.isArray(stamp.inputs)) return false;
  if (!outputs.every((o) => existsSync(join(outDir, o)))) return false;
  if (typeof stamp.hash !== 'string') return false;
  // Cheapest first: every file of the same size and time as at the build (a stat each); else their contents decide.
  if (sameStats(stamp.inputs, stamp.stats)) return JSON.stringify(settings) === stamp.settings;
  if (hashInputs(stamp.inputs, settings) !== stamp.hash) return false;
  // Touched, not changed (a checkout, an editor's save): the next start needs only the stats again.
  try {
    writeFileSync(stampPath(outDir), `${JSON.stringify({ ...stamp, stats: statsOf(stamp.inputs) }, null, 1)}\n`);
  } catch {
    // A read-only install hashes at every start: still a few ms.
  }
  return true;
}

/** [size, mtime] of each file, null where it is missing. */
const statsOf = (inputs) =>
  inputs.map((file) => {
    const st = statSync(join(ROOT, file), { throwIfNoEntry: false });
    return st ? [st.size, st.mtimeMs] : null;
  });

function sameStats(inputs, stats) {
  if (!Array.isArray(stats) || stats.length !== inputs.length) return false;
  const now = statsOf(inputs);
  return now.every((st, i) => st !== null && st[0] === stats[i]?.[0] && st[1] === stats[i]?.[1]);
}

/** Project files (relative, '/'-separated) among a bundler's inputs: no packages, no virtual modules. */
function projectFiles(paths) {
  const files = new Set(ALWAYS);
  for (const p of paths) {
    const clean = p.replace(/[?#].*$/, '').replace(/^\0+/, '');
    const abs = isAbsolute(clean) ? clean : join(ROOT, clean);
    const rel = relative(ROOT, abs);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) continue;
    if (!existsSync(abs)) continue;
    files.add(rel.split(sep).join('/'));
  }
  return [...files].sort();
}

/**
 * Builds into a fresh folder beside `outDir` and swaps it in, so a start or a
 * test run reading `outDir` meanwhile never sees half a build; then stamps it.
 */
async function buildInto(outDir, settings, build) {
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const started = Date.now();
  try {
    const inputs = projectFiles(await build(tmp));
    const stats = statsOf(inputs);
    // A source saved while the bundler ran may not be in this build: then the stamp
    // matches nothing and the next start builds again.
    const changedMeanwhile = stats.some((st) => st === null || st[1] >= started - 1);
    rmSync(stampPath(outDir), { force: true });
    // Another start or test run may swap in its own build at the same moment: the last one stays.
    for (let attempt = 1; ; attempt++) {
      rmSync(outDir, { recursive: true, force: true });
      try {
        renameSync(tmp, outDir);
        break;
      } catch (e) {
        if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(e?.code)) throw e;
      }
    }
    writeFileSync(
      stampPath(outDir),
      `${JSON.stringify(
        {
          version: STAMP_VERSION,
          settings: JSON.stringify(settings),
          hash: changedMeanwhile ? null : hashInputs(inputs, settings),
          inputs,
          stats,
        },
        null,
        1,
      )}\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The renderer, built by vite into `outDir` unless it is fresh. The e2e tests
 * build theirs (no source maps) into out/test-renderer the same way.
 * Returns true when it built.
 */
export async function ensureRenderer({ outDir = RENDERER_DIR, sourcemap = true, force = false } = {}) {
  const settings = { renderer: { sourcemap } };
  if (!force && isFresh(outDir, settings, ['index.html'])) return false;
  const { build } = await import('vite');
  await buildInto(outDir, settings, async (dir) => {
    const seen = new Set(['vite.config.ts', 'renderer/tsconfig.json']);
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true, sourcemap },
      plugins: [
        {
          name: 'desk-build-inputs',
          buildEnd() {
            for (const id of this.getModuleIds()) seen.add(id);
          },
        },
      ],
    });
    return seen;
  });
  return true;
}

/**
 * The worker's entry (out/host/services-worker.cjs): runs the bundle with V8's
 * code cache, so a start compiles little of its megabyte of code again. The cache is
 * written beside it after the first start (and again whenever V8 rejects it: a
 * new bundle, another Node); without it the bundle runs as plain CommonJS would.
 */
const WORKER_LOADER = `'use strict';
// Written by tools/app-build.mjs: runs ${WORKER_BUNDLE} with V8's code cache (services-worker.code-cache).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');
const file = path.join(__dirname, '${WORKER_BUNDLE}');
const cacheFile = path.join(__dirname, 'services-worker.code-cache');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const bundle = { exports: {}, id: file, filename: file, loaded: false };
// The bundle opens the store and answers 'ready' in its top level; the functions that took are in the cache made next.
script.runInThisContext().call(bundle.exports, bundle.exports, createRequire(file), bundle, file, __dirname);
if (cachedData === undefined || script.cachedDataRejected) {
  try {
    const tmp = cacheFile + '.' + process.pid + '.tmp';
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only install starts as fast as without the cache.
  }
}
`;

/**
 * zod's namespace re-exports its 40-odd message locales (half of zod's bundled
 * size, parsed at every start); nothing here uses any but English, which zod
 * itself sets as the default. The bundles keep only that one.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/** The browser host and its services worker, bundled by esbuild into out/host unless fresh. Returns true when it built. */
export async function ensureHost({ force = false } = {}) {
  const settings = { host: 2 };
  if (!force && isFresh(HOST_DIR, settings, ['main.mjs', 'services-worker.cjs', WORKER_BUNDLE])) return false;
  const { build } = await import('esbuild');
  await buildInto(HOST_DIR, settings, async (dir) => {
    const common = {
      bundle: true,
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      metafile: true,
      logLevel: 'warning',
      absWorkingDir: ROOT,
      plugins: [zodEnglishOnly],
      // Native (the store), loaded at the first print (playwright-core), never in the host (electron).
      external: ['better-sqlite3-multiple-ciphers', 'playwright-core', 'electron'],
    };
    const host = await build({
      ...common,
      entryPoints: ['electron/host/main.ts'],
      outfile: join(dir, 'main.mjs'),
      format: 'esm',
      // CommonJS packages bundled into ESM still call require.
      banner: {
        js: "import { createRequire as deskRequire } from 'node:module'; const require = deskRequire(import.meta.url);",
      },
    });
    const worker = await build({
      ...common,
      entryPoints: ['electron/worker/services-worker.ts'],
      outfile: join(dir, WORKER_BUNDLE),
      format: 'cjs',
    });
    writeFileSync(join(dir, 'services-worker.cjs'), WORKER_LOADER);
    return [...Object.keys(host.metafile.inputs), ...Object.keys(worker.metafile.inputs), 'tsconfig.json'];
  });
  return true;
}

/** Everything `npm start` runs. */
export async function ensureApp({ force = false } = {}) {
  const renderer = await ensureRenderer({ force });
  const host = await ensureHost({ force });
  return { renderer, host };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const force = process.argv.includes('--force');
  const t0 = performance.now();
  try {
    const built = await ensureApp({ force });
    const what = [built.renderer && 'out/renderer', built.host && 'out/host'].filter(Boolean);
    process.stdout.write(
      what.length > 0
        ? `built ${what.join(' and ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`
        : 'out/renderer and out/host are up to date\n',
    );
  } catch (e) {
    if (!process.argv.includes('--install')) throw e;
    // The install itself succeeded: `npm start` builds again and shows the error.
    process.stderr.write(`Discharge Desk: building the app failed (npm start will try again): ${String(e)}\n`);
  }
}
