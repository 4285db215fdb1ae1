import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { resolveDevServerBinaries } from '../../tools/embedded/temporal-dev-server';
import { createLogger } from '../../src/logger';
import { globals } from '../helpers/global-teardown';
import { REPO_ROOT } from '../helpers/spawn';

// What the fault tests need before any of them starts its stack: Temporal's server (a process on a
// SQLite file that each file stops and starts) and the compiled product (`npm run build`), whose start:server
// and start:worker each file runs and kills. The shared teardown then fails a run that leaves a
// process behind.

export default async function globalSetup(): Promise<void> {
  // In a run of every project an earlier setup came first and the teardown guard is in place.
  globals.edubotTest ??= { stops: [], dir: fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-faults-test-')) };
  const started = Date.now();
  const config = loadConfig(process.env);
  await resolveDevServerBinaries({
    cliPath: config.temporalCliPath,
    cacheDir: config.cacheDir,
    logger: createLogger('warn'),
  });
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  process.stderr.write(`\nfault tests ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
