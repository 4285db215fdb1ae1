import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { resolveTemporalServer } from '../../tools/cluster/temporal-server-build';
import { resolveTemporalUi } from '../../tools/embedded/temporal-ui';
import { createLogger } from '../../src/logger';
import { globals } from '../helpers/global-teardown';
import { REPO_ROOT } from '../helpers/spawn';

// What the cluster tests need before any of them starts a cluster: Temporal's server and SQL tool, and
// its Web UI server, which the cluster runs read-only on its client certificate (each built into the
// cache on first use, with progress lines: minutes), and the compiled product
// (`npm run build`), which the cluster's processes run. Each test file starts a cluster of its own.
// The shared teardown then fails a run that leaves a process behind.

export default async function globalSetup(): Promise<void> {
  // In a run of every project the integration setup came first and the teardown guard is in place.
  globals.edubotTest ??= { stops: [], dir: fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-cluster-test-')) };
  const started = Date.now();
  const config = loadConfig(process.env);
  const logger = createLogger('warn');
  await resolveTemporalServer({ cacheDir: config.cacheDir, logger });
  await resolveTemporalUi({ cacheDir: config.cacheDir, logger });
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  process.stderr.write(`\ncluster tests ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
