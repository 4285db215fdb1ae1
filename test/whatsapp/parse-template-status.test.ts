import { parseWebhook } from '../../src/whatsapp/parse-webhook';

// The `message_template_status_update` webhook field: read leniently, never thrown on.

const RECEIVED_AT = 1_788_000_000_000;

function templateWebhook(...values: unknown[]): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102000000000009',
        time: 1_788_000_000,
        changes: values.map((value) => ({ field: 'message_template_status_update', value })),
      },
    ],
  };
}

describe('template status updates', () => {
  it('reads Meta’s shape: the event, the numeric id, the name, the language and the reason', () => {
    const parsed = parseWebhook(
      templateWebhook({
        event: 'PAUSED',
        message_template_id: 710000000000001,
        message_template_name: 'support_follow_up',
        message_template_language: 'en_US',
        reason: 'LOW_QUALITY',
      }),
      RECEIVED_AT,
    );
    expect(parsed.templateStatuses).toEqual([
      {
        event: 'PAUSED',
        templateId: '710000000000001',
        name: 'support_follow_up',
        language: 'en_US',
        reason: 'LOW_QUALITY',
      },
    ]);
    expect(parsed).toMatchObject({ messages: [], statuses: [], ignored: [], quarantined: [] });
  });

  it('takes a template named by id alone, or by name and language alone, and a null or NONE reason', () => {
    const parsed = parseWebhook(
      templateWebhook(
        { event: 'approved', message_template_id: '42', reason: null },
        {
          event: 'DISABLED',
          message_template_name: 'homework_reminder',
          message_template_language: 'en',
          reason: 'NONE',
        },
      ),
      RECEIVED_AT,
    );
    expect(parsed.templateStatuses).toEqual([
      { event: 'APPROVED', templateId: '42' },
      { event: 'DISABLED', name: 'homework_reminder', language: 'en', reason: 'NONE' },
    ]);
  });

  it.each([
    ['no value at all', undefined, 'has no event'],
    ['a value that is not an object', 'PAUSED', 'has no event'],
    ['no event', { message_template_id: 1 }, 'has no event'],
    ['an event that is a number', { event: 3, message_template_id: 1 }, 'has no event'],
    ['an event that is not a word', { event: 'PAUSED; drop table', message_template_id: 1 }, 'has an unknown event'],
    ['no template', { event: 'PAUSED', reason: 'x' }, 'names no template'],
    ['a name without a language', { event: 'PAUSED', message_template_name: 'x' }, 'names no template'],
    [
      'a language that is no language code',
      { event: 'PAUSED', message_template_name: 'x', message_template_language: '../../etc' },
      'names no template',
    ],
    ['an id holding U+0000', { event: 'PAUSED', message_template_id: 'a\u0000b' }, 'names no template'],
    ['a negative id', { event: 'PAUSED', message_template_id: -1 }, 'names no template'],
  ])('notes an update with %s and goes on with the rest', (_, value, note) => {
    const good = { event: 'APPROVED', message_template_id: '7' };
    const parsed = parseWebhook(templateWebhook(value, good), RECEIVED_AT);
    expect(parsed.templateStatuses).toEqual([{ event: 'APPROVED', templateId: '7' }]);
    expect(parsed.ignored).toEqual([`entry[0].changes[0]: template status update ${note}`]);
  });

  it('keeps template updates apart from messages in the same delivery', () => {
    const body = templateWebhook({ event: 'REJECTED', message_template_id: 9 }) as {
      entry: { changes: unknown[] }[];
    };
    body.entry[0]!.changes.push({
      field: 'messages',
      value: {
        messages: [{ id: 'wamid.A', from: '15550002222', timestamp: '1788000000', type: 'text', text: { body: 'hi' } }],
      },
    });
    const parsed = parseWebhook(body, RECEIVED_AT);
    expect(parsed.templateStatuses).toEqual([{ event: 'REJECTED', templateId: '9' }]);
    expect(parsed.messages).toHaveLength(1);
  });
});
