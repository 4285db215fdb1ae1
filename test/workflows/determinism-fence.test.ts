import fs from 'node:fs';
import path from 'node:path';

// Workflow code must be deterministic: it may import only the workflow SDK, @temporalio/common, its
// own modules and domain/ (plain types and values, importing nothing), and reach activities by type
// only. `npm run lint` fences the imports as code is written (eslint.config.mjs); this test keeps the
// stricter allowlist, which resolves relative paths, and the checks an import rule cannot make.

const WORKFLOWS_DIR = path.resolve(__dirname, '../../workflows');
const DOMAIN_DIR = path.resolve(__dirname, '../../domain');
const inside = (dir: string, target: string): boolean => target === dir || target.startsWith(dir + path.sep);
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: { spec: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    found.push({ spec: match[3]!, typeOnly: Boolean(match[2]) });
  }
  for (const match of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ spec: match[1]!, typeOnly: false });
  return found;
}

describe('workflow code', () => {
  const files = sourceFiles(WORKFLOWS_DIR);

  it('is found', () => {
    expect(files.map((f) => path.relative(WORKFLOWS_DIR, f))).toEqual(
      expect.arrayContaining(['conversation.ts', 'index.ts']),
    );
  });

  it.each(files.map((f) => [path.relative(WORKFLOWS_DIR, f), f]))('%s imports nothing with I/O', (_name, file) => {
    for (const { spec, typeOnly } of imports(file)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const allowed = inside(WORKFLOWS_DIR, target) || inside(DOMAIN_DIR, target);
        if (!allowed) expect({ file, spec, typeOnly }).toEqual({ file, spec, typeOnly: true });
      } else {
        expect(ALLOWED_PACKAGES).toContain(spec);
      }
    }
  });

  // Workflow code takes domain/ by value, so domain/ must import nothing that workflow code may not.
  it.each(sourceFiles(DOMAIN_DIR).map((f) => [path.relative(DOMAIN_DIR, f), f]))(
    'domain/%s imports only other domain modules',
    (_name, file) => {
      for (const { spec } of imports(file)) {
        const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec;
        expect({ file, spec, allowed: inside(DOMAIN_DIR, target) }).toEqual({ file, spec, allowed: true });
      }
    },
  );

  // Date.now() is allowed: the sandbox replaces it with workflow time. Randomness is not: keys and
  // references come from state and the run id, never from a generator the server may reseed.
  it.each(files.map((f) => [path.relative(WORKFLOWS_DIR, f), f]))(
    '%s reads no environment, timers or randomness directly',
    (_name, file) => {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toMatch(/process\.env|Math\.random\(|uuid4\(|setTimeout\(|setInterval\(|crypto\./);
    },
  );

  // The flow is preloaded once into the V8 context every cached workflow shares (src/temporal/workflow-bundle.ts):
  // an SDK module loaded with it would be shared across workflows, and module state would leak between them.
  it('keeps the shared flow modules free of the SDK and of module state', () => {
    for (const file of files.filter((f) => f.includes(`${path.sep}flow${path.sep}`))) {
      const text = fs.readFileSync(file, 'utf8');
      const sdk = imports(file).filter(({ spec, typeOnly }) => spec.startsWith('@temporalio/') && !typeOnly);
      expect({ file, sdk, moduleState: /^(let|var)\s/m.test(text) }).toEqual({ file, sdk: [], moduleState: false });
    }
  });

  it('keeps the flow module free of the clock: time comes in through the step context', () => {
    for (const file of files.filter((f) => f.includes(`${path.sep}flow${path.sep}`))) {
      expect({ file, usesClock: /Date\.now\(|new Date\(\)/.test(fs.readFileSync(file, 'utf8')) }).toEqual({
        file,
        usesClock: false,
      });
    }
  });
});
