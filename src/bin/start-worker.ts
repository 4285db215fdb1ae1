import { requireExternalServices } from '../config';
import { runEntry } from '../entry';
import { runWorker } from '../runtime';
import { versionName } from '../temporal/deployment';

// `npm run start:worker`: the Temporal worker alone, against the configured Postgres and Temporal.

runEntry(
  'edubot-worker',
  async ({ config, logger, onShutdown, fatal }) => {
    const { databaseUrl, temporalAddress } = requireExternalServices(config);
    const worker = await runWorker(config, databaseUrl, temporalAddress, logger, fatal);
    onShutdown(() => worker.stop());
    logger.info('worker polling', { taskQueue: config.taskQueue, version: versionName(worker.version) });
  },
  'worker',
);
