import { z } from 'zod';
import { ConfigError, duration, host, optionalString, parsedBy, port, postgresUrl, retention } from './env';
import { parsePayloadKeys } from './payload-keys';
import { BUILD_ID_PATTERN } from '../temporal/deployment';
import { parseRateCard } from '../rate-card';

// The environment's schema: every variable the product documents is here under its exact name; a few
// extra ones (marked "local") tune the embedded one-machine set-up. config.ts reads the environment
// through it and makes the Config of what it gives.

export const RawConfig = z.object({
  PORT: port(3000),
  HOST: host,
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
  TEMPORAL_PAYLOAD_KEYS: parsedBy(parsePayloadKeys),
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
  // Prices per WhatsApp pricing category, for the reports' estimated cost (§7.7); unset: counts only.
  WHATSAPP_RATE_CARD: parsedBy(parseRateCard),
  // Where a worker serves the Temporal SDK's own metrics for Prometheus; unset, it serves none. The SDK
  // binds a socket address, so an IP (v4, or v6 in brackets) and a port, never a host name.
  TEMPORAL_METRICS_ADDRESS: optionalString.refine(
    (v) => v === undefined || /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(v),
    { message: 'must be ip:port, such as 127.0.0.1:9464 or 0.0.0.0:9464' },
  ),
});

/** The environment as the schema reads it: every variable checked, defaults applied. */
export type RawEnv = z.infer<typeof RawConfig>;

/** Reads the environment through the schema; throws ConfigError naming the first bad variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): RawEnv {
  const parsed = RawConfig.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid environment variable ${name}: ${issue.message}`);
  }
  return parsed.data;
}
