import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, parsePayloadKeys, type Config, type PayloadKey } from '../config';

// Under `npm start` without TEMPORAL_PAYLOAD_KEYS, the payload codec's key is generated once into
// DATA_DIR and kept: every later start (and the admin CLI beside it) must decrypt what the first one
// encrypted, so losing or replacing this file makes the stored histories unreadable.

export const PAYLOAD_KEY_FILE = 'temporal-payload-key';

export function payloadKeyPath(dataDir: string): string {
  return path.join(dataDir, PAYLOAD_KEY_FILE);
}

function readKeyFile(file: string): PayloadKey[] {
  const mode = fs.statSync(file).mode & 0o777;
  // A key others can read protects nothing: refuse it rather than fix it behind the operator's back.
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `${file} (the Temporal payload key) is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`,
    );
  }
  const keys = parsePayloadKeys(fs.readFileSync(file, 'utf8').trim());
  if (typeof keys === 'string') {
    throw new ConfigError(`${file} (the Temporal payload key) is not an id:base64 key list: ${keys}`);
  }
  return keys;
}

/** Writes a new key so that it appears whole or not at all; when another process won the race, keeps theirs. */
function createKeyFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const id = `local-${crypto.randomBytes(4).toString('hex')}`;
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${id}:${crypto.randomBytes(32).toString('base64')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // link, not rename: it fails when the file exists, so two starts at once never swap keys.
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}

/**
 * The config with its payload keys: TEMPORAL_PAYLOAD_KEYS when set; otherwise the key kept in DATA_DIR,
 * made there first when `create` (npm start; the admin CLI only reads it, since a key it made up would
 * encrypt what no worker can read).
 */
export function withPayloadKeys(config: Config, options: { create: boolean }): Config {
  if (config.temporalSecurity.payloadKeys) return config;
  const file = payloadKeyPath(config.dataDir);
  if (!fs.existsSync(file)) {
    if (!options.create) {
      throw new ConfigError(
        `missing environment variable TEMPORAL_PAYLOAD_KEYS: set it as the worker has it (no key in ${file} either)`,
      );
    }
    createKeyFile(file);
  }
  return { ...config, temporalSecurity: { ...config.temporalSecurity, payloadKeys: readKeyFile(file) } };
}
