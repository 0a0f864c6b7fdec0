/**
 * The batch CLI's lean path: --trace / --no-trace (default --trace), the same
 * bytes out as the engine's results through JSON.stringify, the malformed
 * corpus refused through the compiled validator with the bodies the zod
 * reading gives, and NDJSON split and written in large chunks
 * (cli/ndjson.ts) exactly as readline and line-by-line writes would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LineWriter, lineChunks } from '../cli/ndjson.js';
import { settleLine } from '../cli/settle-line.js';
import { parseRequestShape } from '../shared/engine/request.js';
import { settleRequest } from '../shared/engine/settle.js';
import { refuseBeyondToday } from '../shared/limits.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { DeskError } from '../shared/errors.js';
import { mixedRequests } from '../bench/mixed-requests.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cli-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/settle.ts', ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

const rules = bundledRuleSet();
const TODAY = '2027-06-01';
const corpus = (
  JSON.parse(readFileSync(new URL('./corpus/malformed.json', import.meta.url), 'utf8')) as { request: unknown }[]
).map((c) => c.request);

/** The CLI's line as it was before the compiled validator: zod's reading, today's limit, the engine. */
function zodLine(text: string, trace: boolean): unknown {
  try {
    const req = parseRequestShape(JSON.parse(text));
    refuseBeyondToday(req, TODAY);
    return settleRequest(req, rules, { trace });
  } catch (e) {
    if (e instanceof DeskError) return { error: e.body };
    throw e;
  }
}

describe('settleLine', () => {
  it('refuses every malformed-corpus request with the body the zod reading gives, messages included', () => {
    for (const request of corpus) {
      const text = JSON.stringify(request);
      expect(settleLine(text, rules, TODAY).output, text).toEqual(zodLine(text, true));
    }
  });

  it('settles the mixed batch to the same bytes, with and without the trace', () => {
    for (const request of mixedRequests(300)) {
      const text = JSON.stringify(request);
      for (const trace of [true, false]) {
        const out = settleLine(text, rules, TODAY, { trace });
        expect(out.ok).toBe(true);
        expect(JSON.stringify(out.output)).toBe(JSON.stringify(zodLine(text, trace)));
      }
      expect(settleLine(text, rules, TODAY).output).toEqual(settleLine(text, rules, TODAY, { trace: true }).output);
    }
  });
});

describe('settle CLI --batch, --trace and --no-trace', () => {
  const requests = mixedRequests(30);
  const file = join(dir, 'mixed.ndjson');
  writeFileSync(file, `${requests.map((r) => JSON.stringify(r)).join('\n')}\n{"region": 1}\n`);

  it('--trace is the default; --no-trace gives the same results with "trace": []', async () => {
    const [plain, traced, untraced] = await Promise.all([
      cli(['--batch', file]),
      cli(['--batch', '--trace', file]),
      cli(['--no-trace', '--batch', file]),
    ]);
    for (const r of [plain, traced, untraced]) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(2);
    }
    expect(plain.stdout).toBe(traced.stdout);
    const withTrace = traced.stdout.trimEnd().split('\n');
    const without = untraced.stdout.trimEnd().split('\n');
    expect(withTrace).toHaveLength(requests.length + 1);
    expect(without).toHaveLength(requests.length + 1);
    for (let i = 0; i < requests.length; i++) {
      const a = JSON.parse(withTrace[i]!) as { trace: unknown[] };
      const b = JSON.parse(without[i]!) as { trace: unknown[] };
      expect(a.trace.length).toBeGreaterThan(0);
      expect(b.trace).toEqual([]);
      expect({ ...b, trace: a.trace }).toEqual(a);
    }
    expect(without[requests.length]).toBe(withTrace[requests.length]);
  });

  it('says both flags and the default in its usage', async () => {
    const r = await cli([]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--no-trace/);
    expect(r.stderr).toMatch(/--trace\s+build the trace \(the default\)/);
  });
});

describe('NDJSON in large chunks', () => {
  async function split(chunks: string[]): Promise<string[]> {
    const out: string[] = [];
    for await (const lines of lineChunks(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(...lines);
    return out;
  }

  it('splits lines as readline does: \\n, \\r\\n (also across chunks), a lone \\r, no final newline', async () => {
    expect(await split(['a\nb', 'c\r', '\nd\re\r\n', '\n', 'f'])).toEqual(['a', 'bc', 'd', 'e', '', 'f']);
    expect(await split(['a\n', 'b\n'])).toEqual(['a', 'b']);
    expect(await split(['ab', 'cd', 'e\r', '\r\nf\rg', 'h'])).toEqual(['abcde', '', 'f', 'gh']);
    expect(await split(['a\r'])).toEqual(['a']);
    expect(await split([])).toEqual([]);
    // A character split across two chunks' bytes.
    const bytes = Buffer.from('甲\n乙\n');
    const out: string[] = [];
    for await (const l of lineChunks(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]))) out.push(...l);
    expect(out).toEqual(['甲', '乙']);
  });

  it('writes the same bytes as one write per line, through a small buffer and a slow stream', async () => {
    const lines = ['{"a":"甲乙"}', 'x'.repeat(50), '', '€'.repeat(40), 'tail'];
    const received: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        received.push(Buffer.from(chunk));
        setTimeout(done, 1);
      },
    });
    const w = new LineWriter(slow, 64);
    for (const l of lines) {
      w.line(l);
      await w.drained();
    }
    await w.end();
    expect(Buffer.concat(received).toString('utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });
});
