import fs from 'node:fs';
import path from 'node:path';

// Reading the README and docs/ as the tests that keep them honest need: sections, table rows, links,
// and the folders of the tree they describe.

export const ROOT = path.resolve(__dirname, '../..');

/** The text of a Markdown file, by its path from the repository's root. */
export function readDoc(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

/** Every Markdown file a reader is sent to: the README and the pages under docs/. */
export function markdownFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs.sort()];
}

/** The body of the `## heading` section (up to the next `## `), or throws: a test must not pass on a missing one. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line === `## ${heading}`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** The backticked first cell of each body row of the tables in `markdown` (`| \`src/db/\` | … |` → `src/db/`). */
export function tableKeys(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]!);
}

/** The relative targets of the Markdown links and images in `markdown`, outside code blocks and code spans. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of every heading in `markdown`, outside code blocks. */
export function anchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((match) => headingAnchor(match[1]!)));
}

/**
 * The folders of the tree under `relative` ('' for the root) as a clone has them: none that .gitignore
 * names, not .git, and none without a file in it (git keeps no empty folder).
 */
export function trackedFolders(relative: string): string[] {
  const ignored = new Set(
    readDoc('.gitignore')
      .split('\n')
      .filter((line) => line.endsWith('/'))
      .map((line) => line.slice(0, -1)),
  );
  const base = path.join(ROOT, relative);
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== '.git' && !ignored.has(entry.name))
    .filter((entry) => holdsAFile(path.join(base, entry.name)))
    .map((entry) => path.posix.join(relative, entry.name) + '/')
    .sort();
}

function holdsAFile(folder: string): boolean {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .some((entry) => entry.isFile() || (entry.isDirectory() && holdsAFile(path.join(folder, entry.name))));
}
