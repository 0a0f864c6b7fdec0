// Lint is part of `npm test`. The shared/ boundary is enforced twice: its
// tsconfig has neither Node types nor the DOM lib, and the rules below refuse
// imports of Node built-ins, Electron, React or native modules from shared/.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'artifacts/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
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
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'shared/ is pure TypeScript: no Node built-ins.' })),
          patterns: [
            { group: ['electron', 'electron/*'], message: 'shared/ must not import Electron.' },
            { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'shared/ must not import React.' },
            { group: ['better-sqlite3'], message: 'shared/ must not import native modules.' },
            {
              group: ['../electron/*', '../renderer/*', '../../electron/*', '../../renderer/*'],
              message: 'shared/ must not import from electron/ or renderer/.',
            },
          ],
        },
      ],
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
        ].map((name) => ({
          name,
          message: 'shared/ runs in both Electron processes: no Node or DOM globals.',
        })),
      ],
    },
  },
);
