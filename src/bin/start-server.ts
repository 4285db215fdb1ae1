import { requireExternalServices } from '../config';
import { runEntry } from '../entry';
import { runServer } from '../runtime';

// `npm run start:server`: the HTTP server alone, against the configured Postgres and Temporal.

runEntry(
  'edubot-server',
  async ({ config, logger, onShutdown }) => {
    const { databaseUrl, temporalAddress } = requireExternalServices(config);
    const server = await runServer(config, databaseUrl, temporalAddress, logger);
    onShutdown(() => server.stop());
    logger.info('server listening', { host: config.host, port: config.port });
  },
  'server',
);
