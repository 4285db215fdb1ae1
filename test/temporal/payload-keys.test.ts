import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { payloadKeyPath, withPayloadKeys } from '../../src/temporal/payload-keys';
import { TEST_PAYLOAD_KEYS } from '../helpers/payload-keys';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-payload-key-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const sandboxConfig = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env });

describe('the payload key of npm start', () => {
  it('is generated once into DATA_DIR, mode 0600, and the same on every later start', () => {
    const first = withPayloadKeys(sandboxConfig(), { create: true }).temporalSecurity.payloadKeys!;
    const file = payloadKeyPath(dataDir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toHaveLength(1);
    expect(first[0]!.key).toHaveLength(32);
    expect(first[0]!.id).toMatch(/^local-[0-9a-f]{8}$/);
    const again = withPayloadKeys(sandboxConfig(), { create: true }).temporalSecurity.payloadKeys!;
    expect(again).toEqual(first);
    expect(fs.readdirSync(dataDir)).toEqual(['temporal-payload-key']);
  });

  it('is not made when TEMPORAL_PAYLOAD_KEYS is set', () => {
    const config = withPayloadKeys(sandboxConfig({ TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }), { create: true });
    expect(config.temporalSecurity.payloadKeys!.map((k) => k.id)).toEqual(['test-1']);
    expect(fs.existsSync(payloadKeyPath(dataDir))).toBe(false);
  });

  it('is only read, never made, by a tool that must not invent one', () => {
    expect(() => withPayloadKeys(sandboxConfig(), { create: false })).toThrow(
      new ConfigError(
        `missing environment variable TEMPORAL_PAYLOAD_KEYS: set it as the worker has it (no key in ${payloadKeyPath(dataDir)} either)`,
      ),
    );
    expect(fs.existsSync(payloadKeyPath(dataDir))).toBe(false);
    const made = withPayloadKeys(sandboxConfig(), { create: true }).temporalSecurity.payloadKeys;
    expect(withPayloadKeys(sandboxConfig(), { create: false }).temporalSecurity.payloadKeys).toEqual(made);
  });

  it('refuses a key file others can read', () => {
    withPayloadKeys(sandboxConfig(), { create: true });
    fs.chmodSync(payloadKeyPath(dataDir), 0o644);
    expect(() => withPayloadKeys(sandboxConfig(), { create: true })).toThrow(
      /temporal-payload-key \(the Temporal payload key\) is readable by others \(mode 0644\): chmod 600 it/,
    );
  });

  it('refuses a key file that holds no key', () => {
    fs.writeFileSync(payloadKeyPath(dataDir), 'not a key\n', { mode: 0o600 });
    expect(() => withPayloadKeys(sandboxConfig(), { create: true })).toThrow(ConfigError);
    expect(() => withPayloadKeys(sandboxConfig(), { create: true })).toThrow(/is not an id:base64 key list/);
  });

  it('gives two processes starting at once the same key', async () => {
    const script = `
      const { loadConfig } = require('./src/config');
      const { withPayloadKeys } = require('./src/temporal/payload-keys');
      const keys = withPayloadKeys(loadConfig({ DATA_DIR: process.argv[1] }), { create: true }).temporalSecurity.payloadKeys;
      process.stdout.write(keys[0].key.toString('base64'));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--require', './test/helpers/ts-register.cjs', '-e', script, dataDir], {
          cwd: path.resolve(__dirname, '../..'),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const results = await Promise.all([run(), run(), run(), run()]);
    expect(new Set(results).size).toBe(1);
    expect(Buffer.from(results[0], 'base64')).toHaveLength(32);
  });
});
