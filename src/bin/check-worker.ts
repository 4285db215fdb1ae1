import os from 'node:os';
import { ConfigError, loadConfig } from '../config';
import { connectTemporal } from '../temporal/connect';
import { describePollers, pollersMissing } from '../temporal/worker-pollers';

// The worker container's health check, run beside the worker with its environment: exits 0 when
// Temporal has seen this container's worker poll the task queue for workflow and for activity tasks
// within the last five minutes, else 1 with the reason on stderr (Docker keeps it in the health log).
// A live process proves little: a worker whose polls stopped reaching Temporal is what this catches.

const DEADLINE_MS = 5_000;

async function check(): Promise<string | undefined> {
  const config = loadConfig();
  if (!config.temporalAddress) throw new ConfigError('missing environment variable TEMPORAL_ADDRESS');
  // The poller list holds no payload: the worker's credentials, no codec.
  const connection = await connectTemporal(config.temporalSecurity, config.temporalAddress, {
    connectTimeout: DEADLINE_MS,
  });
  try {
    const pollers = await connection.withDeadline(Date.now() + DEADLINE_MS, () =>
      describePollers(connection, config.temporalNamespace, config.taskQueue),
    );
    const missing = pollersMissing(pollers, os.hostname(), Date.now());
    if (missing.length === 0) return undefined;
    return `Temporal has seen no ${missing.join(' or ')} poll from this host (${os.hostname()}) on task queue ${config.taskQueue} in the last 5 minutes`;
  } finally {
    await connection.close();
  }
}

check().then(
  (problem) => {
    if (problem === undefined) process.exit(0);
    process.stderr.write(`edubot-check-worker: ${problem}\n`);
    process.exit(1);
  },
  (err: unknown) => {
    process.stderr.write(`edubot-check-worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
