import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../src/config';
import { anchors, markdownFiles, readDoc, relativeLinks, ROOT, section } from './helpers/markdown';

// The manual in docs/ (and the README that points into it): operators read the configuration here, so it
// must list exactly what the config reads; every link must land; no table may be wider than a page.

describe('docs', () => {
  it('documents exactly the variables the config module reads, in the operators configuration', () => {
    const configuration = section(readDoc('docs/operators.md'), 'Configuration');
    const documented = [...configuration.matchAll(/^- `([A-Z][A-Z0-9_]+)` \(/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const target of relativeLinks(readDoc(file))) {
        const [where = '', anchor] = target.split('#');
        const resolved = where === '' ? file : path.posix.join(path.posix.dirname(file), where);
        if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${file} → ${target}`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readDoc(resolved)).has(anchor))
          broken.push(`${file} → ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no table row wider than 160 characters', () => {
    const wide = markdownFiles().flatMap((file) =>
      readDoc(file)
        .split('\n')
        .filter((line) => line.startsWith('|') && line.length > 160)
        .map((line) => `${file}: ${line.slice(0, 60)}… (${line.length})`),
    );
    expect(wide).toEqual([]);
  });
});
