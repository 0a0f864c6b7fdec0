/**
 * The import rules of eslint.config.js, each shown failing on a violating
 * import (and passing on an allowed one) as if the code were in that folder.
 * Also the type boundary: shared/ type-checks without Node's types, papaparse's included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

const CASES: [rule: string, file: string, bad: string, good: string][] = [
  [
    'shared/: no Node built-ins',
    'shared/engine/x.ts',
    "import { readFileSync } from 'node:fs';",
    "import { z } from 'zod';",
  ],
  [
    'shared/: only runtime-free packages',
    'shared/engine/x.ts',
    "import React from 'react';",
    "import Decimal from 'decimal.js';",
  ],
  [
    'shared/: nothing outside shared/',
    'shared/engine/x.ts',
    "import { x } from '../../insurer/persons.js';",
    "import { x } from '../money.js';",
  ],
  [
    'shared/: not the app',
    'shared/rules/x.ts',
    "import { x } from '../../electron/worker/store/db.js';",
    "import { x } from './schema.js';",
  ],
  [
    'shared/: no Node globals',
    'shared/x.ts',
    'export const b = Buffer.from("x");',
    'export const b = new TextEncoder().encode("x");',
  ],
  [
    'renderer/: only the window packages',
    'renderer/screens/X.tsx',
    "import { readFileSync } from 'node:fs';",
    "import { useState } from 'react';",
  ],
  [
    'renderer/: no Electron',
    'renderer/x.ts',
    "import { ipcRenderer } from 'electron';",
    "import i18next from 'i18next';",
  ],
  [
    'renderer/: not the services',
    'renderer/screens/X.tsx',
    "import { x } from '../../electron/worker/services/desk-service.js';",
    "import { x } from '../../shared/money.js';",
  ],
  [
    'worker: never Electron',
    'electron/worker/store/x.ts',
    "import { app } from 'electron';",
    "import Database from 'better-sqlite3-multiple-ciphers';",
  ],
  [
    'worker: not Electron main',
    'electron/worker/x.ts',
    "import { x } from '../main/data-folder.js';",
    "import { x } from '../node/config.js';",
  ],
  ['node/: no Electron', 'electron/node/x.ts', "import { app } from 'electron';", "import { join } from 'node:path';"],
  [
    'node/: not the worker',
    'electron/node/x.ts',
    "import { x } from '../worker/services/desk-service.js';",
    "import { x } from './dispatch.js';",
  ],
  [
    'host: no Electron',
    'electron/host/x.ts',
    "import { app } from 'electron';",
    "import { chromium } from 'playwright-core';",
  ],
  [
    'host: not the worker',
    'electron/host/x.ts',
    "import { x } from '../worker/desk-app.js';",
    "import { x } from '../node/services-client.js';",
  ],
  [
    'main: not the worker',
    'electron/main/x.ts',
    "import { x } from '../worker/store/db.js';",
    "import { app } from 'electron';",
  ],
  [
    'preload: Electron and shared/ only',
    'electron/preload/x.ts',
    "import { readFileSync } from 'node:fs';",
    "import { contextBridge } from 'electron';",
  ],
  [
    'product: no insurer/',
    'electron/worker/sync/x.ts',
    "import { x } from '../../../insurer/persons.js';",
    "import { x } from '../../../shared/sync/protocol.js';",
  ],
  [
    'product: no test/',
    'electron/worker/x.ts',
    "import { x } from '../../test/store-support.js';",
    "import { x } from './desk-app.js';",
  ],
  [
    'cli: no insurer/',
    'cli/x.ts',
    "import { x } from '../insurer/openapi.js';",
    "import { x } from '../shared/sync/protocol.js';",
  ],
];

describe('import rules by folder (eslint.config.js)', () => {
  for (const [rule, file, bad, good] of CASES) {
    it(rule, async () => {
      expect(await importErrors(file, `${bad}\nexport const y = 1;\n`), bad).not.toEqual([]);
      expect(await importErrors(file, `${good}\nexport const y = 1;\n`), good).toEqual([]);
    });
  }
});

describe('shared/ type-checks without Node types', () => {
  it('Buffer in shared/ fails the shared type-check, papaparse included', () => {
    const dir = mkdtempSync(join(root, 'shared', 'typecheck-probe-'));
    try {
      writeFileSync(
        join(dir, 'probe.ts'),
        "import Papa from 'papaparse';\nexport const n = Papa.parse('a').data;\nexport const b = Buffer.from('x');\n",
      );
      let out = '';
      try {
        execFileSync(
          process.execPath,
          [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'shared/tsconfig.json'), '--noEmit'],
          { encoding: 'utf8' },
        );
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toMatch(/probe\.ts.*Cannot find name 'Buffer'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
