import { ConfigError, loadConfig, type Config } from '../src/config';
import { silentLogger } from '../src/logger';
import { findFreePort } from '../src/net';
import { runServer } from '../src/runtime';
import { createTestDatabase } from './helpers/database';
import { TEST_PAYLOAD_KEYS } from './helpers/payload-keys';
import { readTestEnvironment } from './helpers/test-env';

// Where the HTTP server listens: sandbox mode (the published secrets) only on loopback, a configured
// product on every interface, HOST over both.

const credentials = {
  WHATSAPP_ACCESS_TOKEN: 'token',
  WHATSAPP_PHONE_NUMBER_ID: '1',
  WHATSAPP_APP_SECRET: 'app-secret',
  WHATSAPP_VERIFY_TOKEN: 'verify-token',
  ADMIN_TOKEN: 'a'.repeat(32),
  PAYMENT_WEBHOOK_SECRET: 'payment-secret',
};

// runServer's client encrypts what it sends Temporal: it needs the payload keys npm start would resolve.
const keys = { TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS };

let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = (await createTestDatabase({ migrated: true })).url;
});

async function listen(config: Config): Promise<{ address: string; health: number }> {
  const server = await runServer(config, databaseUrl, readTestEnvironment().temporalAddress, silentLogger);
  try {
    const health = (await fetch(`http://127.0.0.1:${server.address.port}/healthz`)).status;
    return { address: server.address.address, health };
  } finally {
    await server.stop();
  }
}

describe('runServer', () => {
  it('listens on 127.0.0.1 only in sandbox mode', async () => {
    const config = loadConfig({ ...keys, PORT: String(await findFreePort()) });
    expect(config.sandbox).toBe(true);
    expect(await listen(config)).toEqual({ address: '127.0.0.1', health: 200 });
  });

  it('listens on every interface with WhatsApp credentials', async () => {
    const config = loadConfig({ ...keys, ...credentials, PORT: String(await findFreePort()) });
    expect(await listen(config)).toEqual({ address: '0.0.0.0', health: 200 });
  });

  it('listens where HOST says', async () => {
    const config = loadConfig({ ...keys, HOST: '0.0.0.0', PORT: String(await findFreePort()) });
    expect(await listen(config)).toEqual({ address: '0.0.0.0', health: 200 });
  });

  it('names HOST in one line when this machine has no such address', async () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): no machine has it.
    const config = loadConfig({ ...keys, HOST: '192.0.2.1', PORT: String(await findFreePort()) });
    const started = runServer(config, databaseUrl, readTestEnvironment().temporalAddress, silentLogger);
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(
      'invalid environment variable HOST: 192.0.2.1 is not an address of this machine',
    );
  });
});
