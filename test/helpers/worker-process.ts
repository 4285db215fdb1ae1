import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { runWorker } from '../../src/runtime';
import { TEST_PAYLOAD_KEYS } from './payload-keys';
import { readTestEnvironment } from './test-env';

// The production worker (runWorker) in a process of its own, so a test can SIGKILL it. Configured by
// environment like the real one; uses the run's prebuilt workflow bundle to start fast.

// The test key unless the test gave another: every worker of the run must read the others' payloads.
const config = loadConfig({ TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, ...process.env });
const logger = createLogger('warn');
runWorker(
  config,
  config.databaseUrl!,
  config.temporalAddress!,
  logger,
  (err) => {
    logger.error('worker failed', { error: err });
    process.exit(1);
  },
  { workflowBundle: { codePath: readTestEnvironment().workflowBundlePath } },
)
  .then((worker) => {
    process.stdout.write('worker ready\n');
    process.once('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
  })
  .catch((err: unknown) => {
    logger.error('worker did not start', { error: err });
    process.exit(1);
  });
