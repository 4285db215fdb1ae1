import type { Config } from '../config';
import { ConfigError } from './env';
import type { RawEnv } from './schema';

// The credentials: which process needs which, what sandbox mode uses instead, and the published
// values no real deployment may use as its secrets.

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

/** Reads one process's credentials; each read throws ConfigError when the variable is missing or published. */
export interface Credentials {
  /** No WhatsApp credentials under `npm start`: the emulator and the published secrets stand in. */
  sandbox: boolean;
  required(name: CredentialVariable, sandboxValue: string): string;
  secret(name: SecretVariable, sandboxValue: string): string;
}

export function credentialsOf(raw: RawEnv, role: ProcessRole): Credentials {
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
  return { sandbox, required, secret };
}

/** The Graph API's settings and the WhatsApp credentials. */
export function whatsappOf(raw: RawEnv, credentials: Credentials): Config['whatsapp'] {
  return {
    apiBaseUrl: raw.WHATSAPP_API_BASE_URL.replace(/\/+$/, ''),
    accessToken: credentials.secret('WHATSAPP_ACCESS_TOKEN', SANDBOX_SECRETS.accessToken),
    phoneNumberId: credentials.required('WHATSAPP_PHONE_NUMBER_ID', '100000000000001'),
    appSecret: credentials.secret('WHATSAPP_APP_SECRET', SANDBOX_SECRETS.appSecret),
    verifyToken: credentials.secret('WHATSAPP_VERIFY_TOKEN', SANDBOX_SECRETS.verifyToken),
  };
}

/** ADMIN_TOKEN, long enough outside sandbox mode. */
export function adminTokenOf(credentials: Credentials): string {
  const adminToken = credentials.secret('ADMIN_TOKEN', SANDBOX_SECRETS.adminToken);
  if (!credentials.sandbox && adminToken !== '' && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `invalid environment variable ADMIN_TOKEN: must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters outside sandbox mode (e.g. openssl rand -hex 32)`,
    );
  }
  return adminToken;
}
