import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterCertificates } from './certificates';
import type { ClusterOptions, ClusterSecrets } from './cluster';

// The environment of a local cluster's product processes (cluster.ts): what every process gets, then
// each role's own secrets, as production hands them out.

/** The WhatsApp phone number id the product sends from; the emulator accepts any. */
const PHONE_NUMBER_ID = '106000000000001';

/** Generated for each start: the production entry points refuse the sandbox's well-known values. */
export function newSecrets(): ClusterSecrets {
  return {
    accessToken: secret(),
    appSecret: secret(),
    verifyToken: secret(),
    adminToken: secret(),
    paymentWebhookSecret: secret(),
  };
}

export interface EnvironmentParts {
  options: Pick<ClusterOptions, 'dir' | 'namespace' | 'taskQueue' | 'env'>;
  postgresUrl: string;
  temporalAddress: string;
  /** The client certificate: every product process connects to Temporal with mTLS. */
  tls: ClusterCertificates['client'];
  secrets: ClusterSecrets;
  /** The Graph API emulator standing in for WhatsApp. */
  whatsappBaseUrl: string;
}

/** The shared environment, a server's (on its port) and a worker's. */
export function productEnvironments({
  options,
  postgresUrl,
  temporalAddress,
  tls,
  secrets,
  whatsappBaseUrl,
}: EnvironmentParts): {
  env: Record<string, string>;
  serverEnv: (port: number) => Record<string, string>;
  workerEnv: Record<string, string>;
} {
  const env: Record<string, string> = {
    ...inheritedEnvironment(),
    DATABASE_URL: postgresUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    TEMPORAL_TLS_CERT: tls.certPath,
    TEMPORAL_TLS_KEY: tls.keyPath,
    TEMPORAL_TLS_CA: tls.caPath,
    TEMPORAL_TLS_SERVER_NAME: tls.serverName,
    TEMPORAL_PAYLOAD_KEYS: storedPayloadKey(options.dir),
    ...options.env,
  };
  // Each process gets the secrets it uses and no others, as in production.
  const serverEnv = (port: number): Record<string, string> => ({
    ...env,
    PORT: String(port),
    // A local cluster: its servers answer on the loopback interface only.
    HOST: '127.0.0.1',
    WHATSAPP_APP_SECRET: secrets.appSecret,
    WHATSAPP_VERIFY_TOKEN: secrets.verifyToken,
    ADMIN_TOKEN: secrets.adminToken,
    PAYMENT_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
    // Templates, students' media, read receipts and typing: asked of WhatsApp by the server itself.
    WHATSAPP_API_BASE_URL: whatsappBaseUrl,
    WHATSAPP_ACCESS_TOKEN: secrets.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    ...options.env,
  });
  const workerEnv: Record<string, string> = {
    ...env,
    WHATSAPP_API_BASE_URL: whatsappBaseUrl,
    WHATSAPP_ACCESS_TOKEN: secrets.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    // Two malloc arenas, as the npm scripts and the image run the product.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    ...options.env,
  };
  return { env, serverEnv, workerEnv };
}

/**
 * The cluster's payload key (`id:base64`, as TEMPORAL_PAYLOAD_KEYS takes it): made once and kept in
 * `<dir>/payload-keys` (mode 0600), since the cluster's histories outlive a restart and must stay readable.
 */
function storedPayloadKey(dir: string): string {
  const file = path.join(dir, 'payload-keys');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys = `cluster-1:${randomBytes(32).toString('base64')}`;
  fs.writeFileSync(file, `${keys}\n`, { mode: 0o600, flag: 'wx' });
  return keys;
}

/** 32 random bytes: well past the 32 characters the production entry points ask of a token. */
function secret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The parent's environment without the product's own variables, which the cluster sets itself, and
 * without NODE_OPTIONS (a test runner's hooks do not belong in production processes).
 */
function inheritedEnvironment(): Record<string, string> {
  const product = /^(DATABASE_URL|TEMPORAL_|WHATSAPP_|ADMIN_TOKEN|PAYMENT_WEBHOOK_SECRET|PORT$|HOST$|NODE_OPTIONS$)/;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !product.test(entry[0]),
    ),
  );
}
