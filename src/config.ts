import os from 'node:os';
import path from 'node:path';
import type { ConversationSettings } from '../domain/types';
import type { BusinessHours } from '../domain/business-hours';
import { parseBusinessHoursEnv } from './business-hours-env';
import {
  adminTokenOf,
  credentialsOf,
  SANDBOX_BUSINESS_ACCOUNT_ID,
  SANDBOX_SECRETS,
  whatsappOf,
  type ProcessRole,
} from './config/credentials';
import { ConfigError } from './config/env';
import { RawConfig, readEnvironment, type RawEnv } from './config/schema';
import { payloadKeysOf, temporalTlsOf, type TemporalSecurity } from './config/temporal';
import type { RateCard } from './rate-card';

// The only reader of process.env, and the one module the product imports its configuration from.
// Its parts in config/: the environment's schema and every variable's name (schema.ts) built from the
// readers in env.ts, the credentials and sandbox mode (credentials.ts), Temporal's connection and
// payload keys (temporal.ts, payload-keys.ts).

export {
  MIN_ADMIN_TOKEN_LENGTH,
  SANDBOX_BUSINESS_ACCOUNT_ID,
  SANDBOX_SECRETS,
  type ProcessRole,
} from './config/credentials';
export { ConfigError } from './config/env';
export { parsePayloadKeys, type PayloadKey } from './config/payload-keys';
export type { TemporalSecurity } from './config/temporal';

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

/** Reads and validates the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, role: ProcessRole = 'all'): Config {
  const raw = readEnvironment(env);
  // In this order, so that of several bad variables the same one is named first.
  const credentials = credentialsOf(raw, role);
  const { sandbox } = credentials;
  const whatsapp = whatsappOf(raw, credentials);
  const adminToken = adminTokenOf(credentials);
  const tls = temporalTlsOf(raw);
  const businessHours = businessHoursOf(raw);
  const payloadKeys = payloadKeysOf(raw, role);
  const paymentWebhookSecret = credentials.secret('PAYMENT_WEBHOOK_SECRET', SANDBOX_SECRETS.paymentWebhookSecret);
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
      webhookSecret: paymentWebhookSecret,
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
    temporalSecurity: { payloadKeys, tls, apiKey: raw.TEMPORAL_API_KEY },
    metricsToken: raw.METRICS_TOKEN,
    retention: {
      ...(raw.RETENTION_MESSAGES !== undefined ? { messagesMs: raw.RETENTION_MESSAGES } : {}),
      ...(raw.RETENTION_MEDIA !== undefined ? { mediaMs: raw.RETENTION_MEDIA } : {}),
      ...(raw.RETENTION_AUDIT !== undefined ? { auditMs: raw.RETENTION_AUDIT } : {}),
      ...(raw.RETENTION_QUARANTINE !== undefined ? { quarantineMs: raw.RETENTION_QUARANTINE } : {}),
    },
  };
}

/** BUSINESS_HOURS in BUSINESS_TIMEZONE; unset: always open. */
function businessHoursOf(raw: RawEnv): BusinessHours {
  const businessHours = parseBusinessHoursEnv(raw.BUSINESS_HOURS, raw.BUSINESS_TIMEZONE);
  if ('variable' in businessHours) {
    throw new ConfigError(`invalid environment variable ${businessHours.variable}: ${businessHours.message}`);
  }
  return businessHours;
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
