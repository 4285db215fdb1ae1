import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './helpers/spawn';
import { upgradeCarriesConversationsOver, UpgradeMachine } from './helpers/upgrade-scenario';
import { variantDist } from './helpers/variant-dist';

// One machine upgrades (SPEC §9): `npm start` with conversations mid-flow, Ctrl-C, a build whose
// workflow differs structurally (the variant: one extra timer per signal, so the old histories cannot
// replay on it), `npm start` again on the same data: every conversation goes on where it was, its run
// moved to the new build through the old build's worker, which stops once Temporal reports the old
// version drained, its bundle deleted (test/helpers/upgrade-scenario.ts).

jest.setTimeout(420_000);

let machine: UpgradeMachine | undefined;
let variant: { dir: string; remove: () => void } | undefined;

beforeAll(async () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  variant = await variantDist();
  machine = await UpgradeMachine.create();
});

afterAll(async () => {
  await machine?.dispose();
  variant?.remove();
});

describe('npm start after a structural change to the workflow', () => {
  it('carries the conversations of the old build over: they go on where they were, nothing lost or doubled', async () => {
    const builds = await upgradeCarriesConversationsOver(
      machine!,
      { entry: path.join(REPO_ROOT, 'dist/src/bin/start.js'), cwd: REPO_ROOT },
      { entry: path.join(variant!.dir, 'src/bin/start.js'), cwd: REPO_ROOT },
    );
    // The variant's bundle differs, so it is another build: a real deploy, drained and retired.
    expect(builds.newBuild).not.toBe(builds.oldBuild);
  });
});
