import { TEST_PAYLOAD_KEYS } from './helpers/payload-keys';
import { spawnTs } from './helpers/spawn';

// A missing or malformed variable stops start-up with one line naming it, for every entry point.

async function run(file: string, env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const spawned = spawnTs(file, { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
  const code = await spawned.exited;
  return { code, lines: spawned.output().trim().split('\n') };
}

// Both services configured (nothing listens there: each process stops before it connects).
const services = { DATABASE_URL: 'postgres://127.0.0.1:1/x', TEMPORAL_ADDRESS: '127.0.0.1:1' };
const credentials = {
  WHATSAPP_ACCESS_TOKEN: 'token',
  WHATSAPP_PHONE_NUMBER_ID: '1',
  WHATSAPP_APP_SECRET: 'app-secret',
  WHATSAPP_VERIFY_TOKEN: 'verify-token',
  ADMIN_TOKEN: 'a'.repeat(32),
  PAYMENT_WEBHOOK_SECRET: 'payment-secret',
  TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
};
const { TEMPORAL_PAYLOAD_KEYS: _keys, ...credentialsWithoutKeys } = credentials;

describe('entry points', () => {
  it.each([
    ['src/bin/start.ts', { PORT: 'eighty' }, 'PORT'],
    ['src/bin/start-server.ts', { ...credentials, TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'DATABASE_URL'],
    ['src/bin/start-worker.ts', { ...credentials, DATABASE_URL: 'postgres://127.0.0.1:1/x' }, 'TEMPORAL_ADDRESS'],
    [
      'src/bin/start-server.ts',
      { ...services, WHATSAPP_ACCESS_TOKEN: 'token', WHATSAPP_PHONE_NUMBER_ID: '1', WHATSAPP_APP_SECRET: 'app-secret' },
      'WHATSAPP_VERIFY_TOKEN',
    ],
    ['src/bin/start-worker.ts', { ...services, WHATSAPP_ACCESS_TOKEN: 'token' }, 'WHATSAPP_PHONE_NUMBER_ID'],
    ['src/bin/start.ts', { ...credentials, ADMIN_TOKEN: 'a'.repeat(31) }, 'ADMIN_TOKEN'],
    ['src/bin/start-server.ts', { ...services, ...credentialsWithoutKeys }, 'TEMPORAL_PAYLOAD_KEYS'],
    ['src/bin/start-worker.ts', { ...services, ...credentialsWithoutKeys }, 'TEMPORAL_PAYLOAD_KEYS'],
    [
      'src/bin/start-worker.ts',
      { ...services, ...credentials, TEMPORAL_PAYLOAD_KEYS: 'k1:short' },
      'TEMPORAL_PAYLOAD_KEYS',
    ],
    ['src/bin/start-server.ts', { ...services, ...credentials, ADMIN_TOKEN: 'sandbox-admin-token' }, 'ADMIN_TOKEN'],
    [
      'src/bin/start-worker.ts',
      { ...services, ...credentials, WHATSAPP_APP_SECRET: 'sandbox-app-secret' },
      'WHATSAPP_APP_SECRET',
    ],
  ])('%s exits with one line naming the variable (%j)', async (file, env, name) => {
    const { code, lines } = await run(file, env);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each([
    ['src/bin/start-server.ts', services, 'WHATSAPP_ACCESS_TOKEN'],
    [
      'src/bin/start-worker.ts',
      { ...services, WHATSAPP_ACCESS_TOKEN: '', WHATSAPP_PHONE_NUMBER_ID: '' },
      'WHATSAPP_ACCESS_TOKEN',
    ],
  ])('%s refuses sandbox mode in one line (%j)', async (file, env, name) => {
    const { code, lines } = await run(file, env);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`\\b${name}\\b.*sandbox mode runs only under npm start`));
  });
});
