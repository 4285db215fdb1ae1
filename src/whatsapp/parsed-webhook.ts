import type { InboundContent, InboundMessage, SenderIdentity, StatusUpdate } from '../../domain/types';
import type { TemplateStatusUpdate } from './parse-template-status';

// What parse-webhook.ts hands on, in its own module so that the parsers of each kind of item
// (parse-messages.ts, parse-statuses.ts) fill the same result without importing the entry point.

/** A system-, app- or account-level error reported in `value.errors`. */
export interface WebhookError {
  code: number;
  title: string;
  details?: string;
}

/** Why a message or status was set aside. */
export type WebhookQuarantineReason =
  /** Not an object with the fields every item has (a message's id and type, a status's id and status). */
  | 'malformed'
  /** An id holding U+0000 or an unpaired surrogate, or longer than MAX_ID_CHARS. */
  | 'invalid_id'
  /** A message naming neither a usable phone (`from`) nor a usable BSUID (`from_user_id`). */
  | 'invalid_sender'
  /** A message echo naming neither a usable phone (`to`) nor a usable BSUID (`to_user_id`). */
  | 'invalid_recipient'
  /** A status value the product does not know. */
  | 'unknown_status'
  /** An item of a change whose `metadata.phone_number_id` is another business number than ours. */
  | 'foreign_number';

/** One `messages[]` or `statuses[]` item that was not handed on, as it arrived. */
export interface QuarantinedItem {
  source: 'webhook_message' | 'webhook_status';
  reason: WebhookQuarantineReason;
  raw: unknown;
}

/**
 * A message the business sent from the WhatsApp Business app on the same number (coexistence,
 * `smb_message_echoes`): stored as the business's own outbound message, never handed to the bot.
 */
export interface EchoMessage {
  waMessageId: string;
  /** Whom it went to: `to_user_id` (the BSUID), `to` (the phone), `to_parent_user_id`, the username. */
  recipient: SenderIdentity;
  /** When the business sent it, epoch milliseconds. */
  sentAt: number;
  /** What it says, read like an inbound message of the same type. */
  content: InboundContent;
}

/**
 * Webhook fields Meta documents, as the label of an ignored change; any other name counts as `other`,
 * and a change, entry or value that cannot be read at all as `unreadable` (labels stay a small set).
 */
export const KNOWN_WEBHOOK_FIELDS = [
  'account_alerts',
  'account_review_update',
  'account_settings_update',
  'account_update',
  'automatic_events',
  'business_capability_update',
  'business_status_update',
  'calls',
  'flows',
  'group_lifecycle_update',
  'group_participants_update',
  'group_settings_update',
  'group_status_update',
  'history',
  'message_echoes',
  'message_template_components_update',
  'message_template_quality_update',
  'message_template_status_update',
  'messages',
  'partner_solutions',
  'payment_configuration_update',
  'phone_number_name_update',
  'phone_number_quality_update',
  'security',
  'smb_app_state_sync',
  'smb_message_echoes',
  'template_category_update',
  'tracking_events',
  'user_id_update',
  'user_preferences',
] as const;
export type IgnoredChangeLabel = (typeof KNOWN_WEBHOOK_FIELDS)[number] | 'other' | 'unreadable';

export interface ParsedWebhook {
  messages: InboundMessage[];
  /** Message echoes, in document order. */
  echoes: EchoMessage[];
  statuses: StatusUpdate[];
  errors: WebhookError[];
  /** Human-readable notes on what was skipped; safe to log (no phone numbers or message text). */
  ignored: string[];
  quarantined: QuarantinedItem[];
  /** `message_template_status_update` changes: a template approved, paused, disabled or rejected. */
  templateStatuses: TemplateStatusUpdate[];
  /** One label per change (or entry, or body) acknowledged and ignored; no personal data. */
  ignoredChanges: IgnoredChangeLabel[];
}

/**
 * Whose items the product acts on. A Meta app may serve several business numbers and accounts, and
 * signs all their webhooks with one secret: the signature alone does not make an item ours.
 */
export interface WebhookOwner {
  /** WHATSAPP_PHONE_NUMBER_ID: a change naming another `metadata.phone_number_id` is quarantined. */
  phoneNumberId: string;
  /** The WABA of the template catalogue; template status updates of any other entry are ignored. */
  businessAccountId: string | undefined;
}
