/**
 * `npm start` to the URL it prints, with the renderer already built (and the
 * host bundles: tools/app-build.mjs builds them first if they are stale), on a
 * data folder made by a first start that is not timed — so every timed start
 * opens an existing store with the checks a start does (key check, schema,
 * chain anchor, config). Medians of BENCH_RUNS (default 5) starts of:
 *   now      node tools/start.mjs (what `npm start` runs)
 *   npm      npm start            (the same, with npm's own start-up)
 *   before   the start before out/host: vite build on every start, playwright-core
 *            imported at start, host and worker through tsx (bench/start-before.ts)
 * taken in turn (now, npm, before, now, …) so a drift of the machine hits all three,
 * and the ratios now/before and npm/before.
 *
 *   npm run bench:start
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const TARGET_S = 0.6;

/** The repository: the folder above this script (bench/ from source, out/bench/ bundled) that has tools/start.mjs. */
function repoRoot(): string {
  let dir = dirname(new URL(import.meta.url).pathname);
  while (!existsSync(join(dir, 'tools', 'start.mjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench/start.ts: cannot find tools/start.mjs above this script');
    dir = up;
  }
  return dir;
}
const root = repoRoot();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const paths: Record<string, { cmd: string; args: string[] }> = {
  now: { cmd: process.execPath, args: ['tools/start.mjs'] },
  npm: { cmd: npm, args: ['start', '--silent'] },
  before: { cmd: process.execPath, args: ['node_modules/tsx/dist/cli.mjs', 'bench/start-before.ts'] },
};

const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-start-'));
const env = {
  ...process.env,
  DESK_DATA: dataDir,
  DESK_PORT: '0',
  DESK_BROWSER_HOST: '1',
  DESK_ALLOW_KEY_IN_DATA: '1',
};

/**
 * CPU seconds (user + system) spent so far by a process and its descendants,
 * those still running and those already waited for (Linux: /proc; elsewhere NaN).
 * Less moved by a busy machine than the wall time.
 */
function cpuSeconds(root: number): number {
  if (process.platform !== 'linux') return NaN;
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command's name (in parentheses, may hold spaces): state ppid … utime(12) stime(13) cutime(14) cstime(15).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(entry), {
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
      });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  const wanted = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs)
      if (!wanted.has(pid) && wanted.has(p.ppid)) {
        wanted.add(pid);
        grew = true;
      }
  }
  for (const pid of wanted) ticks += procs.get(pid)?.ticks ?? 0;
  return ticks / 100; // USER_HZ
}

/** Starts one path and resolves with the milliseconds (wall, CPU) until it printed its URL; then stops it (SIGTERM) and waits. */
function timeToUrl(path: { cmd: string; args: string[] }): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(path.cmd, path.args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ms = -1;
    let cpu = NaN;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (ms < 0 && /http:\/\/127\.0\.0\.1:\d+/.test(out)) {
        ms = performance.now() - t0;
        cpu = cpuSeconds(child.pid!) * 1000;
        process.kill(-child.pid!, 'SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (ms >= 0) resolve({ wall: ms, cpu });
      else reject(new Error(`${path.cmd} ${path.args.join(' ')} exited ${code} before printing a URL:\n${out}${err}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

try {
  const built = spawnSync(process.execPath, ['tools/app-build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  // The first start creates the store and its key: not what a start costs every morning.
  await timeToUrl(paths['now']!);
  await timeToUrl(paths['before']!); // and warms the before path's caches (vite, tsx)
  const times: Record<string, { wall: number; cpu: number }[]> = { now: [], npm: [], before: [] };
  for (let i = 0; i < RUNS; i++)
    for (const name of Object.keys(paths)) times[name]!.push(await timeToUrl(paths[name]!));
  const wall = (name: string) => times[name]!.map((t) => t.wall);
  const cpu = (name: string) => times[name]!.map((t) => t.cpu);
  process.stdout.write(
    `npm start to URL, renderer built, existing data folder; medians of ${RUNS} (min … max); CPU = user + system of the process tree until the URL:\n`,
  );
  for (const name of Object.keys(times))
    process.stdout.write(
      `  ${name.padEnd(7)} ${s(median(wall(name)))}  (${s(Math.min(...wall(name)))} … ${s(Math.max(...wall(name)))})  CPU ${s(median(cpu(name)))}  ${paths[name]!.cmd === npm ? 'npm start' : paths[name]!.args.join(' ')}\n`,
    );
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  process.stdout.write(
    `  now/before ${ratio(wall('now'), wall('before'))} (CPU ${ratio(cpu('now'), cpu('before'))})  npm/before ${ratio(wall('npm'), wall('before'))} (CPU ${ratio(cpu('npm'), cpu('before'))})\n`,
  );
  const now = median(wall('now')) / 1000;
  process.stdout.write(
    `  target ≤ ${TARGET_S} s to URL (node tools/start.mjs): ${now <= TARGET_S ? 'met' : 'not met'} here\n`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
