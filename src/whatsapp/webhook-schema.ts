import { z } from 'zod';

// Schemas for Meta's `messages` webhook. They are lenient on purpose: unknown
// fields are stripped, optional fields stay optional, and lists are parsed item by item (their
// items are `unknown` here) so one odd message cannot make the whole delivery fail. A non-200
// answer makes Meta redeliver for days, so the parser skips what it cannot read instead. Only the
// fields an item cannot do without are required; any other field of the wrong type reads as absent.

/** A numeric field Meta documents as a number but which some senders quote (zod 4 numbers are finite). */
const FiniteNumber = z.union([z.number(), z.string().trim().min(1).transform(Number)]).pipe(z.number());

/** Optional part that turns into `undefined` when malformed, so the caller can fall back. */
const part = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

export const WebhookBody = z.object({ object: z.string(), entry: z.array(z.unknown()) });
export type WebhookBody = z.infer<typeof WebhookBody>;

/** An id Meta sends as a string and some senders as a number; compared as the string. */
const IdText = z.union([z.string(), z.number().transform(String)]);

export const WebhookEntry = z.object({ id: part(IdText), changes: z.array(z.unknown()) });
export type WebhookEntry = z.infer<typeof WebhookEntry>;

export const WebhookChange = z.object({ field: z.string(), value: z.unknown() });
export type WebhookChange = z.infer<typeof WebhookChange>;

/** An error item as Meta puts it in `value.errors`, `messages[].errors` and `statuses[].errors`. */
export const WebhookErrorItem = z.object({
  code: FiniteNumber,
  title: part(z.string()),
  message: part(z.string()),
  error_data: part(z.object({ details: part(z.string()) })),
  href: part(z.string()),
});
export type WebhookErrorItem = z.infer<typeof WebhookErrorItem>;

export const WebhookContact = z.object({
  wa_id: part(z.string()),
  user_id: part(z.string()),
  parent_user_id: part(z.string()),
  profile: part(z.object({ name: part(z.string()), username: part(z.string()) })),
});
export type WebhookContact = z.infer<typeof WebhookContact>;

/** `value` of a `messages` change; each list item is validated separately by the parser. */
export const MessagesValue = z.object({
  messaging_product: part(z.string()),
  metadata: part(z.object({ display_phone_number: part(z.string()), phone_number_id: part(IdText) })),
  contacts: z.array(z.unknown()).optional().catch(undefined),
  messages: z.array(z.unknown()).optional().catch(undefined),
  statuses: z.array(z.unknown()).optional().catch(undefined),
  errors: z.array(z.unknown()).optional().catch(undefined),
  /** Coexistence: what the business sent from the WhatsApp Business app (`smb_message_echoes`, reference §5). */
  message_echoes: z.array(z.unknown()).optional().catch(undefined),
});
export type MessagesValue = z.infer<typeof MessagesValue>;

const TextPart = z.object({ body: z.string() });

const InteractivePart = z.object({
  type: z.string(),
  button_reply: part(z.object({ id: z.string(), title: z.string() })),
  list_reply: part(z.object({ id: z.string(), title: z.string(), description: z.string().optional() })),
});

/** A template quick-reply tap: no id, only the payload set when sending and the label. */
const ButtonPart = z.object({ payload: z.string().optional(), text: z.string() });

const MediaPart = z.object({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  url: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});

const LocationPart = z.object({
  latitude: FiniteNumber,
  longitude: FiniteNumber,
  name: z.string().optional(),
  address: z.string().optional(),
  url: z.string().optional(),
});

/** `emoji` is omitted when the user removed the reaction. */
const ReactionPart = z.object({ message_id: z.string().min(1), emoji: z.string().optional() });

const OrderPart = z.object({
  catalog_id: z.string().optional(),
  text: z.string().optional(),
  product_items: z.array(z.unknown()).optional(),
});

/** `body` names phone numbers and is never read; the typed fields carry the new and previous ids. */
const SystemPart = z.object({
  type: part(z.string()),
  body: part(z.string()),
  wa_id: part(z.string()),
  user_id: part(z.string()),
  parent_user_id: part(z.string()),
  previous_user_id: part(z.string()),
  previous_parent_user_id: part(z.string()),
});

const UnsupportedPart = z.object({ type: z.string().optional() });

/** The message as it reads after an edit: a text, or a media message with its (new) caption. */
const EditedMessage = z.object({
  type: z.string(),
  text: part(TextPart),
  image: part(z.object({ caption: z.string().optional() })),
  video: part(z.object({ caption: z.string().optional() })),
  document: part(z.object({ caption: z.string().optional() })),
});
export type EditedMessage = z.infer<typeof EditedMessage>;

/** The user edited an earlier message of theirs (WhatsApp Business app numbers, "Coexistence"). */
const EditPart = z.object({ original_message_id: z.string(), message: part(EditedMessage) });

/** The user deleted an earlier message of theirs for everyone. */
const RevokePart = z.object({ original_message_id: z.string() });

/** One `messages[]` item; `type` stays a plain string so future types still parse. */
export const WebhookMessage = z.object({
  id: z.string().min(1),
  from: part(z.string()),
  from_user_id: part(z.string()),
  from_parent_user_id: part(z.string()),
  timestamp: part(z.union([z.string(), z.number()])),
  type: z.string(),
  context: part(
    z.object({ id: z.string().optional(), from: z.string().optional(), forwarded: z.boolean().optional() }),
  ),
  text: part(TextPart),
  interactive: part(InteractivePart),
  button: part(ButtonPart),
  image: part(MediaPart),
  document: part(MediaPart),
  audio: part(MediaPart),
  video: part(MediaPart),
  sticker: part(MediaPart),
  location: part(LocationPart),
  reaction: part(ReactionPart),
  contacts: part(z.array(z.unknown())),
  order: part(OrderPart),
  system: part(SystemPart),
  unsupported: part(UnsupportedPart),
  edit: part(EditPart),
  revoke: part(RevokePart),
  errors: part(z.array(WebhookErrorItem)),
});
export type WebhookMessage = z.infer<typeof WebhookMessage>;

/**
 * One `message_echoes[]` item: a message the business sent from the WhatsApp Business app, shaped like
 * an inbound message (`text`, media, `edit`, `revoke`) but addressed `to` the user (phone, omitted for a
 * username user) and `to_user_id` (the BSUID, always); `from` is the business's own number.
 */
export const WebhookEcho = WebhookMessage.extend({
  to: part(z.string()),
  to_user_id: part(z.string()),
  to_parent_user_id: part(z.string()),
});
export type WebhookEcho = z.infer<typeof WebhookEcho>;

/** The delivery statuses the domain knows, of those WhatsApp reports in `statuses[]`. */
export const DeliveryStatus = z.enum(['sent', 'delivered', 'read', 'failed', 'played']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** One `statuses[]` item; `status` is any string so a new status value is skipped, not fatal. */
export const WebhookStatus = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: part(z.union([z.string(), z.number()])),
  recipient_id: part(z.string()),
  recipient_user_id: part(z.string()),
  // Meta's pages named the parent BSUID three ways in 2026; the current one first.
  recipient_parent_user_id: part(z.string()),
  parent_recipient_user_id: part(z.string()),
  parent_user_id: part(z.string()),
  // What the send put in biz_opaque_callback_data: the product's idempotency key of the message.
  biz_opaque_callback_data: part(z.string()),
  pricing: part(
    z.object({
      pricing_model: part(z.string()),
      category: part(z.string()),
      type: part(z.string()),
      billable: part(z.boolean()),
    }),
  ),
  errors: part(z.array(WebhookErrorItem)),
});
export type WebhookStatus = z.infer<typeof WebhookStatus>;

/** `value` of a `message_template_status_update` change (reference §5.8c); Meta sends the id as a number. */
export const TemplateStatusValue = z.object({
  event: z.string().min(1),
  message_template_id: part(z.union([z.string().min(1), z.number().int().nonnegative()])),
  message_template_name: part(z.string().min(1)),
  message_template_language: part(z.string().min(1)),
  reason: part(z.string().nullable()),
});
export type TemplateStatusValue = z.infer<typeof TemplateStatusValue>;
