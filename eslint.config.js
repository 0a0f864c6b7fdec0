// Lint is part of `npm test`. The folder says where code runs, and the import
// rules below hold each folder to it (test/lint-boundaries.test.ts shows each
// rule failing on a violating import):
//   shared/            anywhere: only shared/ and runtime-free packages
//   renderer/          the window: shared/, its own files, the window's packages
//   electron/node/     any Node runtime of the app (main, host, worker): no Electron
//   electron/worker/   the services worker thread: never Electron
//   electron/host/     the Node browser host: never Electron
//   electron/main/     the Electron main process
//   electron/preload/  the preload: Electron and shared/ only
// Nothing in the product (shared, renderer, electron, cli) imports insurer/, test/, bench/ or tools/.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Packages that run anywhere (no Node, no DOM): the only ones shared/ may import. */
export const RUNTIME_FREE_PACKAGES = ['zod', 'decimal.js', 'nzh', 'papaparse', 'lossless-json'];
/** Packages the window may import. */
export const WINDOW_PACKAGES = ['react', 'react-dom/client', 'i18next', 'react-i18next'];

const NOT_PRODUCT = ['insurer', 'test', 'bench', 'tools'];
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A relative import that climbs into one of `dirs` (any depth: ../x/, ../../x/, …). */
const climbsInto = (dirs, message) => ({ regex: `^(\\.\\./)+(${dirs.join('|')})(/|$)`, message });
/** A bare import that is not one of `allowed`. */
const packagesOtherThan = (allowed, message) => ({
  regex: `^(?!\\.{1,2}(/|$)|(${allowed.map(escape).join('|')})$)`,
  message,
});

const rule = (patterns, paths = []) => ['error', { paths, patterns }];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'artifacts/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Tests break JSON documents on purpose; typing every mutation adds nothing.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': rule(
        [
          packagesOtherThan(
            RUNTIME_FREE_PACKAGES,
            `shared/ runs anywhere: it imports only shared/ and ${RUNTIME_FREE_PACKAGES.join(', ')}.`,
          ),
          climbsInto(['electron', 'renderer', 'cli', ...NOT_PRODUCT], 'shared/ imports only shared/.'),
        ],
        nodeBuiltins.map((name) => ({ name, message: 'shared/ is pure TypeScript: no Node built-ins.' })),
      ),
      'no-restricted-globals': [
        'error',
        ...[
          'window',
          'document',
          'navigator',
          'localStorage',
          'process',
          'Buffer',
          'require',
          '__dirname',
          'setImmediate',
        ].map((name) => ({ name, message: 'shared/ runs in every process: no Node or DOM globals.' })),
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': rule([
        packagesOtherThan(
          WINDOW_PACKAGES,
          `the window imports only shared/, renderer/ and ${WINDOW_PACKAGES.join(', ')}.`,
        ),
        climbsInto(['electron', 'cli', ...NOT_PRODUCT], 'the window imports only shared/ and renderer/.'),
      ]),
    },
  },
  {
    files: ['electron/node/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        {
          group: ['electron', 'electron/*'],
          message: 'electron/node/ runs in every Node runtime of the app: no Electron.',
        },
        climbsInto(
          ['main', 'preload', 'worker', 'host', 'renderer', 'cli', ...NOT_PRODUCT],
          'electron/node/ imports only shared/ and electron/node/.',
        ),
      ]),
    },
  },
  {
    files: ['electron/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        {
          group: ['electron', 'electron/*'],
          message: 'the services worker never imports Electron (it runs in a worker thread).',
        },
        climbsInto(
          ['main', 'preload', 'host', 'renderer', 'cli', ...NOT_PRODUCT],
          'the worker imports only shared/, electron/node/ and electron/worker/.',
        ),
      ]),
    },
  },
  {
    files: ['electron/host/**/*.{ts,mjs}'],
    rules: {
      'no-restricted-imports': rule([
        { group: ['electron', 'electron/*'], message: 'the browser host is plain Node: no Electron.' },
        climbsInto(
          ['main', 'preload', 'worker', 'renderer', 'cli', ...NOT_PRODUCT],
          'the host imports only shared/, electron/node/ and electron/host/.',
        ),
      ]),
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        climbsInto(
          ['preload', 'worker', 'host', 'renderer', 'cli', ...NOT_PRODUCT],
          'Electron main imports only shared/, electron/node/ and electron/main/.',
        ),
      ]),
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        packagesOtherThan(['electron'], 'the preload imports only electron and shared/.'),
        climbsInto(
          ['main', 'node', 'worker', 'host', 'renderer', 'cli', ...NOT_PRODUCT],
          'the preload imports only electron and shared/.',
        ),
      ]),
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        climbsInto(NOT_PRODUCT, 'the CLI is product code: no insurer/, test/, bench/ or tools/.'),
      ]),
    },
  },
);
