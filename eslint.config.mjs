// ESLint flat config: typescript-eslint's type-aware rules on the TypeScript tree, plain rules on the
// browser and Node scripts, and the determinism fence on workflows/ (STYLE.md items 4 and 24).
import { builtinModules } from 'node:module';
import path from 'node:path';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import ts from 'typescript';
import tseslint from 'typescript-eslint';

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

// import/no-cycle's check without a plugin: typescript-eslint has already parsed the whole project into one
// TypeScript program, so the import graph is read from it once. Only imports kept at run time count (an
// `import type`, or one naming only types, is erased); a dynamic import() loads late and cannot close a
// cycle at load time. A cycle makes a module run before the one it imports has finished loading.
const componentsByProgram = new WeakMap();

/** A relative specifier's file in the program (`./x` → x.ts or x/index.ts); undefined for a package. */
function resolveIn(program, fromFile, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((f) => program.getSourceFile(f) !== undefined);
}

/** The run-time imports and re-exports of one file, as TypeScript reads them. */
function runtimeSpecifiers(sourceFile) {
  const specs = [];
  for (const statement of sourceFile.statements) {
    const spec = statement.moduleSpecifier;
    if (spec === undefined || !ts.isStringLiteral(spec)) continue;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      const typesOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
      if (!typesOnly) specs.push(spec.text);
    } else if (ts.isExportDeclaration(statement)) {
      const named = statement.exportClause;
      const typesOnly =
        statement.isTypeOnly ||
        (named !== undefined &&
          ts.isNamedExports(named) &&
          named.elements.length > 0 &&
          named.elements.every((e) => e.isTypeOnly));
      if (!typesOnly) specs.push(spec.text);
    }
  }
  return specs;
}

/** The program's strongly connected components (Tarjan): a file in one of two or more files is on a cycle. */
function cycleComponents(program) {
  const cached = componentsByProgram.get(program);
  if (cached) return cached;
  const edges = new Map();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || file.fileName.includes('/node_modules/')) continue;
    const targets = runtimeSpecifiers(file).map((spec) => resolveIn(program, file.fileName, spec));
    edges.set(file.fileName, [...new Set(targets.filter((t) => t !== undefined))]);
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const componentOf = new Map();
  const visit = (file) => {
    index.set(file, index.size);
    low.set(file, index.get(file));
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file), low.get(next)));
      } else if (!componentOf.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = new Set();
    let member;
    do {
      member = stack.pop();
      component.add(member);
      componentOf.set(member, component);
    } while (member !== file);
  };
  for (const file of edges.keys()) if (!index.has(file)) visit(file);
  const found = { edges, componentOf };
  componentsByProgram.set(program, found);
  return found;
}

/** The shortest run-time import path from `from` back to `to`, inside their component. */
function pathBack({ edges, componentOf }, from, to) {
  const component = componentOf.get(from);
  const previous = new Map([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const file = queue.shift();
    if (file === to) break;
    for (const next of edges.get(file) ?? [])
      if (component.has(next) && !previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
  }
  const chain = [];
  for (let file = to; file !== undefined; file = previous.get(file)) chain.unshift(file);
  return chain;
}

const noImportCycles = {
  meta: {
    type: 'problem',
    docs: { description: "No run-time import cycles between the project's TypeScript modules." },
    messages: { cycle: 'Import cycle: {{chain}}. Move what both sides need into a module neither imports.' },
    schema: [],
  },
  create(context) {
    const program = context.sourceCode.parserServices?.program;
    if (!program) return {};
    const file = context.filename;
    const check = (node) => {
      if (node.source === null || node.source === undefined) return;
      const typesOnly =
        node.importKind === 'type' ||
        node.exportKind === 'type' ||
        (node.specifiers?.length > 0 &&
          node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
      if (typesOnly) return;
      const target = resolveIn(program, file, node.source.value);
      if (target === undefined) return;
      const graph = cycleComponents(program);
      const component = graph.componentOf.get(file);
      if (component === undefined || !component.has(target)) return;
      const chain = [file, ...pathBack(graph, target, file)].map((f) => path.relative(context.cwd, f)).join(' → ');
      context.report({ node, messageId: 'cycle', data: { chain } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};

// The workflow fence's named packages, each with its own message; any other package is refused by value.
const NO_IO = ['pg', 'koa', '@koa/router'];
const NOT_IN_WORKFLOWS = ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'];
const NAMED = [...builtinModules, ...NO_IO, ...NOT_IN_WORKFLOWS];

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/', '.data/', 'test/fixtures/'],
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
    files: ['test/**/*.ts', 'bench/**/*.ts'],
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
          ],
        },
      ],
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
