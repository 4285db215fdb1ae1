import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../src/config';

// The README's environment table is what operators read: it must list exactly what the config reads.

describe('README', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');

  it('documents exactly the variables the config module reads', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('names the two commands that matter', () => {
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
