import type { InboundContent, MediaType } from '../../domain/types';
import {
  MAX_BUTTON_ID_CHARS,
  MAX_BUTTON_TITLE_CHARS,
  MAX_CAPTION_CHARS,
  MAX_ID_CHARS,
  MAX_ROW_DESCRIPTION_CHARS,
  MAX_ROW_ID_CHARS,
  MAX_ROW_TITLE_CHARS,
  MAX_TEMPLATE_BUTTON_CHARS,
  MAX_TEXT_CHARS,
} from '../../domain/whatsapp-limits';
import { clampNumber, cleanText, saneId } from './sanitize';
import type { WebhookMessage } from './webhook-schema';
import { clip, other, typeName } from './webhook-text';

// What a message or an echo says, by its type: every text cleaned and clamped to WhatsApp's own limit,
// every id kept exactly or not at all, a type the product cannot act on summed up in a short line.

const MEDIA_TYPES: readonly MediaType[] = ['image', 'document', 'audio', 'video', 'sticker'];

/** What the message says; undefined for an edit or deletion that cannot be applied to a message (quarantined). */
export function parseContent(m: WebhookMessage): InboundContent | undefined {
  // The raw type only selects a branch; a type that is stored is cleaned first.
  const type = m.type;
  const malformed: InboundContent = {
    kind: 'other',
    type: typeName(type),
    summary: `${clip(type)}: malformed payload`,
  };
  switch (type) {
    case 'text':
      return m.text ? { kind: 'text', text: cleanText(m.text.body, MAX_TEXT_CHARS) } : malformed;
    case 'interactive': {
      const i = m.interactive;
      if (!i) return malformed;
      if (i.type === 'button_reply') {
        if (!i.button_reply) return malformed;
        const { id, title } = i.button_reply;
        return {
          kind: 'button',
          id: cleanText(id, MAX_BUTTON_ID_CHARS),
          title: cleanText(title, MAX_BUTTON_TITLE_CHARS),
        };
      }
      if (i.type === 'list_reply') {
        if (!i.list_reply) return malformed;
        const { id, title, description } = i.list_reply;
        return {
          kind: 'list',
          id: cleanText(id, MAX_ROW_ID_CHARS),
          title: cleanText(title, MAX_ROW_TITLE_CHARS),
          ...(description === undefined ? {} : { description: cleanText(description, MAX_ROW_DESCRIPTION_CHARS) }),
        };
      }
      // e.g. nfm_reply (a WhatsApp Flow answer): nothing the conversation can act on.
      return { kind: 'other', type, summary: `interactive: ${clip(i.type)}` };
    }
    case 'button': {
      const b = m.button;
      if (!b) return malformed;
      const text = cleanText(b.text, MAX_TEMPLATE_BUTTON_CHARS);
      // Without a payload set at send time, Meta repeats the label.
      return { kind: 'template_button', payload: b.payload === undefined ? text : other(b.payload), text };
    }
    case 'location': {
      const l = m.location;
      if (!l) return malformed;
      return {
        kind: 'location',
        latitude: clampNumber(l.latitude, -90, 90),
        longitude: clampNumber(l.longitude, -180, 180),
        ...(l.name === undefined ? {} : { name: other(l.name) }),
        ...(l.address === undefined ? {} : { address: other(l.address) }),
      };
    }
    case 'reaction': {
      const r = m.reaction;
      if (!r) return malformed;
      // Removal omits the emoji; an empty string means the same.
      const emoji = r.emoji === undefined ? '' : other(r.emoji);
      return { kind: 'reaction', messageId: cleanText(r.message_id, MAX_ID_CHARS), ...(emoji ? { emoji } : {}) };
    }
    case 'contacts': {
      const n = m.contacts?.length ?? 0;
      return { kind: 'other', type, summary: `contacts: ${n} ${n === 1 ? 'contact' : 'contacts'}` };
    }
    case 'order': {
      const n = m.order?.product_items?.length ?? 0;
      return { kind: 'other', type, summary: `order: ${n} ${n === 1 ? 'item' : 'items'}` };
    }
    case 'system':
      // The body names phone numbers, so only the event type goes into the summary.
      return { kind: 'other', type, summary: `system: ${clip(m.system?.type?.replace(/_/g, ' ') || 'notification')}` };
    case 'edit':
      return editContent(m.edit);
    case 'revoke': {
      // Like every id handed on, the target is never cleaned: a changed id names another message.
      const target = m.revoke && saneId(m.revoke.original_message_id, MAX_ID_CHARS);
      return target === undefined ? undefined : { kind: 'revoke', messageId: target };
    }
    case 'unsupported': {
      const what = m.unsupported?.type ?? m.errors?.[0]?.title ?? 'unknown';
      return { kind: 'other', type, summary: `unsupported: ${clip(what)}` };
    }
  }
  if (isMediaType(type)) {
    const media = m[type];
    // The media id is fetched from the Graph API later: one that cannot be an id makes the message unreadable.
    const mediaId = media && saneId(media.id, MAX_ID_CHARS);
    if (!media || mediaId === undefined) return malformed;
    return {
      kind: 'media',
      mediaType: type,
      mediaId,
      ...(media.mime_type === undefined ? {} : { mimeType: other(media.mime_type) }),
      ...(media.caption === undefined ? {} : { caption: cleanText(media.caption, MAX_CAPTION_CHARS) }),
      ...(media.filename === undefined ? {} : { filename: other(media.filename) }),
      ...(media.sha256 === undefined ? {} : { sha256: other(media.sha256) }),
    };
  }
  return { kind: 'other', type: typeName(type), summary: `${clip(type)}: unknown message type` };
}

/**
 * The edited message's id and its new text: a text's body, or a media message's caption (empty when
 * the caption was removed). WhatsApp lets users edit nothing else.
 */
function editContent(edit: WebhookMessage['edit']): InboundContent | undefined {
  const target = edit && saneId(edit.original_message_id, MAX_ID_CHARS);
  const message = edit?.message;
  if (target === undefined || message === undefined) return undefined;
  let text: string | undefined;
  if (message.type === 'text') {
    text = message.text && cleanText(message.text.body, MAX_TEXT_CHARS);
  } else if (message.type === 'image' || message.type === 'video' || message.type === 'document') {
    const media = message[message.type];
    text = media && cleanText(media.caption ?? '', MAX_CAPTION_CHARS);
  }
  return text === undefined ? undefined : { kind: 'edit', messageId: target, text };
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}
