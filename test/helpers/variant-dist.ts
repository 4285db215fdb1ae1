import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './spawn';
import { variantWorkflowBundle } from './variant-bundle';

/**
 * A copy of the built product (dist/, from `npm run build`) whose workflow bundle is the variant
 * (test/helpers/variant-bundle.ts): its entry points (`<dir>/src/bin/start.js`, `start-worker.js`, …)
 * run as another build of EduBot, as a user's next release would. Kept inside dist/ so the copy finds
 * the project's node_modules; the caller removes it.
 */
export async function variantDist(): Promise<{ dir: string; remove: () => void }> {
  const dist = path.join(REPO_ROOT, 'dist');
  if (!fs.existsSync(path.join(dist, 'workflow-bundle.js'))) throw new Error('run `npm run build` first');
  const dir = path.join(dist, `.variant-${process.pid}-${Date.now()}`);
  for (const entry of fs.readdirSync(dist)) {
    if (entry.startsWith('.variant-') || entry === 'workflow-bundle.js') continue;
    fs.cpSync(path.join(dist, entry), path.join(dir, entry), { recursive: true });
  }
  fs.writeFileSync(path.join(dir, 'workflow-bundle.js'), await variantWorkflowBundle());
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
