/**
 * The settlement CLI as hospital systems run it: a real child process
 * (node --import tsx cli/settle.ts ...), its stdout, stderr and exit status.
 * Exit 0 when all settled, 2 when any request was refused, 1 on usage or I/O.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'dazhou-example-1.json');
const exampleText = readFileSync(EXAMPLE, 'utf8');
const example = JSON.parse(exampleText) as Record<string, unknown>;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion; the tests run concurrently, each in its own process. */
function cli(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/settle.ts', ...args], {
      cwd: ROOT,
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => {}); // the CLI may exit without reading stdin (usage errors)
    child.stdin.end(stdin);
  });
}

interface ErrorOutput {
  error: { code: string; field: string; message: string; message_en: string };
}

function expectErrorOutput(value: unknown, code: string, field: string): void {
  const { error } = value as ErrorOutput;
  expect(error).toBeDefined();
  expect(error.code).toBe(code);
  expect(error.field).toBe(field);
  expect(error.message).toMatch(/\p{Script=Han}/u);
  expect(error.message_en).not.toBe('');
}

/** A compact one-line request: the example with some changes. */
function line(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...example, ...changes });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'desk-cli-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, 'utf8');
  return path;
}

describe.concurrent('settle CLI, one request', () => {
  it('settles a file: exit 0, one JSON result', async () => {
    const r = await cli(['examples/dazhou-example-1.json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.psn_cash_pay).toBe('20241.25');
    expect(out.medfee_sumamt).toBe('180000.00');
    expect(out.region).toBe('dazhou');
  });

  it('reads the request from stdin with -', async () => {
    const r = await cli(['-'], exampleText);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Record<string, unknown>).psn_cash_pay).toBe('20241.25');
  });

  it('refuses a bad request: exit 2 and an error object naming the field', async () => {
    const r = await cli([tempFile('bad-region.json', line({ region: 'chengdu' }))]);
    expect(r.status).toBe(2);
    expectErrorOutput(JSON.parse(r.stdout), 'unknown_region', 'region');
  });

  it('refuses text that is not JSON: exit 2 and invalid_json', async () => {
    const r = await cli([tempFile('not-json.json', '{"region": "dazhou",')]);
    expect(r.status).toBe(2);
    expectErrorOutput(JSON.parse(r.stdout), 'invalid_json', '');
  });

  it('refuses invalid JSON on stdin too', async () => {
    const r = await cli(['-'], 'region=dazhou');
    expect(r.status).toBe(2);
    expectErrorOutput(JSON.parse(r.stdout), 'invalid_json', '');
  });
});

describe.concurrent('settle CLI, --batch', () => {
  const goodJiangyin = line({
    region: 'jiangyin',
    insured: { scheme: 'resident', retired: false, medical_assistance: false },
    ytd: {},
  });

  it('answers one line per non-blank input line, in order; exit 2 when any is refused', async () => {
    const input = [
      line(),
      '{"region": "dazhou", oops}',
      '',
      line({ hospital_level: 4 }),
      '   ',
      goodJiangyin,
      line({ costs: [] }),
      '',
    ].join('\n');
    const r = await cli(['--batch', tempFile('mixed.ndjson', input)]);
    expect(r.status).toBe(2);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5);
    const out = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out[0]!.psn_cash_pay).toBe('20241.25');
    expectErrorOutput(out[1], 'invalid_json', '');
    expectErrorOutput(out[2], 'invalid_hospital_level', 'hospital_level');
    expect(out[3]!.region).toBe('jiangyin');
    expect(out[3]!.error).toBeUndefined();
    expectErrorOutput(out[4], 'no_costs', 'costs');
  });

  it('exit 0 when every line settles (CRLF line ends, no final newline)', async () => {
    const input = [line(), goodJiangyin, line({ hospital_level: 2 })].join('\r\n');
    const r = await cli(['--batch', tempFile('good.ndjson', input)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const out = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.region)).toEqual(['dazhou', 'jiangyin', 'dazhou']);
    expect(out[0]!.psn_cash_pay).toBe('20241.25');
    for (const o of out) expect(o.error).toBeUndefined();
  });

  it('reads NDJSON from stdin with -', async () => {
    const r = await cli(['--batch', '-'], `${line()}\n\n${line({ region: 'chengdu' })}\n`);
    expect(r.status).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect((JSON.parse(lines[0]!) as Record<string, unknown>).psn_cash_pay).toBe('20241.25');
    expectErrorOutput(JSON.parse(lines[1]!), 'unknown_region', 'region');
  });
});

describe.concurrent('settle CLI, usage and I/O problems exit 1', () => {
  it('no arguments: usage on stderr, nothing on stdout', async () => {
    const r = await cli([]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/usage/i);
    expect(r.stdout).toBe('');
  });

  it('--batch without a file: usage on stderr', async () => {
    const r = await cli(['--batch']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/usage/i);
    expect(r.stdout).toBe('');
  });

  it('a missing file', async () => {
    const r = await cli([join(dir, 'no-such-request.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no-such-request\.json/);
    expect(r.stdout).toBe('');
  });

  it('a missing batch file', async () => {
    const r = await cli(['--batch', join(dir, 'no-such-batch.ndjson')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no-such-batch\.ndjson/);
    expect(r.stdout).toBe('');
  });
});
