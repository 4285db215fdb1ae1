// A local ESLint rule, registered as local/no-import-cycles by eslint.config.mjs.
import path from 'node:path';
import ts from 'typescript';

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

/** The rule: each run-time import that closes a cycle is reported with the cycle it closes. */
export const noImportCycles = {
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
