/**
 * Engine throughput over a mixed batch of the five regions. Prints:
 *  1. the window's path: validate the request, settle, build the Chinese trace;
 *  2. the same without the trace (identical amounts);
 *  3. re-settling stored claims: requests already validated when they were
 *     stored, amounts only — and what 1,000,000 of them take (goal < 60 s).
 *
 *   npm run bench     (bundled with esbuild as the app is; BENCH_N=… per phase, default 100,000)
 *
 * One thread: on this machine two processes each run at half speed, so worker
 * threads do not raise the total (measured while writing this).
 */
import { settle, settleRequest } from '../shared/engine/settle.js';
import { parseSettlementRequest } from '../shared/engine/request.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { mixedRequests } from './mixed-requests.js';

const N = Number(process.env['BENCH_N'] ?? 100_000);
const rules = bundledRuleSet();
const requests = mixedRequests(20_000);
const stored = requests.map((r) => parseSettlementRequest(r, rules));

/** Median settlements/s over five rounds (this machine's speed varies run to run), with the slowest round. */
function rate(run: (i: number) => unknown): { median: number; slowest: number } {
  for (let i = 0; i < 5_000; i++) run(i % requests.length);
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N / 5; i++) run(i % requests.length);
    rounds.push(N / 5 / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  rounds.sort((a, b) => a - b);
  return { median: rounds[2]!, slowest: rounds[0]! };
}

const line = (label: string, r: { median: number; slowest: number }) =>
  console.log(
    `${label.padEnd(42)} ${String(Math.round(r.median)).padStart(7)} settlements/s  ${(1e6 / r.median).toFixed(1).padStart(6)} µs each  (slowest round ${Math.round(r.slowest)}/s)`,
  );

const window = rate((i) => settle(requests[i], rules));
line('engine: validate + settle + trace', window);
line(
  'engine: validate + settle, amounts only',
  rate((i) => settle(requests[i], rules, { trace: false })),
);
const resettle = rate((i) => settleRequest(stored[i]!, rules, { trace: false }));
line('engine: re-settle stored requests', resettle);
const seconds = 1e6 / resettle.median;
console.log(
  `engine: re-settling 1,000,000 claims takes ${seconds.toFixed(1)} s (slowest round: ${(1e6 / resettle.slowest).toFixed(1)} s; goal < 60 s: ${seconds < 60 ? 'met' : 'NOT met'}); with traces ${(1e6 / window.median).toFixed(1)} s`,
);
