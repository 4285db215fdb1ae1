import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration';
import { BUILD_ID_PATTERN } from './temporal/deployment';
import { parseRateCard, type RateCard } from './rate-card';
import type { ConversationSettings } from '../domain/types';
import type { BusinessHours } from '../domain/business-hours';
import { parseBusinessHoursEnv } from './business-hours-env';

// The only reader of process.env. Every variable the product documents is here under its exact
// name; a few extra ones (marked "local") tune the embedded one-machine set-up.

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 500ms, 30s, 15m or 1h` });
        return z.NEVER;
      }
      return ms;
    });

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const postgresUrl = optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
  message: 'must be a postgres:// connection string',
});

const HOST_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i;

/** An AES-256 key of the payload codec: its id travels in each encrypted payload's metadata. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

const PAYLOAD_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `id:base64` entries, comma-separated: the first encrypts, every one decrypts (rotation by adding one). */
export function parsePayloadKeys(value: string): PayloadKey[] | string {
  const keys: PayloadKey[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (colon < 1 || !PAYLOAD_KEY_ID.test(id))
      return 'each key must be id:base64, the id letters, digits, ".", "_" or "-"';
    if (keys.some((k) => k.id === id)) return `key id "${id}" appears twice`;
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]{43}=?$/.test(encoded) || key.length !== 32) {
      return `key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`;
    }
    keys.push({ id, key });
  }
  return keys;
}

const retention = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 30d or 12h` });
    return z.NEVER;
  }
  return ms;
});

const RawConfig = z.object({
  PORT: port(3000),
  HOST: optionalString.refine((v) => v === undefined || net.isIP(v) !== 0 || HOST_NAME.test(v), {
    message: 'must be an IP address or a host name',
  }),
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: optionalString.refine((v) => v === undefined || /^[^\s:]+:\d+$/.test(v), {
    message: 'must be host:port',
  }),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('edubot-conversations'),
  WHATSAPP_API_BASE_URL: z.url().default('https://graph.facebook.com/v22.0'),
  WHATSAPP_ACCESS_TOKEN: optionalString,
  WHATSAPP_PHONE_NUMBER_ID: optionalString,
  WHATSAPP_APP_SECRET: optionalString,
  WHATSAPP_VERIFY_TOKEN: optionalString,
  // The WABA whose approved templates agents may send; unset in sandbox mode: the emulator's.
  WHATSAPP_BUSINESS_ACCOUNT_ID: optionalString.refine((v) => v === undefined || /^\d{1,30}$/.test(v), {
    message: 'must be the numeric id of a WhatsApp Business Account',
  }),
  TEMPLATE_REFRESH_INTERVAL: duration('15m'),
  // The business number's messages per second, shared by the bot's replies and campaigns (SPEC §13).
  WHATSAPP_MPS: z.coerce.number().int().min(1).max(1000).default(80),
  ADMIN_TOKEN: optionalString,
  BOT_NAME: z.string().min(1).default('EduBot'),
  CHAT_IDLE_REMINDER: duration('15m'),
  CHAT_IDLE_TIMEOUT: duration('30m'),
  FLOW_IDLE_TIMEOUT: duration('30m'),
  // A chat waiting longer than this for an agent is marked in the console's queue.
  CHAT_WAIT_WARN: duration('5m'),
  // round_robin: a new chat goes to the available agent holding the fewest chats, below the capacity.
  CHAT_AUTO_ASSIGN: optionalString.pipe(z.enum(['round_robin']).optional()),
  CHAT_AGENT_CAPACITY: z.coerce.number().int().min(1).max(1000).default(5),
  // The approved template that asks for a chat's rating once the 24-hour window has closed; empty: none.
  CSAT_TEMPLATE_NAME: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{0,512}$/, 'must be a template name: lowercase letters, digits and underscores')
    .default('chat_rating'),
  CSAT_TEMPLATE_LANGUAGE: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, 'must be a language code such as en or en_US')
    .default('en'),
  // The support team's hours until an admin sets some (src/business-hours-env.ts); unset: always open.
  BUSINESS_TIMEZONE: optionalString,
  BUSINESS_HOURS: optionalString,
  PAYMENT_PLAN_NAME: z.string().min(1).default('EduBot Monthly'),
  PAYMENT_PLAN_PRICE: z.coerce.number().int().positive().default(5000),
  PAYMENT_LINK_TEMPLATE: z
    .string()
    .default('https://checkout.sandbox.edubot.local/pay/{reference}')
    .refine((v) => v.includes('{reference}'), { message: 'must contain {reference}' }),
  PAYMENT_WEBHOOK_SECRET: optionalString,
  PAYMENT_TIMEOUT: duration('30m'),

  // local: where the embedded Postgres and Temporal keep their data (default .data).
  DATA_DIR: optionalString,
  // local: ports of the embedded services (the machine's own Postgres usually holds 5432).
  EMBEDDED_POSTGRES_PORT: port(5433),
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  // local: a temporal-server binary to use instead of the cached build (its temporal-sql-tool beside it).
  TEMPORAL_CLI_PATH: optionalString,
  // local: per-user cache for the Temporal server and Web UI builds (defaults to $XDG_CACHE_HOME or ~/.cache).
  XDG_CACHE_HOME: optionalString,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // The payload codec's keys; unset under npm start: one generated into DATA_DIR (§12). Required by
  // start:server and start:worker.
  TEMPORAL_PAYLOAD_KEYS: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const keys = parsePayloadKeys(value);
    if (typeof keys === 'string') {
      ctx.addIssue({ code: 'custom', message: keys });
      return z.NEVER;
    }
    return keys;
  }),
  // mTLS to Temporal: paths of PEM files; or an API key. Unset: a plain connection.
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
  // Unset: /metrics is open (bind it to a private network); set: /metrics requires it as a bearer token.
  METRICS_TOKEN: optionalString,
  // How long each kind of data is kept; unset: for ever.
  RETENTION_MESSAGES: retention,
  RETENTION_MEDIA: retention,
  RETENTION_AUDIT: retention,
  RETENTION_QUARANTINE: retention,
  // The worker's build id within the Worker Deployment `edubot`; unset: derived from the workflow bundle.
  EDUBOT_BUILD_ID: optionalString.refine((v) => v === undefined || BUILD_ID_PATTERN.test(v), {
    message: 'must be 1 to 100 letters, digits, ".", "_", "+" or "-", starting with a letter or digit',
  }),
  // Conversations a worker keeps in memory (Temporal's sticky cache); see BENCHMARKS.md for the cost.
  WORKFLOW_CACHE_SIZE: z.coerce.number().int().min(10).max(100_000).default(1000),
  // Where a worker serves the Temporal SDK's own metrics for Prometheus; unset, it serves none. The SDK
  // binds a socket address, so an IP (v4, or v6 in brackets) and a port, never a host name.
  // Prices per WhatsApp pricing category, for the reports' estimated cost (§7.7); unset: counts only.
  WHATSAPP_RATE_CARD: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const card = parseRateCard(value);
    if (typeof card === 'string') {
      ctx.addIssue({ code: 'custom', message: card });
      return z.NEVER;
    }
    return card;
  }),
  TEMPORAL_METRICS_ADDRESS: optionalString.refine(
    (v) => v === undefined || /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(v),
    { message: 'must be ip:port, such as 127.0.0.1:9464 or 0.0.0.0:9464' },
  ),
});

/**
 * Values used when no WhatsApp credentials are set and the built-in emulator stands in for Meta. They
 * are published (README, code), so outside sandbox mode no secret may be any of them.
 */
export const SANDBOX_SECRETS = {
  accessToken: 'sandbox-access-token',
  appSecret: 'sandbox-app-secret',
  verifyToken: 'sandbox-verify-token',
  adminToken: 'sandbox-admin-token',
  paymentWebhookSecret: 'sandbox-payment-secret',
} as const;

/** The emulator's WhatsApp Business Account, whose templates sandbox mode offers. */
export const SANDBOX_BUSINESS_ACCOUNT_ID = '100000000000002';

/** Outside sandbox mode the admin token must not be guessable: a generated one is 64 hex characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

export interface Config {
  port: number;
  /** The HTTP server's bind address: loopback in sandbox mode, every interface otherwise. */
  host: string;
  /** Unset: `npm start` runs an embedded Postgres. */
  databaseUrl: string | undefined;
  /** Unset: `npm start` runs an embedded Temporal server on SQLite. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  taskQueue: string;
  /**
   * True when no WhatsApp credentials are set: sends go to the built-in emulator and the secrets are
   * the published sandbox ones. Only `npm start` runs so: start:server and start:worker load the
   * config with their role, which requires their credentials.
   */
  sandbox: boolean;
  whatsapp: {
    apiBaseUrl: string;
    accessToken: string;
    phoneNumberId: string;
    appSecret: string;
    verifyToken: string;
  };
  adminToken: string;
  /**
   * The message templates agents may send outside the 24-hour window: listed from this business
   * account (unset: none), again every `refreshIntervalMs`.
   */
  templates: { businessAccountId: string | undefined; refreshIntervalMs: number };
  /** WHATSAPP_MPS: messages per second the number takes; a campaign's rate is at most this. */
  whatsappMps: number;
  botName: string;
  timers: {
    chatIdleReminderMs: number;
    chatIdleTimeoutMs: number;
    flowIdleTimeoutMs: number;
    paymentTimeoutMs: number;
  };
  payment: { planName: string; planPrice: number; linkTemplate: string; webhookSecret: string };
  /**
   * The support team's queue: a chat waiting longer than `waitWarnMs` is marked; with `autoAssign`,
   * new chats go to available agents holding fewer than `agentCapacity` chats.
   */
  support: { waitWarnMs: number; autoAssign: boolean; agentCapacity: number };
  /** The approved template asking for a chat's rating past the 24-hour window; undefined: none. */
  csatTemplate: { name: string; language: string } | undefined;
  /** BUSINESS_HOURS in BUSINESS_TIMEZONE: the default the admin's stored hours replace; unset: ALWAYS_OPEN. */
  businessHours: BusinessHours;
  dataDir: string;
  /** DATA_DIR unset: as root, the embedded Postgres may keep its cluster elsewhere when its account cannot reach it. */
  dataDirIsDefault: boolean;
  embeddedPostgresPort: number;
  temporalDevPort: number;
  temporalUiPort: number;
  temporalCliPath: string | undefined;
  cacheDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The worker's build id in the Worker Deployment; unset: the hash of the workflow bundle. */
  buildId: string | undefined;
  /** Conversations a worker keeps in memory. */
  workflowCacheSize: number;
  /** ip:port of the worker's Temporal SDK metrics endpoint; unset: not served. */
  temporalMetricsAddress: string | undefined;
  /** How every Temporal client and worker connects, and the payload codec's keys (§12). */
  temporalSecurity: TemporalSecurity;
  /** Bearer token `/metrics` requires; unset: open. */
  metricsToken: string | undefined;
  /** How long each kind of data is kept, in ms; undefined: for ever. */
  retention: { messagesMs?: number; mediaMs?: number; auditMs?: number; quarantineMs?: number };
  /** WHATSAPP_RATE_CARD: prices per pricing category for the estimated cost; undefined: counts only. */
  rateCard: RateCard | undefined;
}

export interface TemporalSecurity {
  /** Unset only under `npm start`, which then generates a key into DATA_DIR once and keeps it. */
  payloadKeys: PayloadKey[] | undefined;
  /** mTLS: PEM file paths; the CA and server name optional (the system's roots, the address's host). */
  tls: { certPath: string; keyPath: string; caPath?: string; serverName?: string } | undefined;
  apiKey: string | undefined;
}

type SecretVariable =
  'WHATSAPP_ACCESS_TOKEN' | 'WHATSAPP_APP_SECRET' | 'WHATSAPP_VERIFY_TOKEN' | 'ADMIN_TOKEN' | 'PAYMENT_WEBHOOK_SECRET';
type CredentialVariable = SecretVariable | 'WHATSAPP_PHONE_NUMBER_ID';
const PUBLISHED_SECRETS: ReadonlySet<string> = new Set(Object.values(SANDBOX_SECRETS));

/**
 * Which process reads the config. `npm start` (and the tools beside it) runs everything, in sandbox
 * mode when no WhatsApp credentials are set; the production processes never run in sandbox mode and
 * each requires the credentials it uses, and only those, so a secret reaches only the process that
 * needs it.
 */
export type ProcessRole = 'all' | 'server' | 'worker';

const USED_BY: Record<Exclude<ProcessRole, 'all'>, ReadonlySet<CredentialVariable>> = {
  // The webhook's signature and handshake, the admin API, the payment provider's signature; and the Graph
  // API for what agents ask of WhatsApp directly: the template catalogue, a student's media for the
  // console, read receipts and typing.
  server: new Set([
    'WHATSAPP_APP_SECRET',
    'WHATSAPP_VERIFY_TOKEN',
    'ADMIN_TOKEN',
    'PAYMENT_WEBHOOK_SECRET',
    'WHATSAPP_ACCESS_TOKEN',
    'WHATSAPP_PHONE_NUMBER_ID',
  ]),
  // The Graph API sends.
  worker: new Set(['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID']),
};

/** Thrown when the environment does not describe a runnable product; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, role: ProcessRole = 'all'): Config {
  const parsed = RawConfig.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid environment variable ${name}: ${issue.message}`);
  }
  const raw = parsed.data;
  const sandbox =
    role === 'all' && raw.WHATSAPP_ACCESS_TOKEN === undefined && raw.WHATSAPP_PHONE_NUMBER_ID === undefined;
  const required = (name: CredentialVariable, sandboxValue: string): string => {
    const value = raw[name];
    if (value !== undefined) return value;
    if (sandbox) return sandboxValue;
    // Empty, not a default: this process never reads it (an empty ADMIN_TOKEN matches no request).
    if (role !== 'all' && !USED_BY[role].has(name)) return '';
    throw new ConfigError(
      role === 'all'
        ? `missing environment variable ${name}: required when WhatsApp credentials are set`
        : `missing environment variable ${name}: start:${role} needs it; sandbox mode runs only under npm start`,
    );
  };
  const secret = (name: SecretVariable, sandboxValue: string): string => {
    const value = required(name, sandboxValue);
    if (!sandbox && PUBLISHED_SECRETS.has(value)) {
      throw new ConfigError(
        `invalid environment variable ${name}: it is a published sandbox default; set a secret of your own`,
      );
    }
    return value;
  };
  const whatsapp = {
    apiBaseUrl: raw.WHATSAPP_API_BASE_URL.replace(/\/+$/, ''),
    accessToken: secret('WHATSAPP_ACCESS_TOKEN', SANDBOX_SECRETS.accessToken),
    phoneNumberId: required('WHATSAPP_PHONE_NUMBER_ID', '100000000000001'),
    appSecret: secret('WHATSAPP_APP_SECRET', SANDBOX_SECRETS.appSecret),
    verifyToken: secret('WHATSAPP_VERIFY_TOKEN', SANDBOX_SECRETS.verifyToken),
  };
  const adminToken = secret('ADMIN_TOKEN', SANDBOX_SECRETS.adminToken);
  if (!sandbox && adminToken !== '' && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `invalid environment variable ADMIN_TOKEN: must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters outside sandbox mode (e.g. openssl rand -hex 32)`,
    );
  }
  if ((raw.TEMPORAL_TLS_CERT === undefined) !== (raw.TEMPORAL_TLS_KEY === undefined)) {
    const missing = raw.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    throw new ConfigError(
      `missing environment variable ${missing}: mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`,
    );
  }
  const businessHours = parseBusinessHoursEnv(raw.BUSINESS_HOURS, raw.BUSINESS_TIMEZONE);
  if ('variable' in businessHours) {
    throw new ConfigError(`invalid environment variable ${businessHours.variable}: ${businessHours.message}`);
  }
  if (role !== 'all' && raw.TEMPORAL_PAYLOAD_KEYS === undefined) {
    throw new ConfigError(
      `missing environment variable TEMPORAL_PAYLOAD_KEYS: start:${role} encrypts Temporal payloads (id:base64 keys, e.g. k1:$(openssl rand -base64 32))`,
    );
  }
  return {
    port: raw.PORT,
    host: raw.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: raw.DATABASE_URL,
    temporalAddress: raw.TEMPORAL_ADDRESS,
    temporalNamespace: raw.TEMPORAL_NAMESPACE,
    taskQueue: raw.TEMPORAL_TASK_QUEUE,
    sandbox,
    whatsapp,
    adminToken,
    templates: {
      businessAccountId: raw.WHATSAPP_BUSINESS_ACCOUNT_ID ?? (sandbox ? SANDBOX_BUSINESS_ACCOUNT_ID : undefined),
      refreshIntervalMs: raw.TEMPLATE_REFRESH_INTERVAL,
    },
    whatsappMps: raw.WHATSAPP_MPS,
    botName: raw.BOT_NAME,
    timers: {
      chatIdleReminderMs: raw.CHAT_IDLE_REMINDER,
      chatIdleTimeoutMs: raw.CHAT_IDLE_TIMEOUT,
      flowIdleTimeoutMs: raw.FLOW_IDLE_TIMEOUT,
      paymentTimeoutMs: raw.PAYMENT_TIMEOUT,
    },
    support: {
      waitWarnMs: raw.CHAT_WAIT_WARN,
      autoAssign: raw.CHAT_AUTO_ASSIGN === 'round_robin',
      agentCapacity: raw.CHAT_AGENT_CAPACITY,
    },
    businessHours,
    csatTemplate:
      raw.CSAT_TEMPLATE_NAME === ''
        ? undefined
        : { name: raw.CSAT_TEMPLATE_NAME, language: raw.CSAT_TEMPLATE_LANGUAGE },
    payment: {
      planName: raw.PAYMENT_PLAN_NAME,
      planPrice: raw.PAYMENT_PLAN_PRICE,
      linkTemplate: raw.PAYMENT_LINK_TEMPLATE,
      webhookSecret: secret('PAYMENT_WEBHOOK_SECRET', SANDBOX_SECRETS.paymentWebhookSecret),
    },
    dataDir: path.resolve(raw.DATA_DIR ?? '.data'),
    dataDirIsDefault: raw.DATA_DIR === undefined,
    embeddedPostgresPort: raw.EMBEDDED_POSTGRES_PORT,
    temporalDevPort: raw.TEMPORAL_DEV_PORT,
    temporalUiPort: raw.TEMPORAL_UI_PORT,
    temporalCliPath: raw.TEMPORAL_CLI_PATH,
    cacheDir: path.join(raw.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'edubot'),
    logLevel: raw.LOG_LEVEL,
    buildId: raw.EDUBOT_BUILD_ID,
    workflowCacheSize: raw.WORKFLOW_CACHE_SIZE,
    temporalMetricsAddress: raw.TEMPORAL_METRICS_ADDRESS,
    rateCard: raw.WHATSAPP_RATE_CARD,
    temporalSecurity: {
      payloadKeys: raw.TEMPORAL_PAYLOAD_KEYS,
      tls:
        raw.TEMPORAL_TLS_CERT !== undefined && raw.TEMPORAL_TLS_KEY !== undefined
          ? {
              certPath: raw.TEMPORAL_TLS_CERT,
              keyPath: raw.TEMPORAL_TLS_KEY,
              ...(raw.TEMPORAL_TLS_CA !== undefined ? { caPath: raw.TEMPORAL_TLS_CA } : {}),
              ...(raw.TEMPORAL_TLS_SERVER_NAME !== undefined ? { serverName: raw.TEMPORAL_TLS_SERVER_NAME } : {}),
            }
          : undefined,
      apiKey: raw.TEMPORAL_API_KEY,
    },
    metricsToken: raw.METRICS_TOKEN,
    retention: {
      ...(raw.RETENTION_MESSAGES !== undefined ? { messagesMs: raw.RETENTION_MESSAGES } : {}),
      ...(raw.RETENTION_MEDIA !== undefined ? { mediaMs: raw.RETENTION_MEDIA } : {}),
      ...(raw.RETENTION_AUDIT !== undefined ? { auditMs: raw.RETENTION_AUDIT } : {}),
      ...(raw.RETENTION_QUARANTINE !== undefined ? { quarantineMs: raw.RETENTION_QUARANTINE } : {}),
    },
  };
}

/** Names of every environment variable the config schema reads (checked against docker-compose.yml). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(RawConfig.shape);

/** The separate production processes embed nothing: both services must be configured. */
export function requireExternalServices(config: Config): { databaseUrl: string; temporalAddress: string } {
  if (!config.databaseUrl) {
    throw new ConfigError(
      'missing environment variable DATABASE_URL: start:server, start:worker and migrate embed no Postgres',
    );
  }
  if (!config.temporalAddress) {
    throw new ConfigError(
      'missing environment variable TEMPORAL_ADDRESS: start:server and start:worker embed no Temporal',
    );
  }
  return { databaseUrl: config.databaseUrl, temporalAddress: config.temporalAddress };
}

/** The part of the config the conversation flow needs, handed to workflows through activities. */
export function conversationSettings(config: Config): ConversationSettings {
  return {
    botName: config.botName,
    payment: {
      planName: config.payment.planName,
      planPrice: config.payment.planPrice,
      linkTemplate: config.payment.linkTemplate,
    },
    timers: { ...config.timers },
    ...(config.support.autoAssign ? { autoAssign: { capacity: config.support.agentCapacity } } : {}),
    ...(config.csatTemplate !== undefined ? { csatTemplate: { ...config.csatTemplate } } : {}),
  };
}
