import type { ProcessRole } from './credentials';
import { ConfigError } from './env';
import type { PayloadKey } from './payload-keys';
import type { RawEnv } from './schema';

// How every Temporal client and worker connects (mTLS or an API key) and the payload codec's keys (§12).

export interface TemporalSecurity {
  /** Unset only under `npm start`, which then generates a key into DATA_DIR once and keeps it. */
  payloadKeys: PayloadKey[] | undefined;
  /** mTLS: PEM file paths; the CA and server name optional (the system's roots, the address's host). */
  tls: { certPath: string; keyPath: string; caPath?: string; serverName?: string } | undefined;
  apiKey: string | undefined;
}

/** mTLS's files, both the certificate and its key or neither; unset: a plain connection. */
export function temporalTlsOf(raw: RawEnv): TemporalSecurity['tls'] {
  if ((raw.TEMPORAL_TLS_CERT === undefined) !== (raw.TEMPORAL_TLS_KEY === undefined)) {
    const missing = raw.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    throw new ConfigError(
      `missing environment variable ${missing}: mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`,
    );
  }
  return raw.TEMPORAL_TLS_CERT !== undefined && raw.TEMPORAL_TLS_KEY !== undefined
    ? {
        certPath: raw.TEMPORAL_TLS_CERT,
        keyPath: raw.TEMPORAL_TLS_KEY,
        ...(raw.TEMPORAL_TLS_CA !== undefined ? { caPath: raw.TEMPORAL_TLS_CA } : {}),
        ...(raw.TEMPORAL_TLS_SERVER_NAME !== undefined ? { serverName: raw.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
}

/** TEMPORAL_PAYLOAD_KEYS, which only `npm start` may leave unset (it generates one). */
export function payloadKeysOf(raw: RawEnv, role: ProcessRole): PayloadKey[] | undefined {
  if (role !== 'all' && raw.TEMPORAL_PAYLOAD_KEYS === undefined) {
    throw new ConfigError(
      `missing environment variable TEMPORAL_PAYLOAD_KEYS: start:${role} encrypts Temporal payloads (id:base64 keys, e.g. k1:$(openssl rand -base64 32))`,
    );
  }
  return raw.TEMPORAL_PAYLOAD_KEYS;
}
