import { MAX_ID_CHARS } from '../../domain/whatsapp-limits';
import { parseContent } from './parse-content';
import { identityChangeOf, findContact, profileNameOf, recipientOf, senderOf } from './parse-identity';
import { eachItem, type ValueScope } from './parse-items';
import { saneId, saneTime } from './sanitize';
import { WebhookEcho, WebhookMessage } from './webhook-schema';
import { clip } from './webhook-text';

// A value's `messages[]` (what students send, handed to the bot) and `message_echoes[]` (what the
// business sent from the WhatsApp Business app, stored as its own). Both are read the same way: an id
// that can be stored, someone it is from or to, and content; an item lacking one is set aside.

/** Reads `messages[]` into `out.messages`, each stamped with `receivedAt`. */
export function parseMessages(list: unknown[], scope: ValueScope): void {
  const { contacts, receivedAt, out, setAside } = scope;
  const kind = { source: 'webhook_message', key: 'messages', required: 'id or type' } as const;
  eachItem(list, WebhookMessage, kind, scope, (m, id, raw) => {
    const sender = senderOf(m, contacts);
    if (sender === undefined) {
      return setAside('webhook_message', 'invalid_sender', raw, `message ${clip(id)} has no usable sender`);
    }
    const profileName = profileNameOf(findContact(contacts, sender));
    const identityChange = identityChangeOf(m);
    const contextId = m.context?.id === undefined ? undefined : saneId(m.context.id, MAX_ID_CHARS);
    const content = parseContent(m);
    if (content === undefined) {
      return setAside(
        'webhook_message',
        'malformed',
        raw,
        `${clip(m.type)} ${clip(id)} names no usable message or new text`,
      );
    }
    out.messages.push({
      waMessageId: id,
      sender,
      ...(identityChange === undefined ? {} : { identityChange }),
      ...(profileName === undefined ? {} : { profileName }),
      sentAt: saneTime(m.timestamp, receivedAt),
      receivedAt,
      ...(contextId === undefined ? {} : { contextId }),
      content,
    });
  });
}

/** Reads `message_echoes[]` into `out.echoes`. */
export function parseEchoes(list: unknown[], scope: ValueScope): void {
  const { contacts, receivedAt, out, setAside } = scope;
  const kind = { source: 'webhook_message', key: 'message_echoes', required: 'id or type' } as const;
  eachItem(list, WebhookEcho, kind, scope, (m, id, raw) => {
    const recipient = recipientOf(m, contacts);
    if (recipient === undefined)
      return setAside('webhook_message', 'invalid_recipient', raw, `echo ${clip(id)} has no usable recipient`);
    const content = parseContent(m);
    if (content === undefined) {
      return setAside('webhook_message', 'malformed', raw, `echo ${clip(m.type)} ${clip(id)} names no usable message`);
    }
    out.echoes.push({ waMessageId: id, recipient, sentAt: saneTime(m.timestamp, receivedAt), content });
  });
}
