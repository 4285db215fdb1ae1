import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers/spawn';
import { upgradeCarriesConversationsOver, UpgradeMachine } from './helpers/upgrade-scenario';

// The upgrade from the previous release to this code, as a user makes it on one machine (SPEC §9): the
// release is found in git history (the first commit whose package.json carried its version), extracted,
// installed and built as a newcomer would, started with conversations left mid-flow (mid-registration,
// a pending payment with its timer, an open chat an agent holds), stopped, and this code started on the
// same data: each conversation goes on where it was, nothing lost or doubled
// (test/helpers/upgrade-scenario.ts). Releases start at 1.0.0; until a second one exists, the previous
// release is 1.0.0 itself.

jest.setTimeout(900_000);

const FIRST_RELEASE = [1, 0, 0];

let machine: UpgradeMachine | undefined;
let release: { version: string; commit: string; dir: string } | undefined;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

const parts = (version: string) => version.split('.').map(Number);
function compare(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The newest release older than this code's version (or this version's own first commit), from git history. */
function previousRelease(): { version: string; commit: string } {
  const current = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  const firstCommitOf = new Map<string, string>();
  for (const commit of git('log', '--reverse', '--format=%H', '-G"version"', '--', 'package.json').split('\n')) {
    if (commit === '') continue;
    const { version } = JSON.parse(git('show', `${commit}:package.json`)) as { version: string };
    if (!firstCommitOf.has(version)) firstCommitOf.set(version, commit);
  }
  const releases = [...firstCommitOf].filter(([version]) => compare(version, FIRST_RELEASE.join('.')) >= 0);
  const older = releases.filter(([version]) => compare(version, current) < 0).sort(([a], [b]) => compare(b, a));
  const [version, commit] = older[0] ?? releases.find(([v]) => v === current) ?? [];
  if (version === undefined || commit === undefined)
    throw new Error(`no release found in git history (package.json says ${current}; is the clone shallow?)`);
  return { version, commit };
}

beforeAll(async () => {
  const found = previousRelease();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `edubot-release-${found.version}-`));
  release = { ...found, dir };
  // The release's files as they were, installed and built by its own lock file and scripts.
  execFileSync('bash', ['-c', `git archive ${found.commit} | tar -x -C "${dir}"`], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: dir, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  machine = await UpgradeMachine.create();
}, 600_000);

afterAll(async () => {
  await machine?.dispose();
  if (release) fs.rmSync(release.dir, { recursive: true, force: true });
});

describe('the upgrade from the previous release', () => {
  it('goes on with every conversation the release left mid-flow', async () => {
    const { dir, version } = release!;
    expect(compare(version, FIRST_RELEASE.join('.'))).toBeGreaterThanOrEqual(0);
    await upgradeCarriesConversationsOver(
      machine!,
      { entry: path.join(dir, 'dist/src/bin/start.js'), cwd: dir },
      { entry: path.join(REPO_ROOT, 'dist/src/bin/start.js'), cwd: REPO_ROOT },
    );
  });
});
