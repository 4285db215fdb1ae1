import fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type PayloadKey, type TemporalSecurity } from '../config';
import { AesGcmPayloadCodec } from './payload-codec';
import { FAILURE_CONVERTER_PATH } from './workflow-bundle';

// The one place that connects to Temporal (SPEC §12): every client and worker of the product, the bench
// and the tests goes through here, so none connects without the configured mTLS or API key, and none
// reads or writes a payload without the codec.

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  /** Sent as `Authorization: Bearer …`; the SDK then connects over TLS. */
  apiKey?: string;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new ConfigError(`invalid environment variable ${variable}: cannot read ${file} (${reason})`);
  }
}

/** The address with the configured mTLS (the PEM files read now) or API key; a plain connection otherwise. */
export function temporalConnectionOptions(
  security: Pick<TemporalSecurity, 'tls' | 'apiKey'>,
  address: string,
): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address };
  const { tls, apiKey } = security;
  if (tls) {
    options.tls = {
      clientCertPair: {
        crt: readPem('TEMPORAL_TLS_CERT', tls.certPath),
        key: readPem('TEMPORAL_TLS_KEY', tls.keyPath),
      },
      ...(tls.caPath !== undefined ? { serverRootCACertificate: readPem('TEMPORAL_TLS_CA', tls.caPath) } : {}),
      ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
    };
  }
  if (apiKey !== undefined) options.apiKey = apiKey;
  return options;
}

/**
 * The data converter of every client and worker: payloads encrypted by the codec, failures' messages
 * and stack traces among them (the workflow bundle takes the same failure converter).
 */
export function temporalDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The payload keys, which `npm start` resolves (payload-keys.ts) before it connects anything. */
export function requirePayloadKeys(security: Pick<TemporalSecurity, 'payloadKeys'>): PayloadKey[] {
  if (!security.payloadKeys || security.payloadKeys.length === 0) {
    throw new ConfigError('missing environment variable TEMPORAL_PAYLOAD_KEYS: Temporal payloads must be encrypted');
  }
  return security.payloadKeys;
}

export interface TemporalClientConnection {
  connection: Connection;
  client: Client;
}

/** A client connection and a `Client` on it with the codec; closing the connection closes both. */
export async function connectTemporalClient(
  security: TemporalSecurity,
  address: string,
  namespace: string,
  options: { connectTimeout?: Duration; dataConverter?: DataConverter } = {},
): Promise<TemporalClientConnection> {
  const { dataConverter = temporalDataConverter(requirePayloadKeys(security)), ...connect } = options;
  const connection = await Connection.connect({ ...temporalConnectionOptions(security, address), ...connect });
  return { connection, client: new Client({ connection, namespace, dataConverter }) };
}

/** A client connection that reads no payload (health, pollers, search attributes): no keys needed. */
export function connectTemporal(
  security: Pick<TemporalSecurity, 'tls' | 'apiKey'>,
  address: string,
  options: { connectTimeout?: Duration } = {},
): Promise<Connection> {
  return Connection.connect({ ...temporalConnectionOptions(security, address), ...options });
}

/** A worker's connection. The worker gets the codec through `temporalDataConverter` (worker.ts). */
export function connectTemporalWorker(
  security: Pick<TemporalSecurity, 'tls' | 'apiKey'>,
  address: string,
): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(security, address));
}
