// ESLint flat config: typescript-eslint's type-aware rules on the TypeScript tree, plain rules on the
// browser and Node scripts, the determinism fence on workflows/ (STYLE.md items 4 and 24), the fence
// between the product and tools/, and no run-time import cycles among the TypeScript modules
// (eslint-no-import-cycles.mjs).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { noImportCycles } from './eslint-no-import-cycles.mjs';

// The few globals the plain scripts use, listed here rather than taken from the `globals` package.
const SHARED_GLOBALS = Object.fromEntries(
  [
    'AbortController',
    'TextDecoder',
    'TextEncoder',
    'URL',
    'URLSearchParams',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'queueMicrotask',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);
const BROWSER_GLOBALS = {
  ...SHARED_GLOBALS,
  ...Object.fromEntries(
    [
      'CSS',
      'DOMException',
      // The element classes a module checks its page's elements against (instanceof).
      'HTMLButtonElement',
      'HTMLDetailsElement',
      'HTMLDialogElement',
      'HTMLElement',
      'HTMLFormElement',
      'HTMLInputElement',
      'document',
      'location',
      'localStorage',
      'navigator',
      'requestAnimationFrame',
      'sessionStorage',
      'window',
    ].map((name) => [name, 'readonly']),
  ),
};
const NODE_GLOBALS = {
  ...SHARED_GLOBALS,
  ...Object.fromEntries(
    ['Buffer', '__dirname', '__filename', 'process', 'setImmediate'].map((name) => [name, 'readonly']),
  ),
};

// The workflow fence's named packages, each with its own message; any other package is refused by value.
const NO_IO = ['pg', 'koa', '@koa/router'];
const NOT_IN_WORKFLOWS = ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'];
const NAMED = [...builtinModules, ...NO_IO, ...NOT_IN_WORKFLOWS];

// tools/: the benchmark, the embedded stack, the local cluster and the sandbox, for running and measuring
// the product; the product's own code imports none of it.
const TOOLS = ['**/tools', '**/tools/**'];
const TOOLS_MESSAGE = 'Product code does not import tools/ (the bench, embedded stack, cluster, sandbox).';

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'tools/bench/results/', 'coverage/', '.data/', 'test/fixtures/'],
  },
  {
    // A disable comment that no longer suppresses anything is stale: fail on it.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    plugins: { local: { rules: { 'no-import-cycles': noImportCycles } } },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Fakes and stop() hooks implement Promise-returning interfaces without awaiting anything;
      // no-floating-promises and no-misused-promises catch the mistakes that matter.
      '@typescript-eslint/require-await': 'off',
      'local/no-import-cycles': 'error',
    },
  },
  {
    // supertest bodies, JSON.parse and jest matchers are `any` by design: the assertions check the shape.
    files: ['test/**/*.ts', 'tools/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // No `any` in exported signatures: exported functions declare what they take and return.
    files: ['src/**/*.ts', 'domain/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': [
        'error',
        {
          allowArgumentsExplicitlyTypedAsAny: false,
          // Activity factories: their inferred return type is the activity interface the workflow
          // proxies (ReturnType<typeof createActivities>), and each activity in them is typed.
          allowedNames: [
            'createActivities',
            'createRecordActivities',
            'createStoreActivities',
            'createTurnActivities',
            'createWhatsAppActivities',
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox (STYLE.md item 4): it imports the workflow
    // SDK, @temporalio/common, its own modules and domain/, and reaches server and activity code by type.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
            ...NO_IO.map((name) => ({ name, message: 'Workflow code does no I/O.' })),
            ...NOT_IN_WORKFLOWS.map((name) => ({
              name,
              message: 'Not in workflow code: it imports only @temporalio/workflow and @temporalio/common.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins.' },
            {
              // Any other package, by value: the sandbox bundle must not grow I/O through a dependency.
              regex: `^(?![./]|node:|@temporalio/(?:workflow|common)$|(?:${NAMED.join('|')})$)`,
              allowTypeImports: true,
              message:
                'Workflow code imports only @temporalio/workflow and @temporalio/common (other packages by type).',
            },
            {
              group: ['**/src', '**/src/**', '**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflow code reaches server and activity code by type only (import type).',
            },
            { group: TOOLS, message: TOOLS_MESSAGE },
          ],
        },
      ],
    },
  },
  {
    // The product runs without its tools: only the entry points that supply the
    // one-machine defaults reach tools/embedded and tools/sandbox, and the console's API types name the
    // simulator's (types only, erased before anything runs).
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/bin/start.ts', 'src/bin/admin.ts', 'src/bin/migrate.ts', 'src/web/api-types.d.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: TOOLS, message: TOOLS_MESSAGE }] }],
    },
  },
  {
    // Workflow code takes domain/ by value, so domain/ imports nothing but itself.
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(?!\\./)', message: 'domain/ is shared with workflow code: it imports only domain/.' }],
        },
      ],
    },
  },
  {
    // Sizes a reader can hold in their head: a module of up to ~300 lines of code, a function of up to ~120
    // (blank lines and comments not counted). The flow's texts are a declared hub: every message the bot
    // says, in one place for whoever rewrites them. Tests are not held to it.
    files: ['src/**/*.{ts,js}', 'activities/**/*.ts', 'workflows/**/*.ts', 'domain/**/*.ts', 'tools/**/*.ts'],
    ignores: ['workflows/flow/texts.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // ES modules, loaded by the pages with <script type="module">.
    files: ['src/web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: BROWSER_GLOBALS },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: NODE_GLOBALS },
  },
);
