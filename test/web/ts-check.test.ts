import fs from 'node:fs';
import path from 'node:path';

// Every script of the web pages is type-checked by `npm run typecheck` (tsconfig.web.json), which
// checks only the files that opt in: a new module without the line would go unchecked without a word.

const WEB_DIR = path.resolve(__dirname, '../../src/web');

function scripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return scripts(file);
    return entry.isFile() && entry.name.endsWith('.js') ? [path.relative(WEB_DIR, file)] : [];
  });
}

describe('the web pages’ scripts', () => {
  const files = scripts(WEB_DIR);

  it('are there to check', () => {
    expect(files).toEqual(expect.arrayContaining(['console.js', 'simulator.js']));
  });

  it.each(files)('%s starts with // @ts-check', (file) => {
    const firstLine = fs.readFileSync(path.join(WEB_DIR, file), 'utf8').split('\n', 1)[0];
    expect(firstLine).toBe('// @ts-check');
  });
});
