import { parseWebhook, type WebhookOwner } from '../../src/whatsapp/parse-webhook';

// One Meta app may serve several business numbers and accounts and signs all their webhooks with one
// app secret: items of another phone_number_id are quarantined as foreign_number, template status
// updates of another WABA are ignored. The bodies are Meta's documented shapes, written here.

const RECEIVED_AT = 1_788_000_999_000;
const OURS: WebhookOwner = { phoneNumberId: '106000000000001', businessAccountId: '102000000000009' };
const OTHER_NUMBER = '106000000000777';

const MESSAGE = {
  from: '15550002222',
  id: 'wamid.OWNER1',
  timestamp: '1788000100',
  type: 'text',
  text: { body: 'Hello' },
};
const STATUS = { id: 'wamid.OWNER2', status: 'delivered', timestamp: '1788000200', recipient_id: '15550002222' };
const ECHO = {
  from: '15550001111',
  to: '15550002222',
  id: 'wamid.OWNER3',
  timestamp: '1788000300',
  type: 'text',
  text: { body: 'From the app' },
};

function messagesChange(metadata: Record<string, unknown> | undefined, value: Record<string, unknown>) {
  return {
    field: 'messages',
    value: { messaging_product: 'whatsapp', ...(metadata === undefined ? {} : { metadata }), ...value },
  };
}

/** One entry holding `changes`; its id is our WABA's unless `entryId` says otherwise (null: no id at all). */
function body(changes: unknown[], entryId: string | number | null = '102000000000009'): unknown {
  const id = entryId === null ? {} : { id: entryId };
  return { object: 'whatsapp_business_account', entry: [{ ...id, time: 1_788_000_000, changes }] };
}

const templateChange = {
  field: 'message_template_status_update',
  value: {
    event: 'DISABLED',
    message_template_id: 710000000000001,
    message_template_name: 'support_follow_up',
    message_template_language: 'en_US',
  },
};

describe('items of another business number', () => {
  it('quarantines every message, status and echo of it as foreign_number, with the number beside the item', () => {
    const metadata = { display_phone_number: '15550009999', phone_number_id: OTHER_NUMBER };
    const parsed = parseWebhook(
      body([
        messagesChange(metadata, {
          contacts: [{ profile: { name: 'Ana' }, wa_id: '15550002222' }],
          messages: [MESSAGE],
          statuses: [STATUS],
          errors: [{ code: 131000, title: 'Something went wrong' }],
        }),
        { field: 'smb_message_echoes', value: { metadata, message_echoes: [ECHO] } },
      ]),
      RECEIVED_AT,
      OURS,
    );
    expect(parsed).toMatchObject({ messages: [], statuses: [], echoes: [], errors: [] });
    expect(parsed.quarantined).toEqual([
      { source: 'webhook_message', reason: 'foreign_number', raw: { phone_number_id: OTHER_NUMBER, item: MESSAGE } },
      { source: 'webhook_status', reason: 'foreign_number', raw: { phone_number_id: OTHER_NUMBER, item: STATUS } },
      { source: 'webhook_message', reason: 'foreign_number', raw: { phone_number_id: OTHER_NUMBER, item: ECHO } },
    ]);
  });

  it('hands on the items of our number in the same delivery', () => {
    const parsed = parseWebhook(
      body([
        messagesChange({ phone_number_id: OTHER_NUMBER }, { messages: [MESSAGE] }),
        messagesChange({ phone_number_id: OURS.phoneNumberId }, { messages: [{ ...MESSAGE, id: 'wamid.OURS' }] }),
      ]),
      RECEIVED_AT,
      OURS,
    );
    expect(parsed.messages.map((m) => m.waMessageId)).toEqual(['wamid.OURS']);
    expect(parsed.quarantined.map((q) => q.reason)).toEqual(['foreign_number']);
  });

  it('reads a number sent as a JSON number like the string Meta sends', () => {
    const ours = parseWebhook(
      body([messagesChange({ phone_number_id: Number(OURS.phoneNumberId) }, { messages: [MESSAGE] })]),
      RECEIVED_AT,
      OURS,
    );
    expect(ours.messages).toHaveLength(1);
    const foreign = parseWebhook(
      body([messagesChange({ phone_number_id: Number(OTHER_NUMBER) }, { messages: [MESSAGE] })]),
      RECEIVED_AT,
      OURS,
    );
    expect(foreign.quarantined.map((q) => q.reason)).toEqual(['foreign_number']);
  });

  it('reads a value that names no number as ours: Meta always names it, and the signature is ours', () => {
    for (const metadata of [undefined, { display_phone_number: '15550001111' }]) {
      const parsed = parseWebhook(body([messagesChange(metadata, { messages: [MESSAGE] })]), RECEIVED_AT, OURS);
      expect(parsed.messages).toHaveLength(1);
      expect(parsed.quarantined).toEqual([]);
    }
  });
});

describe('template status updates', () => {
  it('are applied for our business account, given as a string or a number', () => {
    for (const entryId of ['102000000000009', 102000000000009]) {
      const parsed = parseWebhook(body([templateChange], entryId), RECEIVED_AT, OURS);
      expect(parsed.templateStatuses).toEqual([
        { event: 'DISABLED', templateId: '710000000000001', name: 'support_follow_up', language: 'en_US' },
      ]);
    }
  });

  it('of another business account, or of none named, are ignored and counted as such', () => {
    for (const [entryId, owner] of [
      ['102000000000555', OURS],
      [null, OURS],
      ['102000000000009', { ...OURS, businessAccountId: undefined }],
    ] as const) {
      const parsed = parseWebhook(body([templateChange], entryId), RECEIVED_AT, owner);
      expect(parsed.templateStatuses).toEqual([]);
      expect(parsed.ignoredChanges).toEqual(['message_template_status_update']);
    }
  });
});
