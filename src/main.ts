import { migrate } from './db/migrate';
import { createDb } from './db/pool';
import { runEntry } from './entry';
import { providePostgres, provideTemporal } from './infrastructure';
import { runServer, runWorker } from './runtime';
import { startGraphFake } from './whatsapp/graph-fake';

// `npm start`: the whole product on one machine. Postgres and Temporal are embedded unless
// DATABASE_URL / TEMPORAL_ADDRESS are set; without WhatsApp credentials a local emulator stands in
// for the Graph API (sandbox mode) and reports delivery statuses back to our own webhook.

runEntry('edubot', async ({ config: initial, logger, onShutdown, fatal }) => {
  let config = initial;
  if (config.sandbox) {
    const emulator = await startGraphFake({
      accessToken: config.whatsapp.accessToken,
      statusCallback: { url: `http://127.0.0.1:${config.port}/api/webhook/whatsapp`, appSecret: config.whatsapp.appSecret },
    });
    onShutdown(() => emulator.close());
    config = { ...config, whatsapp: { ...config.whatsapp, apiBaseUrl: emulator.baseUrl } };
  }

  const [postgres, temporal] = await Promise.all([providePostgres(config, logger), provideTemporal(config, logger)]);
  onShutdown(() => postgres.stop());
  onShutdown(() => temporal.stop());

  const db = createDb(postgres.url, logger);
  await migrate(db, logger);
  await db.close();

  const worker = await runWorker(config, postgres.url, temporal.url, logger, fatal);
  onShutdown(() => worker.stop());
  const server = await runServer(config, postgres.url, temporal.url, logger);
  onShutdown(() => server.stop());

  const base = `http://localhost:${config.port}`;
  const lines = [
    `EduBot is running${config.sandbox ? ' in sandbox mode (no WhatsApp credentials: replies go to the local emulator)' : ''}.`,
    `  HTTP server       ${base}`,
    `  WhatsApp webhook  ${base}/api/webhook/whatsapp`,
    `  Health            ${base}/healthz   ${base}/readyz`,
    `  Temporal          ${temporal.url}${temporal.embedded ? ' (embedded dev server)' : ''}`,
    ...(temporal.webUrl ? [`  Temporal Web UI   ${temporal.webUrl}`] : []),
    `  Postgres          ${postgres.embedded ? `embedded, data in ${config.dataDir}` : 'DATABASE_URL'}`,
    ...(config.sandbox ? [`  Emulator outbox   ${new URL(config.whatsapp.apiBaseUrl).origin}/sandbox/sends`] : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
});
