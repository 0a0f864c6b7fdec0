/**
 * Engine throughput over a mixed batch of the five regions. Prints:
 *  1. the window's path: validate the request, settle, build the Chinese trace;
 *  2. the same without the trace (identical amounts);
 *  3. re-settling stored claims: requests already validated when they were
 *     stored, amounts only — and what 1,000,000 of them take (goal < 60 s).
 *
 *   npm run bench     (BENCH_N=… changes the count per phase, default 60,000)
 *
 * One thread: on this machine two processes each run at half speed, so worker
 * threads do not raise the total (measured while writing this).
 */
import { settle, settleRequest } from '../shared/engine/settle.js';
import { parseSettlementRequest } from '../shared/engine/request.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { mixedRequests } from './mixed-requests.js';

const N = Number(process.env['BENCH_N'] ?? 60_000);
const rules = bundledRuleSet();
const requests = mixedRequests(20_000);
const stored = requests.map((r) => parseSettlementRequest(r, rules));

function rate(run: (i: number) => unknown): number {
  for (let i = 0; i < 5_000; i++) run(i % requests.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) run(i % requests.length);
  return N / (Number(process.hrtime.bigint() - start) / 1e9);
}

const line = (label: string, perSecond: number) =>
  console.log(`${label.padEnd(44)} ${String(Math.round(perSecond)).padStart(7)} settlements/s  ${(1e6 / perSecond).toFixed(1).padStart(6)} µs each`);

const window = rate((i) => settle(requests[i], rules));
line('engine: validate + settle + trace', window);
line('engine: validate + settle, amounts only', rate((i) => settle(requests[i], rules, { trace: false })));
const resettle = rate((i) => settleRequest(stored[i]!, rules, { trace: false }));
line('engine: re-settle stored requests', resettle);
const seconds = 1e6 / resettle;
console.log(`engine: re-settling 1,000,000 claims takes ${seconds.toFixed(1)} s (goal < 60 s: ${seconds < 60 ? 'met' : 'NOT met'}); with traces ${(1e6 / window).toFixed(1)} s`);
