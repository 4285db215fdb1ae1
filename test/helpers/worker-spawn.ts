import type { Config } from '../../src/config';
import { spawnTs, type Spawned } from './spawn';
import { TEST_ENV_FILE_VARIABLE } from './test-env';

/**
 * The production worker in a process of its own (test/helpers/worker-process.ts), on a test stack's
 * Temporal, Postgres and Graph fake, for the tests that kill it or read its own figures. `extra` adds
 * or overrides variables.
 */
export async function startWorkerProcess(config: Config, extra: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  const spawned = spawnTs('test/helpers/worker-process.ts', {
    PATH: process.env.PATH,
    [TEST_ENV_FILE_VARIABLE]: process.env[TEST_ENV_FILE_VARIABLE],
    DATABASE_URL: config.databaseUrl,
    TEMPORAL_ADDRESS: config.temporalAddress,
    TEMPORAL_TASK_QUEUE: config.taskQueue,
    WHATSAPP_API_BASE_URL: config.whatsapp.apiBaseUrl,
    WHATSAPP_ACCESS_TOKEN: config.whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: config.whatsapp.phoneNumberId,
    WHATSAPP_APP_SECRET: config.whatsapp.appSecret,
    WHATSAPP_VERIFY_TOKEN: config.whatsapp.verifyToken,
    ADMIN_TOKEN: config.adminToken,
    PAYMENT_WEBHOOK_SECRET: config.payment.webhookSecret,
    ...extra,
  });
  await spawned.waitForOutput('worker ready');
  return spawned;
}
