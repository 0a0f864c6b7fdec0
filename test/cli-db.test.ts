/** `settle --db`: the CLI settles with the rule versions installed in a terminal's store. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledPackages } from '../shared/rules/bundled.js';
import { makeStore } from './store-support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/settle.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('settle --db', () => {
  it("uses the store's installed versions, an insurer version included", () => {
    const s = makeStore();
    const bundledOnly = cli(['--db', s.dbPath, 'examples/dazhou-example-1.json']);
    expect(bundledOnly.status).toBe(0);
    expect(JSON.parse(bundledOnly.stdout).psn_cash_pay).toBe('20241.25');

    const next = structuredClone(
      bundledPackages.find((p) => (p as { region: { id: string } }).region.id === 'dazhou'),
    ) as any;
    next.version = '2026.2';
    next.effective = { from: '2026-03-01', to: '2028-03-31' };
    next.schemes.employee.ratio['3'] = '0.90';
    s.service.rules.install(next, 'verified', null);
    const withInsurer = cli(['--db', s.dbPath, 'examples/dazhou-example-1.json']);
    expect(withInsurer.status).toBe(0);
    const r = JSON.parse(withInsurer.stdout);
    expect(r.parts[0].rule_version).toBe('2026.2');
    expect(r.hifp_pay).toBe('150000.00');
  });

  it('a missing store file is a clear error, exit 1', () => {
    const r = cli(['--db', '/nonexistent/desk.sqlite', 'examples/dazhou-example-1.json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr).error.field).toBe('--db');
  });
});
