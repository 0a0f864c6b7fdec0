/**
 * Engine throughput over a mixed batch of the five regions: the integer engine
 * (shared/engine, issue 18) and the decimal.js engine it replaced (kept as the
 * oracle in test/oracle/), measured in the same run, with their ratio. Prints:
 *  1. the window's path: validate the request, settle, build the Chinese trace;
 *  2. the same without the trace (identical amounts);
 *  3. settling requests already validated (stored claims, the terminal's own
 *     requests): the engine alone, with the trace and without it (amounts
 *     only) — and what re-settling 1,000,000 of them takes (goal < 60 s).
 *
 *   npm run bench:engine   (bundled with esbuild as the app is; BENCH_N=… per phase, default 100,000)
 *
 * The two engines alternate round by round (integer, oracle, integer, …), so a
 * slow spell of this machine hits both; each figure is the median of five rounds.
 * One thread: on this machine two processes each run at half speed, so worker
 * threads do not raise the total (measured while writing this).
 */
import { settle, settleRequest } from '../shared/engine/settle.js';
import { settle as oracleSettle, settleRequest as oracleSettleRequest } from '../test/oracle/settle.js';
import { parseSettlementRequest } from '../shared/engine/request.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { mixedRequests } from './mixed-requests.js';

const N = Number(process.env['BENCH_N'] ?? 100_000);
const ROUNDS = 5;
const rules = bundledRuleSet();
const requests = mixedRequests(20_000);
const stored = requests.map((r) => parseSettlementRequest(r, rules));

// The same answers first: a bench of two engines that disagree would measure nothing.
for (let i = 0; i < 2_000; i++) {
  const a = JSON.stringify(settle(requests[i], rules));
  const b = JSON.stringify(oracleSettle(requests[i], rules));
  if (a !== b) throw new Error(`request ${i}: the integer engine and the oracle disagree`);
}

interface Rate {
  median: number;
  slowest: number;
}

/** Median settlements/s of each engine over ROUNDS alternating rounds, with the slowest round. */
function rates(mine: (i: number) => unknown, oracle: (i: number) => unknown): { mine: Rate; oracle: Rate } {
  for (let i = 0; i < 5_000; i++) {
    mine(i % requests.length);
    oracle(i % requests.length);
  }
  const round = (run: (i: number) => unknown): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N / ROUNDS; i++) run(i % requests.length);
    return N / ROUNDS / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(round(mine));
    b.push(round(oracle));
  }
  const summary = (xs: number[]): Rate => {
    xs.sort((x, y) => x - y);
    return { median: xs[Math.floor(ROUNDS / 2)]!, slowest: xs[0]! };
  };
  return { mine: summary(a), oracle: summary(b) };
}

const line = (label: string, r: Rate) =>
  console.log(
    `${label.padEnd(58)} ${String(Math.round(r.median)).padStart(7)} settlements/s  ${(1e6 / r.median).toFixed(1).padStart(6)} µs each  (slowest round ${Math.round(r.slowest)}/s)`,
  );
const pair = (label: string, r: { mine: Rate; oracle: Rate }) => {
  line(`${label}, integer`, r.mine);
  line(`${label}, decimal.js oracle`, r.oracle);
  console.log(`${label}: integer / oracle = ${(r.mine.median / r.oracle.median).toFixed(2)}×`);
};

const window = rates(
  (i) => settle(requests[i], rules),
  (i) => oracleSettle(requests[i], rules),
);
pair('engine: validate + settle + trace', window);
pair(
  'engine: validate + settle, amounts only',
  rates(
    (i) => settle(requests[i], rules, { trace: false }),
    (i) => oracleSettle(requests[i], rules, { trace: false }),
  ),
);
pair(
  'engine: re-settle stored requests + trace',
  rates(
    (i) => settleRequest(stored[i]!, rules),
    (i) => oracleSettleRequest(stored[i]!, rules),
  ),
);
const resettle = rates(
  (i) => settleRequest(stored[i]!, rules, { trace: false }),
  (i) => oracleSettleRequest(stored[i]!, rules, { trace: false }),
);
pair('engine: re-settle stored requests', resettle);
const seconds = 1e6 / resettle.mine.median;
console.log(
  `engine: re-settling 1,000,000 claims takes ${seconds.toFixed(1)} s (slowest round: ${(1e6 / resettle.mine.slowest).toFixed(1)} s; goal < 60 s: ${seconds < 60 ? 'met' : 'NOT met'}); with traces ${(1e6 / window.mine.median).toFixed(1)} s`,
);
