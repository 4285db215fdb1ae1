import net from 'node:net';
import type { Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
// Deep imports: the SDK exports the key type and the proto-enum encoder (meant for registering
// attributes) only from this module.
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';
import type { TemporalSecurity } from '../config';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';
import { connectTemporal } from './connect';

// Questions asked of a Temporal frontend: is it serving, and does it know our search attributes? They
// read no payload, so they connect without the codec, with the frontend's credentials.

type Credentials = Pick<TemporalSecurity, 'tls' | 'apiKey'>;
const PLAIN: Credentials = { tls: undefined, apiKey: undefined };

/** The custom search attributes as typed keys, parsed from the `Name=Type` flags the CLI takes. */
export function customSearchAttributeKeys(): SearchAttributeKey<SearchAttributeType>[] {
  return SEARCH_ATTRIBUTE_FLAGS.map((flag) => {
    const [name, cliType] = flag.split('=') as [string, string];
    // CLI spelling (KeywordList, Datetime) → SDK spelling (KEYWORD_LIST, DATETIME).
    const type = cliType.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as SearchAttributeType;
    if (!Object.values(SearchAttributeType).includes(type))
      throw new TypeError(`unknown search attribute type in "${flag}"`);
    return defineSearchAttributeKey(name, type);
  });
}

/** The custom attributes `namespace` lacks, by name; throws if one exists with another type. */
export async function missingSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<SearchAttributeKey<SearchAttributeType>[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const registered = customAttributes ?? {};
  const missing: SearchAttributeKey<SearchAttributeType>[] = [];
  for (const key of customSearchAttributeKeys()) {
    const existing = registered[key.name];
    if (existing === undefined || existing === null) missing.push(key);
    else if (existing !== indexedValueType(key.type)) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type than ${key.type}`,
      );
    }
  }
  return missing;
}

/** Adds `keys` to the namespace's custom search attributes. */
export async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<void> {
  const searchAttributes = Object.fromEntries(keys.map((key) => [key.name, indexedValueType(key.type)]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

function indexedValueType(
  type: SearchAttributeType,
): NonNullable<ReturnType<typeof encodeSearchAttributeIndexedValueType>> {
  const encoded = encodeSearchAttributeIndexedValueType(type);
  if (encoded === undefined) throw new TypeError(`no indexed value type for ${type}`);
  return encoded;
}

/**
 * Resolves once the frontend at `address` answers, knows `namespace` and has every custom search
 * attribute; retries until `timeoutMs` and then rejects with the last error. `signal` stops the
 * retries early (the caller gave up, e.g. because the server process died).
 */
export async function waitUntilServing(
  address: string,
  namespace: string,
  timeoutMs: number,
  signal?: AbortSignal,
  credentials: Credentials = PLAIN,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [host, port] = splitAddress(address);
  // A cheap TCP probe first: a gRPC connect to a closed port waits out its whole connect timeout.
  while (!(await acceptsTcp(host, port))) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}`);
    await sleep(100);
  }
  let lastError: unknown;
  while (Date.now() <= deadline) {
    signal?.throwIfAborted();
    let connection: Connection | undefined;
    try {
      connection = await connectTemporal(credentials, address, { connectTimeout: '2s' });
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace });
      const missing = await missingSearchAttributes(connection, namespace);
      if (missing.length === 0) return;
      lastError = new Error(`search attributes not yet registered: ${missing.map((k) => k.name).join(', ')}`);
    } catch (error) {
      lastError = error;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await sleep(250);
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

export function acceptsTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Registers any custom search attribute the namespace lacks, for a server we did not start
 * (TEMPORAL_ADDRESS); the embedded server gets them the same way at its start.
 */
export async function ensureSearchAttributes(
  address: string,
  namespace: string,
  credentials: Credentials = PLAIN,
): Promise<void> {
  const connection = await connectTemporal(credentials, address);
  try {
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length === 0) return;
    await addSearchAttributes(connection, namespace, missing);
  } finally {
    await connection.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
