/**
 * The batch CLI against the engine it wraps, in the same run (issue 18 item 6):
 * ~50,000 mixed requests of the five regions (bench/mixed-requests.ts) as one
 * NDJSON file, settled
 *  1. by the CLI as a hospital system runs it (`settle --batch FILE`, bundled
 *     with esbuild, a child process writing to a file), with and without the trace;
 *  2. by a plain loop of the engine in this process (settleRequest on the
 *     requests already read), with and without the trace, so the CLI's
 *     overhead (reading, validating, JSON out) is visible as a ratio;
 * plus what reading a request's shape costs: zod (parseRequestShape) and the
 * compiled validator (readRequestShape), against the engine's time per request.
 * Medians of 3 rounds; the CLI's start (a one-line batch) is measured too and
 * shown subtracted.
 *
 *   npm run bench:cli      (BENCH_CLI_N=… requests, default 50,000; BENCH_CLI_PROF=1 writes --cpu-prof files to out/bench/prof)
 *
 * Targets (issue 18): CLI batch ≥ 60,000 settlements/s without trace, ≥ 25,000/s with.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRequestShape, readRequestShape, type SettlementRequest } from '../shared/engine/request.js';
import { settleRequest } from '../shared/engine/settle.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { mixedRequests } from './mixed-requests.js';

const N = Number(process.env['BENCH_CLI_N'] ?? 50_000);
const PROFILE = process.env['BENCH_CLI_PROF'] === '1';
// Beside the bundle (out/bench/), where the CLI's bundle is too.
const OUT = fileURLToPath(new URL('./', import.meta.url));
// The CLI bundle sits beside this one (npm run bench:cli builds both).
const CLI = fileURLToPath(new URL('./settle.mjs', import.meta.url));
mkdirSync(OUT, { recursive: true });

const rules = bundledRuleSet();
const texts = mixedRequests(N).map((r) => JSON.stringify(r));
const input = `${OUT}cli-requests.ndjson`;
writeFileSync(input, `${texts.join('\n')}\n`);
const one = `${OUT}cli-one.ndjson`;
writeFileSync(one, `${texts[0]}\n`);
const typed: SettlementRequest[] = texts.map((t) => parseRequestShape(JSON.parse(t)));
const parsed: unknown[] = texts.map((t) => JSON.parse(t));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The child reports the CPU time it used (user + system) on exit: on a shared, busy machine the CPU seconds say
 * more than the wall clock, which also counts time the process waited for a core.
 */
const CPU_REPORT =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('cpu '+(u.user+u.system)+'\\n')})";

interface Timing {
  wall: number;
  cpu: number;
}

/** Seconds (wall and CPU) of one CLI run over `file`; its output goes to a file, as a batch job's would. */
function cliRun(file: string, trace: boolean, profile = false): Timing {
  const output = `${OUT}cli-results.ndjson`;
  const fd = openSync(output, 'w');
  const args = [
    '--import',
    CPU_REPORT,
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${OUT}prof`] : []),
    CLI,
    '--batch',
    trace ? '--trace' : '--no-trace',
    file,
  ];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', fd, 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(fd);
  const stderr = r.stderr.toString();
  const cpu = /^cpu (\d+)$/m.exec(stderr);
  if (r.status !== 0 || !cpu) throw new Error(`CLI exit ${r.status}: ${stderr}`);
  if (file === input) {
    const lines = readFileSync(output, 'utf8').split('\n').length - 1;
    if (lines !== N) throw new Error(`CLI wrote ${lines} lines for ${N} requests`);
  }
  return { wall, cpu: Number(cpu[1]) / 1e6 };
}

/** Seconds (wall and CPU) of `run` over every request in this process. */
function loop(run: (i: number) => unknown): Timing {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i++) run(i);
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: (used.user + used.system) / 1e6 };
}

// Warm the in-process engine as the CLI's own run warms itself.
for (let i = 0; i < Math.min(N, 5_000); i++) settleRequest(typed[i]!, rules, { trace: true });

const rounds = { cli: [[], []], start: [[], []], engine: [[], []], zod: [], compiled: [] } as {
  cli: Timing[][];
  start: Timing[][];
  engine: Timing[][];
  zod: Timing[];
  compiled: Timing[];
};
for (let round = 0; round < 3; round++) {
  for (const [k, trace] of [false, true].entries()) {
    rounds.start[k]!.push(cliRun(one, trace));
    rounds.cli[k]!.push(cliRun(input, trace));
    rounds.engine[k]!.push(loop((i) => settleRequest(typed[i]!, rules, { trace })));
  }
  rounds.zod.push(loop((i) => parseRequestShape(parsed[i])));
  rounds.compiled.push(loop((i) => readRequestShape(parsed[i])));
}
if (PROFILE) for (const trace of [false, true]) cliRun(input, trace, true);

const perSecond = (s: number) => Math.round(N / s);
const us = (s: number) => ((s / N) * 1e6).toFixed(1);
const mb = (statSync(input).size / 1e6).toFixed(1);
console.log(
  `CLI batch: ${N} mixed requests of the five regions (${mb} MB NDJSON), medians of 3 rounds; ` +
    `wall clock, then CPU time (user + system) in brackets`,
);
for (const [k, label] of ['without trace', 'with trace'].entries()) {
  const target = k === 0 ? 60_000 : 25_000;
  const line = (of: keyof Timing) => {
    const cli = median(rounds.cli[k]!.map((t) => t[of]));
    const start = median(rounds.start[k]!.map((t) => t[of]));
    const engine = median(rounds.engine[k]!.map((t) => t[of]));
    return {
      text:
        `CLI ${perSecond(cli)}/s (${cli.toFixed(2)} s; ${perSecond(cli - start)}/s less its ${start.toFixed(2)} s start), ` +
        `engine loop ${perSecond(engine)}/s (${us(engine)} µs each), CLI/engine ${(cli / engine).toFixed(2)}× ` +
        `(${((cli - start) / engine).toFixed(2)}× less start)`,
      rate: perSecond(cli),
    };
  };
  const wall = line('wall');
  const cpu = line('cpu');
  console.log(`  ${label}: ${wall.text}`);
  console.log(`  ${' '.repeat(label.length)}  [${cpu.text}]`);
  console.log(
    `  ${' '.repeat(label.length)}  target ≥ ${target}/s: ${wall.rate >= target ? 'met' : 'NOT met'} by the wall clock, ` +
      `${cpu.rate >= target ? 'met' : 'NOT met'} by CPU time`,
  );
}
const of = (xs: Timing[]) => median(xs.map((t) => t.cpu));
const engineNoTrace = of(rounds.engine[0]!);
console.log(
  `  reading a request's shape (CPU): zod ${us(of(rounds.zod))} µs, compiled ${us(of(rounds.compiled))} µs ` +
    `(${(of(rounds.zod) / of(rounds.compiled)).toFixed(1)}× faster); the engine without trace ${us(engineNoTrace)} µs ` +
    `(compiled validation = ${((of(rounds.compiled) / engineNoTrace) * 100).toFixed(0)}% of a settlement)`,
);
if (PROFILE) console.log(`  CPU profiles of one run each: ${OUT}prof/`);
