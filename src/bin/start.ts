import net from 'node:net';
import { SANDBOX_SECRETS } from '../config';
import { migrate } from '../db/migrate';
import { createDb } from '../db/pool';
import { runEntry } from '../entry';
import { providePostgres, provideTemporal } from '../../tools/embedded/provide';
import { runServer, runWorker } from '../runtime';
import { connectTemporalClient } from '../temporal/connect';
import { bundleBuildId, versionName } from '../temporal/deployment';
import { retireOldVersions, storeBundle } from '../temporal/old-versions';
import { withPayloadKeys } from '../temporal/payload-keys';
import { builtWorkflowBundle, bundleConversationWorkflows } from '../temporal/workflow-bundle';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { sandboxRoutes } from '../../tools/sandbox/routes';

// `npm start`: the whole product on one machine. Postgres and Temporal are embedded unless
// DATABASE_URL / TEMPORAL_ADDRESS are set; without WhatsApp credentials a local emulator stands in
// for the Graph API (sandbox mode) and reports delivery statuses back to our own webhook.

/** Where this machine reaches the server: one bound to every interface is reached on loopback. */
function localOrigin(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

runEntry('edubot', async ({ config: initial, logger, onShutdown, fatal }) => {
  // The payload codec's key first: without TEMPORAL_PAYLOAD_KEYS, the one kept in DATA_DIR (made once).
  let config = withPayloadKeys(initial, { create: true });
  let emulator: GraphFake | undefined;
  if (config.sandbox) {
    emulator = await startGraphFake({
      accessToken: config.whatsapp.accessToken,
      // The emulator refuses sends past the number's throughput (130429), as WhatsApp does.
      messagesPerSecond: config.whatsappMps,
      statusCallback: {
        url: `${localOrigin(config.host, config.port)}/api/webhook/whatsapp`,
        appSecret: config.whatsapp.appSecret,
      },
    });
    const started = emulator;
    onShutdown(() => started.close());
    config = { ...config, whatsapp: { ...config.whatsapp, apiBaseUrl: emulator.baseUrl } };
  }

  const [postgres, temporal] = await Promise.all([providePostgres(config, logger), provideTemporal(config, logger)]);
  onShutdown(() => postgres.stop());
  onShutdown(() => temporal.stop());

  // The migrations as the database's owner; everything after as the role that only reads and writes rows.
  const db = createDb(postgres.url, logger);
  await migrate(db, logger);
  await db.close();

  // This build's bundle is kept under DATA_DIR before it runs, so a later build can finish its runs.
  const bundle = builtWorkflowBundle() ?? { code: await bundleConversationWorkflows() };
  storeBundle(config.dataDir, config.buildId ?? bundleBuildId(bundle), bundle);
  const worker = await runWorker(config, postgres.runtimeUrl, temporal.url, logger, fatal, { workflowBundle: bundle });
  onShutdown(() => worker.stop());

  // Earlier builds' runs take their last task on their own build, then move onto this one (old-versions.ts).
  const { connection, client } = await connectTemporalClient(
    config.temporalSecurity,
    temporal.url,
    config.temporalNamespace,
  );
  onShutdown(() => connection.close());
  const oldVersions = retireOldVersions({
    client,
    dataDir: config.dataDir,
    currentBuildId: worker.version.buildId,
    isCurrent: worker.promotion === 'made-current' || worker.promotion === 'current',
    startWorker: (buildId, workflowBundle) =>
      runWorker({ ...config, buildId }, postgres.runtimeUrl, temporal.url, logger, fatal, { workflowBundle }),
    logger,
  });
  onShutdown(() => oldVersions.stop());
  const server = await runServer(
    config,
    postgres.runtimeUrl,
    temporal.url,
    logger,
    emulator && sandboxRoutes(emulator, config),
  );
  onShutdown(() => server.stop());

  const base = localOrigin(config.host, config.port);
  const lines = [
    `EduBot is running${config.sandbox ? ' in sandbox mode (no WhatsApp credentials: replies go to the local emulator)' : ''}.`,
    `  HTTP server       ${base}`,
    `  WhatsApp webhook  ${base}/api/webhook/whatsapp`,
    `  Health            ${base}/healthz   ${base}/readyz   ${base}/metrics`,
    `  Agent console     ${base}/console`,
    // Only the well-known sandbox token is ever printed, never one the operator set.
    `  Admin API         ${base}/api/admin (Authorization: Bearer ${config.adminToken === SANDBOX_SECRETS.adminToken ? config.adminToken : '<ADMIN_TOKEN>'})`,
    `  Temporal          ${temporal.url}${temporal.embedded ? ' (embedded, on SQLite)' : ''}`,
    `  Worker version    ${versionName(worker.version)}`,
    ...(temporal.webUrl ? [`  Temporal Web UI   ${temporal.webUrl}`] : []),
    `  Postgres          ${postgres.embedded ? `embedded, data in ${postgres.dataDir}` : 'DATABASE_URL'}`,
    ...(config.sandbox ? [`  Simulator         ${base}/simulator`, `  Sandbox outbox    ${base}/sandbox/sends`] : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
});
