/**
 * The README's examples (examples/*.json, one settle request per region) run
 * through the settlement CLI as hospital systems run it (a child process, as
 * test/cli.test.ts does): each settles with exit 0, its output is the region
 * the request names, and every region of the bundled rule packages has one.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { Decimal } from '../shared/money.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
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
    child.stdin.end();
  });
}

interface Output {
  region: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  trace: { text: string; article: string | null }[];
}

describe('examples/', () => {
  it('has one request per region of the bundled rule packages', () => {
    const regions = files.map(
      (f) => (JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { region: string }).region,
    );
    expect(new Set(regions)).toEqual(new Set(bundledRuleSet().regions()));
  });

  describe.concurrent.each(files)('%s', (file) => {
    it('settles through the CLI: exit 0, the region it asks for, funds + cash = the bill', async () => {
      const request = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { region: string };
      const r = await cli([join('examples', file)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as Output;
      expect(out.region).toBe(request.region);
      expect(new Decimal(out.fund_pay_sumamt).plus(out.psn_cash_pay).toFixed(2)).toBe(
        new Decimal(out.medfee_sumamt).toFixed(2),
      );
      // The trace cites the shipped settlement model and the policy, never the unshipped domain.md.
      expect(JSON.stringify(out.trace)).not.toContain('domain.md');
      expect(out.trace[0]!.article).toMatch(/^(.*；)?规则包 \S+ \S+；《.+》/);
    });
  });
});
