import fc from 'fast-check';
import type { InboundMessage } from '../../domain/types';
import { MAX_CAPTION_CHARS, MAX_ID_CHARS, MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import { parseWebhook, WebhookBodyError, type ParsedWebhook } from '../../src/whatsapp/parse-webhook';
import {
  INT4_MAX,
  INT4_MIN,
  isStorableText,
  MAX_TIMESTAMP_AGE_MS,
  MAX_TIMESTAMP_AHEAD_MS,
} from '../../src/whatsapp/sanitize';
import { fixtureJson } from '../helpers/fixtures';

const RECEIVED_AT = 1_788_000_999_000;
const ANA = { profile: { name: 'Ana Souza' }, wa_id: '15550002222' };

/** A `messages` webhook in Meta's envelope with one change holding `value` (metadata added). */
function webhook(value: Record<string, unknown>, field = 'messages'): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102000000000001',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
              ...value,
            },
            field,
          },
        ],
      },
    ],
  };
}

/** One inbound message from Ana of the given type, with the type-specific part. */
function messageOf(type: string, part: Record<string, unknown>): unknown {
  return webhook({
    contacts: [ANA],
    messages: [{ from: '15550002222', id: 'wamid.TEST1', timestamp: '1788000100', type, ...part }],
  });
}

function onlyMessage(body: unknown): InboundMessage {
  const parsed = parseWebhook(body, RECEIVED_AT);
  expect(parsed.messages).toHaveLength(1);
  return parsed.messages[0]!;
}

describe('parseWebhook with the recorded fixtures', () => {
  it('maps a text message with sender, profile name and timestamps', () => {
    const parsed = parseWebhook(fixtureJson('text-message.json'), RECEIVED_AT);
    expect(parsed).toEqual({
      messages: [
        {
          waMessageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=',
          sender: { phone: '15550002222' },
          profileName: 'Ana Souza',
          sentAt: 1_788_000_000_000,
          receivedAt: RECEIVED_AT,
          content: { kind: 'text', text: "Hi, my order #A1234 hasn't arrived yet. Can you help?" },
        },
      ],
      echoes: [],
      statuses: [],
      errors: [],
      ignored: [],
      quarantined: [],
      templateStatuses: [],
      ignoredChanges: [],
    });
  });

  it('maps a reply-button tap with the message that carried the buttons as context', () => {
    const message = onlyMessage(fixtureJson('button-reply.json'));
    expect(message.contextId).toBe('wamid.HBgLMTU1NTAwMDIyMjIVAgARGBJGQTRFMDAwMDAwMDAwMDAwMDEA');
    expect(message.content).toEqual({ kind: 'button', id: 'track_order', title: 'Track my order' });
    expect(message.sentAt).toBe(1_788_000_065_000);
  });

  it('maps a list pick including its description', () => {
    const message = onlyMessage(fixtureJson('list-reply.json'));
    expect(message.contextId).toBe('wamid.HBgLMTU1NTAwMDIyMjIVAgARGBJGQTRFMDAwMDAwMDAwMDAwMDIA');
    expect(message.content).toEqual({
      kind: 'list',
      id: 'refund_request',
      title: 'Request a refund',
      description: 'Start a refund for a recent order',
    });
  });

  it('maps an image to media with id, mime type, sha256 and caption', () => {
    expect(onlyMessage(fixtureJson('image-message.json')).content).toEqual({
      kind: 'media',
      mediaType: 'image',
      mediaId: '1000000000000001',
      mimeType: 'image/jpeg',
      caption: 'Photo of the damaged box',
      sha256: 'o1D6mAtBr38u8nE0qH4fjzrJaNkXoD80PoY4hD0RBe8=',
    });
  });

  it('visits every entry, change, message and status of a batch in document order', () => {
    const parsed = parseWebhook(fixtureJson('multi-entry-batch.json'), RECEIVED_AT);
    expect(parsed.messages.map((m) => [m.sender.phone, m.profileName, m.content.kind, m.sentAt])).toEqual([
      ['15550003333', 'Ben Carter', 'text', 1_788_000_400_000],
      ['15550004444', 'Chen Li', 'text', 1_788_000_401_000],
      ['15550004444', 'Chen Li', 'location', 1_788_000_403_000],
    ]);
    expect(parsed.messages[2]!.content).toEqual({
      kind: 'location',
      latitude: 37.4421,
      longitude: -122.1616,
      name: 'New delivery address',
      address: '1 Example Plaza, Springfield, ST 00000',
    });
    expect(parsed.statuses).toEqual([
      {
        waMessageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgARGBJGQTRFMDAwMDAwMDAwMDAwMDMA',
        status: 'read',
        timestamp: 1_788_000_405_000,
        recipientId: '15550002222',
      },
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('maps a delivered status with its timestamp in milliseconds', () => {
    expect(parseWebhook(fixtureJson('status-delivered.json'), RECEIVED_AT).statuses).toEqual([
      {
        waMessageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgARGBJGQTRFMDAwMDAwMDAwMDAwMDMA',
        status: 'delivered',
        timestamp: 1_788_000_262_000,
        recipientId: '15550002222',
        pricing: { billable: false, pricingModel: 'PMP', type: 'free_customer_service', category: 'service' },
      },
    ]);
  });

  it('carries the error code and title of a failed status', () => {
    const parsed = parseWebhook(fixtureJson('status-failed.json'), RECEIVED_AT);
    expect(parsed.messages).toEqual([]);
    expect(parsed.statuses).toEqual([
      {
        waMessageId: 'wamid.HBgLMTU1NTAwMDMzMzMVAgARGBJGQTRFMDAwMDAwMDAwMDAwMDEA',
        status: 'failed',
        timestamp: 1_788_000_300_000,
        recipientId: '15550003333',
        errorCode: 131026,
        errorTitle: 'Message undeliverable',
      },
    ]);
  });

  it('turns an unsupported message into other with its unsupported type', () => {
    const message = onlyMessage(fixtureJson('unsupported-message.json'));
    expect(message.profileName).toBe('Ben Carter');
    expect(message.content).toEqual({ kind: 'other', type: 'unsupported', summary: 'unsupported: edit' });
  });

  it('maps an edit to the id of the edited message and its new text', () => {
    const message = onlyMessage(fixtureJson('edit-message.json'));
    expect(message).toMatchObject({
      waMessageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwNQA=',
      sender: { phone: '15550002222' },
      sentAt: 1_788_000_700_000,
    });
    expect(message.content).toEqual({
      kind: 'edit',
      messageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=',
      text: 'Hello, I meant question 4',
    });
  });

  it('maps a revoke to the id of the deleted message', () => {
    const message = onlyMessage(fixtureJson('revoke-message.json'));
    expect(message.waMessageId).toBe('wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwNgA=');
    expect(message.content).toEqual({
      kind: 'revoke',
      messageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=',
    });
  });
});

describe('parseWebhook with edits and deletions', () => {
  const edit = (message: unknown, original: unknown = 'wamid.IN1') =>
    messageOf('edit', { edit: { original_message_id: original, message } });

  it('takes the new caption of an edited photo, video or document, empty when it was removed', () => {
    for (const type of ['image', 'video', 'document']) {
      const captioned = edit({ type, [type]: { caption: 'page 2 of my homework' } });
      const removed = edit({ type, [type]: {} });
      expect(onlyMessage(captioned).content).toEqual({
        kind: 'edit',
        messageId: 'wamid.IN1',
        text: 'page 2 of my homework',
      });
      expect(onlyMessage(removed).content).toEqual({ kind: 'edit', messageId: 'wamid.IN1', text: '' });
    }
  });

  it('cleans and clamps the new text like any text', () => {
    const long = edit({ type: 'text', text: { body: `a\0b${'x'.repeat(MAX_TEXT_CHARS)}` } });
    const caption = edit({ type: 'image', image: { caption: 'c'.repeat(MAX_CAPTION_CHARS + 5) } });
    const text = (body: unknown) => (onlyMessage(body).content as { text: string }).text;
    expect(text(long)).toBe(`ab${'x'.repeat(MAX_TEXT_CHARS - 2)}`);
    expect(text(caption)).toBe('c'.repeat(MAX_CAPTION_CHARS));
  });

  const item = (type: string, part: Record<string, unknown>) => ({
    from: '15550002222',
    id: 'wamid.TEST1',
    timestamp: '1788000100',
    type,
    ...part,
  });
  const editItem = (message: unknown, original: unknown = 'wamid.IN1') =>
    item('edit', { edit: { original_message_id: original, message } });
  const newText = { type: 'text', text: { body: 'x' } };

  it.each([
    ['no edit part', item('edit', {})],
    ['no original_message_id', item('edit', { edit: { message: newText } })],
    ['an empty original_message_id', editItem(newText, '')],
    ['an original_message_id that is a number', editItem(newText, 42)],
    ['an original_message_id holding U+0000', editItem(newText, 'wamid.\0')],
    ['an original_message_id too long to be one', editItem(newText, 'w'.repeat(MAX_ID_CHARS + 1))],
    ['no new message', item('edit', { edit: { original_message_id: 'wamid.IN1' } })],
    ['a text without its body', editItem({ type: 'text', text: {} })],
    ['a type that cannot be edited', editItem({ type: 'sticker', sticker: { id: '1' } })],
    ['no revoke part', item('revoke', {})],
    ['a revoke without original_message_id', item('revoke', { revoke: {} })],
    ['a revoke with an empty original_message_id', item('revoke', { revoke: { original_message_id: '' } })],
    ['a revoke with an unpaired surrogate in the id', item('revoke', { revoke: { original_message_id: 'w\ud800' } })],
  ])('quarantines an edit or revoke with %s as malformed', (_what, raw) => {
    const parsed = parseWebhook(webhook({ contacts: [ANA], messages: [raw] }), RECEIVED_AT);
    expect(parsed.messages).toEqual([]);
    expect(parsed.quarantined).toEqual([{ source: 'webhook_message', reason: 'malformed', raw }]);
    expect(parsed.ignored).toEqual([expect.stringMatching(/^(edit|revoke) wamid\.TEST1 names no usable message/)]);
  });

  it('keeps an unsupported message whose unsupported type is edit as other', () => {
    const body = messageOf('unsupported', { unsupported: { type: 'edit' } });
    expect(onlyMessage(body).content).toEqual({ kind: 'other', type: 'unsupported', summary: 'unsupported: edit' });
  });
});

describe('parseWebhook with the other message types of the reference', () => {
  const media = {
    mime_type: 'application/pdf',
    sha256: 'c2hhMjU2',
    id: '2000000000000001',
    url: 'https://example.test/m',
  };

  it.each([
    [
      'document',
      { ...media, filename: 'receipt.pdf', caption: 'My receipt' },
      { filename: 'receipt.pdf', caption: 'My receipt' },
    ],
    ['audio', { ...media, mime_type: 'audio/ogg; codecs=opus', voice: true }, { mimeType: 'audio/ogg; codecs=opus' }],
    [
      'video',
      { ...media, mime_type: 'video/mp4', caption: 'Unboxing' },
      { mimeType: 'video/mp4', caption: 'Unboxing' },
    ],
    ['sticker', { ...media, mime_type: 'image/webp', animated: false }, { mimeType: 'image/webp' }],
  ])('maps %s to media', (type, part, expected) => {
    expect(onlyMessage(messageOf(type, { [type]: part })).content).toEqual({
      kind: 'media',
      mediaType: type,
      mediaId: '2000000000000001',
      mimeType: 'application/pdf',
      sha256: 'c2hhMjU2',
      ...expected,
    });
  });

  it('maps a location without optional name or address', () => {
    const body = messageOf('location', { location: { latitude: 37.44221496582, longitude: -122.16165924072 } });
    expect(onlyMessage(body).content).toEqual({
      kind: 'location',
      latitude: 37.44221496582,
      longitude: -122.16165924072,
    });
  });

  it('maps a reaction and a reaction removal (emoji omitted)', () => {
    const added = messageOf('reaction', { reaction: { message_id: 'wamid.OUT1', emoji: '👍' } });
    const removed = messageOf('reaction', { reaction: { message_id: 'wamid.OUT1' } });
    expect(onlyMessage(added).content).toEqual({ kind: 'reaction', messageId: 'wamid.OUT1', emoji: '👍' });
    expect(onlyMessage(removed).content).toEqual({ kind: 'reaction', messageId: 'wamid.OUT1' });
  });

  it('maps a template quick-reply tap (type button) with payload and label', () => {
    const body = messageOf('button', {
      context: { from: '15550001111', id: 'wamid.TEMPLATE1' },
      button: { payload: 'unsubscribe-payload', text: 'Unsubscribe' },
    });
    const message = onlyMessage(body);
    expect(message.content).toEqual({ kind: 'template_button', payload: 'unsubscribe-payload', text: 'Unsubscribe' });
    expect(message.contextId).toBe('wamid.TEMPLATE1');
  });

  it('keeps an unknown interactive subtype such as nfm_reply as other', () => {
    const body = messageOf('interactive', {
      interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{"a":1}', body: 'Sent', name: 'flow' } },
    });
    expect(onlyMessage(body).content).toEqual({
      kind: 'other',
      type: 'interactive',
      summary: 'interactive: nfm_reply',
    });
  });

  it('summarises shared contacts and orders', () => {
    const contacts = messageOf('contacts', {
      contacts: [{ name: { formatted_name: 'A B' } }, { name: { formatted_name: 'C D' } }],
    });
    const order = messageOf('order', {
      order: {
        catalog_id: 'cat1',
        product_items: [
          { product_retailer_id: 'p1', quantity: 1, item_price: 10, currency: 'USD' },
          { product_retailer_id: 'p2', quantity: 3, item_price: 5, currency: 'USD' },
        ],
      },
    });
    expect(onlyMessage(contacts).content).toEqual({ kind: 'other', type: 'contacts', summary: 'contacts: 2 contacts' });
    expect(onlyMessage(order).content).toEqual({ kind: 'other', type: 'order', summary: 'order: 2 items' });
  });

  it('maps a system message that has no contacts array, without a profile name', () => {
    const body = webhook({
      messages: [
        {
          from: '15550002222',
          id: 'wamid.SYS1',
          timestamp: '1788000100',
          type: 'system',
          system: {
            body: 'Ana changed from 15550002222 to 15550009999',
            new_wa_id: '15550009999',
            type: 'customer_changed_number',
          },
        },
      ],
    });
    const message = onlyMessage(body);
    expect(message.profileName).toBeUndefined();
    expect(message.content).toEqual({ kind: 'other', type: 'system', summary: 'system: customer changed number' });
  });

  it('keeps a message of a type Meta adds later as other', () => {
    const message = onlyMessage(messageOf('poll_vote', { poll_vote: { option: 1 } }));
    expect(message.content).toEqual({ kind: 'other', type: 'poll_vote', summary: 'poll_vote: unknown message type' });
  });

  it('turns a message with a malformed image part into other instead of throwing', () => {
    const message = onlyMessage(messageOf('image', { image: { caption: 'no id here', mime_type: 42 } }));
    expect(message.waMessageId).toBe('wamid.TEST1');
    expect(message.content).toEqual({ kind: 'other', type: 'image', summary: 'image: malformed payload' });
  });
});

describe('parseWebhook with what is not a user message', () => {
  it('returns value-level errors and no messages', () => {
    const body = webhook({
      errors: [
        {
          code: 130429,
          title: 'Rate limit hit',
          message: 'Rate limit hit',
          error_data: { details: 'Cloud API message throughput has been reached.' },
          href: '/documentation/business-messaging/whatsapp/support/error-codes',
        },
      ],
    });
    expect(parseWebhook(body, RECEIVED_AT)).toEqual({
      messages: [],
      statuses: [],
      errors: [{ code: 130429, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' }],
      echoes: [],
      ignored: [],
      quarantined: [],
      templateStatuses: [],
      ignoredChanges: [],
    });
  });

  it('notes another subscribed field and parses nothing from it', () => {
    const body = webhook(
      { ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE' }, messages: [{ id: 'x', from: '1', type: 'text' }] },
      'account_update',
    );
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual(['entry[0].changes[0]: field "account_update" is not handled']);
    expect(parsed.ignoredChanges).toEqual(['account_update']);
  });

  it('notes another object type and parses nothing from it', () => {
    const body = { object: 'page', entry: [{ id: '1', changes: [{ field: 'messages', value: {} }] }] };
    expect(parseWebhook(body, RECEIVED_AT)).toEqual({
      messages: [],
      statuses: [],
      errors: [],
      echoes: [],
      ignored: ['object "page" is not whatsapp_business_account'],
      quarantined: [],
      templateStatuses: [],
      ignoredChanges: ['unreadable'],
    });
  });

  it('skips a status with an unknown status string and keeps the known ones', () => {
    const body = webhook({
      statuses: [
        { id: 'wamid.OUT1', status: 'deleted', timestamp: '1788000100', recipient_id: '15550002222' },
        { id: 'wamid.OUT1', status: 'played', timestamp: '1788000101', recipient_id: '15550002222' },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.statuses.map((s) => s.status)).toEqual(['played']);
    expect(parsed.ignored).toEqual(['status "deleted" of wamid.OUT1 is not handled']);
  });

  it('skips a message without a usable sender and keeps the next one', () => {
    const body = webhook({
      contacts: [ANA],
      messages: [
        { id: 'wamid.NOFROM', timestamp: '1788000100', type: 'text', text: { body: 'a' } },
        { from: '15550002222', id: 'wamid.OK', timestamp: '1788000101', type: 'text', text: { body: 'b' } },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.waMessageId)).toEqual(['wamid.OK']);
    expect(parsed.ignored).toEqual(['message wamid.NOFROM has no usable sender']);
  });

  it.each([
    ['null', null],
    ['a string', '{"object":"whatsapp_business_account"}'],
    ['an array', [{ object: 'whatsapp_business_account', entry: [] }]],
    ['an object without entry', { object: 'whatsapp_business_account' }],
    ['an object whose entry is not an array', { object: 'whatsapp_business_account', entry: {} }],
    ['an object without object', { entry: [] }],
  ])('throws WebhookBodyError for %s', (_label, body) => {
    expect(() => parseWebhook(body, RECEIVED_AT)).toThrow(WebhookBodyError);
  });

  it('names the error WebhookBodyError and lists the issues', () => {
    let caught: unknown;
    try {
      parseWebhook({ object: 'whatsapp_business_account' }, RECEIVED_AT);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WebhookBodyError);
    expect((caught as WebhookBodyError).name).toBe('WebhookBodyError');
    expect((caught as WebhookBodyError).issues).toEqual([expect.stringContaining('entry')]);
  });
});

/** Every string anywhere in `value`, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  }
  return [];
}

/** What the store and Temporal need of a parse: storable strings, times a Date and Postgres hold, int4 codes. */
function expectStorable(parsed: ParsedWebhook): void {
  const handedOn = { messages: parsed.messages, statuses: parsed.statuses, errors: parsed.errors };
  for (const text of stringsIn(handedOn)) {
    expect(isStorableText(text)).toBe(true);
    expect([...text].length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
  }
  const times = [
    ...parsed.messages.flatMap((m) => [m.sentAt, m.receivedAt]),
    ...parsed.statuses.map((s) => s.timestamp),
  ];
  for (const at of times) {
    expect(at).toBeGreaterThanOrEqual(RECEIVED_AT - MAX_TIMESTAMP_AGE_MS);
    expect(at).toBeLessThanOrEqual(RECEIVED_AT + MAX_TIMESTAMP_AHEAD_MS);
  }
  for (const code of [...parsed.statuses.map((s) => s.errorCode ?? 0), ...parsed.errors.map((e) => e.code)]) {
    expect(Number.isInteger(code) && code >= INT4_MIN && code <= INT4_MAX).toBe(true);
  }
  for (const m of parsed.messages) expect(m.waMessageId.length).toBeLessThanOrEqual(MAX_ID_CHARS);
}

describe('parseWebhook with values WhatsApp could never have sent', () => {
  const text = (body: string) => ({ text: { body } });

  it('drops U+0000 from a text, a profile name and a caption, and mends unpaired surrogates', () => {
    const body = webhook({
      contacts: [{ profile: { name: 'Ana\0 Souza\udc00' }, wa_id: '15550002222' }],
      messages: [
        { from: '15550002222', id: 'wamid.T1', timestamp: '1788000100', type: 'text', ...text('hi\0 there\ud800!') },
        {
          from: '15550002222',
          id: 'wamid.T2',
          timestamp: '1788000101',
          type: 'image',
          image: { id: '1000000000000001', caption: 'box\0\udbff' },
        },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.profileName)).toEqual(['Ana Souza\uFFFD', 'Ana Souza\uFFFD']);
    expect(parsed.messages[0]!.content).toEqual({ kind: 'text', text: 'hi there\uFFFD!' });
    expect(parsed.messages[1]!.content).toMatchObject({ kind: 'media', caption: 'box\uFFFD' });
    expect(parsed.quarantined).toEqual([]);
  });

  it("cuts a text and a caption to WhatsApp's limits in code points, never splitting an emoji", () => {
    const long = 'a' + '😀'.repeat(5000);
    const body = webhook({
      contacts: [ANA],
      messages: [
        { from: '15550002222', id: 'wamid.T1', timestamp: '1788000100', type: 'text', ...text(long) },
        { from: '15550002222', id: 'wamid.T2', type: 'video', video: { id: '7', caption: long } },
      ],
    });
    const [first, second] = parseWebhook(body, RECEIVED_AT).messages;
    expect(first!.content).toEqual({ kind: 'text', text: 'a' + '😀'.repeat(MAX_TEXT_CHARS - 1) });
    expect(second!.content).toMatchObject({ caption: 'a' + '😀'.repeat(MAX_CAPTION_CHARS - 1) });
  });

  it('stamps the receipt time on a message or status whose timestamp is out of any sane range', () => {
    const body = webhook({
      contacts: [ANA],
      messages: [
        { from: '15550002222', id: 'wamid.T1', timestamp: '1e20', type: 'text', ...text('a') },
        { from: '15550002222', id: 'wamid.T2', timestamp: 8.64e15, type: 'text', ...text('b') },
        { from: '15550002222', id: 'wamid.T3', timestamp: { seconds: 1 }, type: 'text', ...text('c') },
        { from: '15550002222', id: 'wamid.T4', timestamp: '1788000100', type: 'text', ...text('d') },
      ],
      statuses: [{ id: 'wamid.OUT1', status: 'sent', timestamp: '-99999999999', recipient_id: '15550002222' }],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.sentAt)).toEqual([RECEIVED_AT, RECEIVED_AT, RECEIVED_AT, 1_788_000_100_000]);
    expect(parsed.statuses[0]!.timestamp).toBe(RECEIVED_AT);
  });

  it('clamps an error code to what an integer column holds, and a location to the globe', () => {
    const body = webhook({
      contacts: [ANA],
      messages: [
        { from: '15550002222', id: 'wamid.L', type: 'location', location: { latitude: 1e300, longitude: '-1e9' } },
      ],
      statuses: [
        { id: 'wamid.OUT1', status: 'failed', errors: [{ code: 1e12, title: 'x\0' }] },
        { id: 'wamid.OUT2', status: 'failed', errors: [{ code: -1e15, message: 'y' }] },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages[0]!.content).toEqual({ kind: 'location', latitude: 90, longitude: -180 });
    expect(parsed.statuses.map((s) => [s.errorCode, s.errorTitle])).toEqual([
      [INT4_MAX, 'x'],
      [INT4_MIN, 'y'],
    ]);
  });

  it('reads a field of the wrong type as absent instead of losing the item', () => {
    const body = webhook({
      messaging_product: 42,
      contacts: [ANA],
      messages: [{ from: '15550002222', id: 'wamid.T1', type: 'text', context: 'wamid.X', ...text('a') }],
      statuses: [{ id: 'wamid.OUT1', status: 'read', recipient_id: 15550002222 }],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.waMessageId)).toEqual(['wamid.T1']);
    expect(parsed.statuses).toEqual([{ waMessageId: 'wamid.OUT1', status: 'read', timestamp: RECEIVED_AT }]);
  });

  it('quarantines, with its reason and as it arrived, each item it cannot hand on, and keeps the rest', () => {
    const items = {
      noType: { from: '15550002222', id: 'wamid.A' },
      nulId: { from: '15550002222', id: 'wamid.\0', type: 'text', ...text('a') },
      longId: { from: '15550002222', id: 'w'.repeat(MAX_ID_CHARS + 1), type: 'text', ...text('a') },
      longSender: { from: '1'.repeat(16), id: 'wamid.B', type: 'text', ...text('a') },
      badStatusId: { id: 'wamid.\udc00', status: 'read' },
      unknownStatus: { id: 'wamid.OUT1', status: 'deleted' },
      notAnObject: 'status',
    };
    const body = webhook({
      contacts: [ANA],
      messages: [
        items.noType,
        items.nulId,
        items.longId,
        items.longSender,
        { from: '15550002222', id: 'wamid.OK', type: 'text', ...text('kept') },
      ],
      statuses: [
        items.badStatusId,
        items.unknownStatus,
        items.notAnObject,
        { id: 'wamid.OUT2', status: 'delivered', recipient_id: '15550002222' },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.waMessageId)).toEqual(['wamid.OK']);
    expect(parsed.statuses.map((s) => s.waMessageId)).toEqual(['wamid.OUT2']);
    expect(parsed.quarantined).toEqual([
      { source: 'webhook_message', reason: 'malformed', raw: items.noType },
      { source: 'webhook_message', reason: 'invalid_id', raw: items.nulId },
      { source: 'webhook_message', reason: 'invalid_id', raw: items.longId },
      { source: 'webhook_message', reason: 'invalid_sender', raw: items.longSender },
      { source: 'webhook_status', reason: 'invalid_id', raw: items.badStatusId },
      { source: 'webhook_status', reason: 'unknown_status', raw: items.unknownStatus },
      { source: 'webhook_status', reason: 'malformed', raw: items.notAnObject },
    ]);
    expect(parsed.ignored).toHaveLength(parsed.quarantined.length);
    for (const note of parsed.ignored) expect(isStorableText(note)).toBe(true);
  });

  it('drops a reply context or media id that cannot be an id, keeping the message', () => {
    const body = webhook({
      contacts: [ANA],
      messages: [
        { from: '15550002222', id: 'wamid.T1', type: 'text', context: { id: 'wamid.\0' }, ...text('a') },
        { from: '15550002222', id: 'wamid.T2', type: 'image', image: { id: '1\ud800' } },
      ],
    });
    const [first, second] = parseWebhook(body, RECEIVED_AT).messages;
    expect(first).not.toHaveProperty('contextId');
    expect(second!.content).toEqual({ kind: 'other', type: 'image', summary: 'image: malformed payload' });
  });

  it('hands on only storable values, whatever the strings, numbers and types of the fields', () => {
    const hostile = fc.string({
      unit: fc.oneof(
        fc.constantFrom('\0', '\ud800', '\udfff', '😀', '1'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 30,
    });
    const anyValue = fc.oneof(hostile, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
    const field = fc.oneof({ weight: 3, arbitrary: hostile }, anyValue);
    const part = fc.dictionary(
      fc.constantFrom('body', 'id', 'title', 'description', 'caption', 'payload', 'text', 'emoji', 'message_id'),
      field,
    );
    const message = fc.record(
      {
        from: fc.oneof(fc.constant('15550002222'), hostile),
        id: field,
        timestamp: fc.oneof(fc.double().map(String), fc.double(), anyValue),
        type: fc.constantFrom(
          'text',
          'image',
          'video',
          'document',
          'reaction',
          'button',
          'location',
          'unsupported',
          'edit',
          'revoke',
        ),
        text: part,
        image: part,
        video: part,
        document: part,
        reaction: part,
        button: part,
        location: fc.record({ latitude: fc.double(), longitude: anyValue, name: field }),
        unsupported: fc.record({ type: field }),
        edit: fc.record({
          original_message_id: field,
          message: fc.record({ type: fc.constantFrom('text', 'image', 'document', 'video'), text: part, image: part }),
        }),
        revoke: fc.record({ original_message_id: field }),
        context: fc.record({ id: field }),
      },
      { requiredKeys: ['from', 'id', 'type'] },
    );
    const status = fc.record({
      id: field,
      status: fc.constantFrom('sent', 'delivered', 'read', 'failed', 'played'),
      timestamp: anyValue,
      recipient_id: field,
      errors: fc.array(fc.record({ code: fc.oneof(fc.double(), fc.integer()), title: field, message: field })),
    });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 3 }),
        fc.array(status, { maxLength: 3 }),
        fc.record({ profile: fc.record({ name: field }), wa_id: fc.constant('15550002222') }),
        (messages, statuses, contact) => {
          const parsed = parseWebhook(webhook({ contacts: [contact], messages, statuses }), RECEIVED_AT);
          expectStorable(parsed);
          expect(parsed.messages.length + parsed.statuses.length + parsed.quarantined.length).toBe(
            messages.length + statuses.length,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseWebhook with business-scoped user ids (BSUIDs)', () => {
  const BIA = 'BR.52840193376610294817';
  const BIA_PARENT = 'BR.ENT.90817263544536271809';
  const BIA_NEW = 'BR.11002233445566778899';
  const BIA_NEW_PARENT = 'BR.ENT.99887766554433221100';

  it('reads a username user known only by BSUID, with parent BSUID and username, and no phone', () => {
    const message = onlyMessage(fixtureJson('bsuid-only-message.json'));
    expect(message.sender).toEqual({ bsuid: BIA, parentBsuid: BIA_PARENT, username: 'bia.ramos' });
    expect(message.profileName).toBe('Bia Ramos');
    expect(message.content).toEqual({ kind: 'text', text: 'Hi, I want to register' });
    expect(message).not.toHaveProperty('identityChange');
  });

  it('reads a message carrying both the phone and the BSUID', () => {
    const message = onlyMessage(fixtureJson('phone-and-bsuid-message.json'));
    expect(message.sender).toEqual({ phone: '5521987650001', bsuid: BIA });
  });

  it('reads the parent BSUID, a username written with @, and a numeric timestamp', () => {
    const message = onlyMessage(fixtureJson('parent-bsuid-message.json'));
    expect(message.sender).toEqual({
      phone: '5521987650002',
      bsuid: 'BR.73319028455617720394',
      parentBsuid: 'BR.ENT.61540978123365490012',
      username: '@caiolima',
    });
    expect(message.sentAt).toBe(1_788_000_520_000);
  });

  it('turns user_changed_number into an identity change from the old identifiers to the new ones', () => {
    const message = onlyMessage(fixtureJson('system-user-changed-number.json'));
    expect(message.sender).toEqual({ phone: '5521987650001', bsuid: BIA, parentBsuid: BIA_PARENT });
    expect(message.identityChange).toEqual({
      type: 'user_changed_number',
      phone: '5521987659999',
      bsuid: BIA_NEW,
      parentBsuid: BIA_NEW_PARENT,
    });
    // The body names both numbers: only the event type is kept.
    expect(message.content).toEqual({ kind: 'other', type: 'system', summary: 'system: user changed number' });
  });

  it('turns user_changed_user_id, which names no phone at all, into a BSUID change', () => {
    const message = onlyMessage(fixtureJson('system-user-changed-user-id.json'));
    expect(message.sender).toEqual({ bsuid: BIA, parentBsuid: BIA_PARENT });
    expect(message.identityChange).toEqual({
      type: 'user_changed_user_id',
      bsuid: BIA_NEW,
      parentBsuid: BIA_NEW_PARENT,
    });
  });

  it('ignores a phone in a user_changed_user_id and reads no change from a system message of another type', () => {
    const body = webhook({
      messages: [
        {
          id: 'wamid.SYS2',
          type: 'system',
          from_user_id: BIA,
          system: { type: 'user_changed_user_id', wa_id: '5521900000000', user_id: BIA_NEW, previous_user_id: BIA },
        },
        { id: 'wamid.SYS3', from: '5521987650001', type: 'system', system: { type: 'customer_identity_changed' } },
      ],
    });
    const [changed, other] = parseWebhook(body, RECEIVED_AT).messages;
    expect(changed!.identityChange).toEqual({ type: 'user_changed_user_id', bsuid: BIA_NEW });
    expect(other!.identityChange).toBeUndefined();
    expect(other!.sender).toEqual({ phone: '5521987650001' });
  });

  it('reads the number shared through a contact-info request as the sender’s own, and a hand-shared card as nothing', () => {
    const message = onlyMessage(fixtureJson('contact-request-reply.json'));
    expect(message.sender).toEqual({ bsuid: BIA, username: 'bia.ramos' });
    expect(message.identityChange).toEqual({ type: 'contact_request', phone: '5521987650001' });
    const card = messageOf('contacts', {
      contacts: [{ origin: 'other', phones: [{ phone: '+1 555 000 9999', wa_id: '15550009999' }] }],
    });
    expect(onlyMessage(card).identityChange).toBeUndefined();
  });

  it('reads statuses sent to a BSUID with their pricing and each spelling of the parent BSUID', () => {
    const parsed = parseWebhook(fixtureJson('status-to-bsuid.json'), RECEIVED_AT);
    const common = { waMessageId: 'wamid.HBgMQlNVSURPVVQwMDEVAgARGBJCU1VJRE9VVDAwMDAwMDAwMQA=', recipientUserId: BIA };
    expect(parsed.statuses).toEqual([
      {
        ...common,
        status: 'sent',
        timestamp: 1_788_000_600_000,
        recipientParentUserId: BIA_PARENT,
        pricing: { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' },
      },
      { ...common, status: 'delivered', timestamp: 1_788_000_601_000, recipientParentUserId: BIA_PARENT },
      {
        ...common,
        status: 'read',
        timestamp: 1_788_000_602_000,
        recipientParentUserId: BIA_PARENT,
        pricing: { billable: false, pricingModel: 'PMP', type: 'free_customer_service', category: 'service' },
      },
    ]);
    expect(parsed.statuses.every((s) => s.recipientId === undefined)).toBe(true);
  });

  it('reads a BSUID as absent when it is not one, and the phone then decides', () => {
    const body = webhook({
      messages: [
        { from: '15550002222', from_user_id: 'us.lowercase', id: 'wamid.B1', type: 'text', text: { body: 'a' } },
        { from_user_id: `US.${'1'.repeat(129)}`, id: 'wamid.B2', type: 'text', text: { body: 'b' } },
      ],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.sender)).toEqual([{ phone: '15550002222' }]);
    expect(parsed.quarantined.map((q) => q.reason)).toEqual(['invalid_sender']);
  });

  it('quarantines a message with neither from nor from_user_id, or empty ones, or without an id', () => {
    const body = fixtureJson<{ entry: { changes: { value: { messages: unknown[] } }[] }[] }>(
      'message-without-sender.json',
    );
    const parsed = parseWebhook(body, RECEIVED_AT);
    const raw = body.entry[0]!.changes[0]!.value.messages;
    expect(parsed.messages).toEqual([]);
    expect(parsed.quarantined).toEqual([
      { source: 'webhook_message', reason: 'invalid_sender', raw: raw[0] },
      { source: 'webhook_message', reason: 'invalid_sender', raw: raw[1] },
      { source: 'webhook_message', reason: 'malformed', raw: raw[2] },
    ]);
  });
});

describe('parseWebhook with message echoes (coexistence)', () => {
  it('reads an echo to a phone and a BSUID as the business’s own message, never as a user message', () => {
    const parsed = parseWebhook(fixtureJson('echo-with-to.json'), RECEIVED_AT);
    expect(parsed.messages).toEqual([]);
    expect(parsed.echoes).toEqual([
      {
        waMessageId: 'wamid.HBgMRUNIT1dJVEhUTzAxFQIAERgSRUNIT1dJVEhUTzAwMDAwMQA=',
        recipient: {
          phone: '5521987650002',
          bsuid: 'BR.73319028455617720394',
          parentBsuid: 'BR.ENT.61540978123365490012',
        },
        sentAt: 1_788_000_700_000,
        content: { kind: 'text', text: 'Your class starts at 9, see you there' },
      },
    ]);
    expect(parsed.ignoredChanges).toEqual([]);
  });

  it('reads echoes without `to` by their BSUID: a photo and its revoke', () => {
    const parsed = parseWebhook(fixtureJson('echo-without-to.json'), RECEIVED_AT);
    const recipient = { bsuid: 'BR.52840193376610294817', username: 'bia.ramos' };
    expect(parsed.echoes).toEqual([
      {
        waMessageId: 'wamid.HBgMRUNIT05PVE8wMDEVAgARGBJFQ0hPTk9UTzAwMDAwMDAxAA==',
        recipient,
        sentAt: 1_788_000_710_000,
        content: {
          kind: 'media',
          mediaType: 'image',
          mediaId: '3000000000000001',
          mimeType: 'image/jpeg',
          sha256: 'ZWNobw==',
          caption: 'The timetable',
        },
      },
      {
        waMessageId: 'wamid.HBgMRUNIT05PVE8wMDIVAgARGBJFQ0hPTk9UTzAwMDAwMDAyAA==',
        recipient,
        sentAt: 1_788_000_711_000,
        content: { kind: 'revoke', messageId: 'wamid.HBgMRUNIT05PVE8wMDEVAgARGBJFQ0hPTk9UTzAwMDAwMDAxAA==' },
      },
    ]);
  });

  it('reads echoes that arrive inside a messages change too', () => {
    const body = webhook({
      messages: [{ from: '15550002222', id: 'wamid.IN1', type: 'text', text: { body: 'hi' } }],
      message_echoes: [{ from: '15550001111', to: '15550002222', id: 'wamid.E1', type: 'text', text: { body: 'yo' } }],
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.messages.map((m) => m.waMessageId)).toEqual(['wamid.IN1']);
    expect(parsed.echoes.map((e) => [e.waMessageId, e.recipient])).toEqual([['wamid.E1', { phone: '15550002222' }]]);
  });

  it('quarantines an echo with no usable recipient, no id, or an unusable revoke', () => {
    const items = {
      noRecipient: { from: '15550001111', id: 'wamid.E1', type: 'text', text: { body: 'x' } },
      emptyRecipient: {
        from: '15550001111',
        to: '',
        to_user_id: '',
        id: 'wamid.E2',
        type: 'text',
        text: { body: 'x' },
      },
      noId: { from: '15550001111', to: '15550002222', type: 'text', text: { body: 'x' } },
      badRevoke: { to: '15550002222', id: 'wamid.E3', type: 'revoke', revoke: {} },
    };
    const parsed = parseWebhook(webhook({ message_echoes: Object.values(items) }, 'smb_message_echoes'), RECEIVED_AT);
    expect(parsed.echoes).toEqual([]);
    expect(parsed.quarantined).toEqual([
      { source: 'webhook_message', reason: 'invalid_recipient', raw: items.noRecipient },
      { source: 'webhook_message', reason: 'invalid_recipient', raw: items.emptyRecipient },
      { source: 'webhook_message', reason: 'malformed', raw: items.noId },
      { source: 'webhook_message', reason: 'malformed', raw: items.badRevoke },
    ]);
  });
});

describe('parseWebhook with several changes and fields in one entry', () => {
  it('handles each handled change in order and names every ignored one by its field', () => {
    const parsed = parseWebhook(fixtureJson('mixed-fields-one-entry.json'), RECEIVED_AT);
    expect(parsed.messages.map((m) => [m.waMessageId, m.sentAt])).toEqual([
      ['wamid.HBgMTUlYRUQwMDAwMDAxFQIAEhgUTUlYRUQwMDAwMDAwMDAwMDAwMQA=', 1_788_000_900_000],
    ]);
    expect(parsed.statuses.map((s) => [s.status, s.timestamp])).toEqual([['delivered', 1_788_000_901_000]]);
    expect(parsed.echoes.map((e) => e.recipient)).toEqual([
      { phone: '5521987650004', bsuid: 'BR.40404040404040404040' },
    ]);
    expect(parsed.ignoredChanges).toEqual(['phone_number_quality_update', 'account_update', 'other']);
    expect(parsed.ignored).toEqual([
      'entry[0].changes[1]: field "phone_number_quality_update" is not handled',
      'entry[0].changes[2]: field "account_update" is not handled',
      'entry[0].changes[3]: field "some_future_field" is not handled',
    ]);
    expect(parsed.quarantined).toEqual([]);
  });

  it('labels what cannot be read at all as unreadable, never with a value from the body', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        { id: '1' },
        {
          id: '2',
          changes: [{ value: {} }, { field: 'messages', value: 'not an object' }, { field: '15550002222', value: {} }],
        },
      ],
    };
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.ignoredChanges).toEqual(['unreadable', 'unreadable', 'unreadable', 'other']);
  });
});

describe('parseWebhook with a value holding more than messages and statuses', () => {
  it('handles the message and counts the calls beside it as ignored, by their field name', () => {
    const parsed = parseWebhook(fixtureJson('messages-value-with-calls.json'), RECEIVED_AT);
    expect(parsed.messages.map((m) => m.sender)).toEqual([
      { phone: '5521987650005', bsuid: 'BR.50505050505050505050' },
    ]);
    expect(parsed.ignoredChanges).toEqual(['calls']);
    expect(parsed.ignored).toEqual(['entry[0].changes[0]: "calls" in the value is not handled']);
  });
});

describe('parseWebhook with a BSUID shown only in the contacts entry', () => {
  it('takes the BSUID of the entry with the same wa_id as the message’s `from`', () => {
    const message = onlyMessage(fixtureJson('bsuid-only-in-contacts.json'));
    expect(message.sender).toEqual({ phone: '5521987650006', bsuid: 'BR.60606060606060606060' });
  });

  it('takes no BSUID from an entry whose wa_id is another number, nor without any `from`', () => {
    const other = webhook({
      contacts: [{ profile: { name: 'X' }, wa_id: '15550009999', user_id: 'US.999' }],
      messages: [{ from: '15550002222', id: 'wamid.C1', type: 'text', text: { body: 'a' } }],
    });
    expect(onlyMessage(other).sender).toEqual({ phone: '15550002222' });
    const none = webhook({
      contacts: [{ profile: { name: 'X' }, user_id: 'US.999' }],
      messages: [{ id: 'wamid.C2', type: 'text', text: { body: 'a' } }],
    });
    expect(parseWebhook(none, RECEIVED_AT).quarantined.map((q) => q.reason)).toEqual(['invalid_sender']);
  });
});
