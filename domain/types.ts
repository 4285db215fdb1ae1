// Domain types shared by the workflow, the activities and the HTTP server.
// Everything here crosses Temporal's JSON payload converter, so it is plain data only.

import type { Priority, SupportPolicy } from './support-policy';

/** Media kinds WhatsApp delivers with a downloadable media id. */
export type MediaType = 'image' | 'document' | 'audio' | 'video' | 'sticker';

/** What an inbound WhatsApp message says, reduced to what the conversation needs. */
export type InboundContent =
  | { kind: 'text'; text: string }
  /** A tap on a reply button (interactive.button_reply). */
  | { kind: 'button'; id: string; title: string }
  /** A pick from a list message (interactive.list_reply). */
  | { kind: 'list'; id: string; title: string; description?: string }
  /** A tap on a template quick-reply button (type "button"): no id, only payload and label. */
  | { kind: 'template_button'; payload: string; text: string }
  | {
      kind: 'media';
      mediaType: MediaType;
      mediaId: string;
      mimeType?: string;
      caption?: string;
      filename?: string;
      sha256?: string;
    }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  /** A reaction to one of our messages; `emoji` is absent when the user removed it. */
  | { kind: 'reaction'; messageId: string; emoji?: string }
  /** The user edited an earlier message (`messageId`): its new text or caption. */
  | { kind: 'edit'; messageId: string; text: string }
  /** The user deleted an earlier message (`messageId`) for everyone. */
  | { kind: 'revoke'; messageId: string }
  /**
   * Anything the bot cannot act on: `unsupported`, `system`, `order`, `contacts`, or a type Meta adds
   * later. `type` is WhatsApp's type name; `summary` a short human-readable description for the store.
   */
  | { kind: 'other'; type: string; summary: string };

export type InboundKind = InboundContent['kind'];

/** One inbound WhatsApp message, as the webhook hands it to the conversation workflow. */
export interface InboundMessage {
  /** WhatsApp's message id (`wamid.…`): the idempotency key of the whole pipeline. */
  waMessageId: string;
  /** Who sent it, as the webhook named them: the contact is resolved from this before the workflow sees it. */
  sender: SenderIdentity;
  /** New identifiers the message brings (a changed number or BSUID, a shared number), linked by the webhook. */
  identityChange?: IdentityChange;
  /** The name on the user's WhatsApp profile, when the webhook carries it. */
  profileName?: string;
  /** When the user sent it, epoch milliseconds (WhatsApp sends seconds). */
  sentAt: number;
  /** When our webhook received it, epoch milliseconds. */
  receivedAt: number;
  /** The wamid of the message this one replies to (taps carry the message that held the button). */
  contextId?: string;
  content: InboundContent;
}

/** A delivery status WhatsApp reports for a message we sent. */
export type DeliveryStatusName = 'sent' | 'delivered' | 'read' | 'failed' | 'played';

export interface StatusUpdate {
  waMessageId: string;
  status: DeliveryStatusName;
  /** Epoch milliseconds. */
  timestamp: number;
  /** The recipient's phone (digits), when Meta shows it. */
  recipientId?: string;
  /** The recipient's BSUID and parent BSUID, when Meta shows them. */
  recipientUserId?: string;
  recipientParentUserId?: string;
  /** What WhatsApp bills for the message: on `sent` and on one of `delivered`/`read`. */
  pricing?: MessagePricing;
  errorCode?: number;
  errorTitle?: string;
  /**
   * The send's `biz_opaque_callback_data` echoed back: the message's idempotency key, which finds a
   * row whose wamid was never stored (a crash between WhatsApp's answer and the store).
   */
  callbackData?: string;
}

/** A status's `pricing` object; `billable` is deprecated by Meta but kept when present. */
export interface MessagePricing {
  pricingModel?: string;
  category?: string;
  type?: string;
  billable?: boolean;
}

/**
 * The identifiers Meta showed for one user: the phone number (digits), the business-scoped user id
 * (BSUID), the parent BSUID and the username. Any of the first three may be absent; at least one of
 * the phone and the BSUID is present on anything the product handles. The username is display only.
 */
export interface SenderIdentity {
  phone?: string;
  bsuid?: string;
  parentBsuid?: string;
  username?: string;
}

/**
 * A `system` message telling that the user changed their number (`user_changed_number`, with the new
 * phone) or only their BSUID (`user_changed_user_id`), or the user's own number shared in answer to a
 * contact-info request (`contact_request`). The sender identity names the identifiers known before.
 */
export interface IdentityChange {
  type: 'user_changed_number' | 'user_changed_user_id' | 'contact_request';
  phone?: string;
  bsuid?: string;
  parentBsuid?: string;
}

/** Where a message to a contact goes: `to` the phone when known, otherwise `recipient` the BSUID. */
export type Recipient = { phone: string; bsuid?: string } | { phone?: undefined; bsuid: string };

export interface ReplyButton {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title: string;
  rows: ListRow[];
}

/** One value filled into a template: named (`parameter_name`) or positional (in order), in its header or body. */
export interface TemplateParameter {
  component: 'header' | 'body';
  name?: string;
  text: string;
}

/**
 * An approved WhatsApp message template, the only message WhatsApp accepts outside the 24-hour
 * window. `rendered` is its text with the parameters filled in, as the history shows it.
 */
export interface TemplateContent {
  kind: 'template';
  name: string;
  language: string;
  parameters: TemplateParameter[];
  rendered: string;
  /**
   * Payloads of the template's quick-reply buttons, by position (WhatsApp hands a tapped one back as
   * the reply's payload). The chat-rating template's are `csat_1` … `csat_5`.
   */
  quickReplies?: string[];
}

/** Media kinds an agent can attach (WhatsApp's upload limits: domain/whatsapp-limits.ts). */
export type AttachmentType = 'image' | 'document' | 'audio' | 'video';

/**
 * A file an agent attached, stored in Postgres (`fileId`: its row in `media`) and uploaded to WhatsApp
 * when it is sent; sent by the uploaded media id, never by a link.
 */
export interface MediaContent {
  kind: 'media';
  mediaType: AttachmentType;
  fileId: number;
  mimeType: string;
  filename?: string;
  caption?: string;
}

/**
 * WhatsApp's `request_contact_info` interactive message: `body` above a button that shares the student's
 * phone number with us (reference: whatsapp-identity.md §3.7). The answer is a `contacts` message with
 * `origin: contact_request`.
 */
export interface ContactRequestContent {
  kind: 'contact_request';
  body: string;
}

/** What the bot or an agent sends; the WhatsApp client turns it into a Graph API body. */
export type OutboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'buttons'; body: string; buttons: ReplyButton[]; header?: string; footer?: string }
  | { kind: 'list'; body: string; button: string; sections: ListSection[]; header?: string; footer?: string }
  | TemplateContent
  | MediaContent
  | ContactRequestContent;

export type OutboundKind = OutboundContent['kind'];

/** Product settings the workflow needs; activities hand them over so config changes reach running conversations. */
export interface ConversationSettings {
  botName: string;
  payment: { planName: string; planPrice: number; linkTemplate: string };
  timers: {
    chatIdleReminderMs: number;
    chatIdleTimeoutMs: number;
    flowIdleTimeoutMs: number;
    paymentTimeoutMs: number;
  };
  /** New chats are given to an available agent holding fewer than `capacity` chats (CHAT_AUTO_ASSIGN). */
  autoAssign?: { capacity: number };
  /** The approved template that asks for a chat's rating once the 24-hour window has closed (CSAT_TEMPLATE_*). */
  csatTemplate?: { name: string; language: string };
  /**
   * The support team's business hours and SLA targets (SPEC §7.6), as of the activity that handed these
   * settings over; absent (a worker before them): always open, no SLA.
   */
  support?: SupportPolicy;
}

/** How many timed-out payments stay confirmable: a late payment is rare, an old link rarer still. */
export const EXPIRED_PAYMENTS_KEPT = 5;

/**
 * What Postgres holds about a conversation: enough for a workflow run without an earlier run's state
 * to go on where the conversation was. Times are epoch ms.
 */
export interface StoredConversation {
  lastInboundAt?: number;
  /** Set once the student registered. */
  profile?: { fullName: string; email: string; className: string };
  subscriptionActiveUntil?: number;
  homeworkCount: number;
  openChat?: {
    sessionKey: string;
    startedBy: string;
    startedAt: number;
    agentReplied: boolean;
    /** When the chat reached the team (absent: at its start). */
    availableAt?: number;
    slaFirstResponse?: 'met' | 'breached';
    slaResolution?: 'met' | 'breached';
    escalated?: boolean;
  };
  /** The conversation's priority (conversations.priority). */
  priority?: Priority;
  pendingPayment?: { reference: string; amount: number; createdAt: number };
  /** The latest payments that timed out, oldest first: money that arrives late still counts. */
  expiredPayments?: string[];
  /** Epoch ms since when the student wants no campaign messages (they wrote STOP). */
  campaignOptedOutAt?: number;
}
