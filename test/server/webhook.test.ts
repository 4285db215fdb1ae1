import { listMessages } from '../../src/db/messages';
import { listQuarantined } from '../../src/db/quarantine';
import { contactIdOf, findContactOf } from '../helpers/contacts';
import {
  fixtureBytes,
  fixtureJson,
  messagesChange,
  newPhone,
  newWamid,
  statusWebhook,
  textWebhook,
  webhookBody,
} from '../helpers/fixtures';
import { signBody } from '../../src/whatsapp/signature';
import { startTestStack, TEST_APP_SECRET, type TestStack } from '../helpers/stack';
import { sleep, waitFor } from '../helpers/wait';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  stack.fake.reset();
});

/** The messages stored for the student writing from `phone`: none while no webhook named them. */
const messagesOf = async (phone: string) => {
  const contactId = await findContactOf(stack.db, phone);
  return contactId === undefined ? [] : listMessages(stack.db, contactId);
};
const inbound = async (phone: string) => (await messagesOf(phone)).filter((m) => m.direction === 'inbound');
const outbound = async (phone: string) => (await messagesOf(phone)).filter((m) => m.direction === 'outbound');

describe('POST /api/webhook/whatsapp', () => {
  it('stores a signed message and the welcome reply reaches WhatsApp', async () => {
    const response = await stack.postWebhook(fixtureBytes('text-message.json'));
    expect(response.status).toBe(200);

    const sent = await stack.fake.waitForSends(1);
    expect(sent[0]!.to).toBe('15550002222');
    // E.164 with the plus: without it WhatsApp may prepend the business number's country code.
    expect(sent[0]!.body).toMatchObject({ to: '+15550002222', messaging_product: 'whatsapp' });
    expect(sent[0]!.content).toMatchObject({ kind: 'buttons' });
    const buttons = sent[0]!.content.kind === 'buttons' ? sent[0]!.content.buttons.map((b) => b.id) : [];
    expect(buttons).toEqual(['register', 'faq', 'support']);

    const stored = await waitFor(async () => {
      const rows = await messagesOf('15550002222');
      return rows.length === 2 && rows[1]!.waMessageId !== null ? rows : undefined;
    }, 'both rows');
    expect(stored[0]).toMatchObject({
      direction: 'inbound',
      sender: 'user',
      type: 'text',
      waMessageId: 'wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=',
      body: "Hi, my order #A1234 hasn't arrived yet. Can you help?",
      status: 'received',
    });
    expect(stored[1]).toMatchObject({ direction: 'outbound', sender: 'bot', type: 'buttons', status: 'accepted' });
    expect(stored[1]!.waMessageId).toBe(sent[0]!.waMessageId);
    // The inbound message was marked as read, beside the reply (so perhaps just after its row was stored).
    await stack.fake.waitFor(() =>
      stack.fake.reads.includes('wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA='),
    );
  });

  it('gives one row and one reply when the same webhook is delivered three times', async () => {
    const phone = newPhone();
    const { body, id } = textWebhook(phone, 'hello');
    for (let i = 0; i < 3; i++) expect((await stack.postWebhook(body)).status).toBe(200);

    await stack.fake.waitForSends(1);
    // Give a wrongly doubled reply time to show up before counting.
    await sleep(1500);
    expect(stack.fake.sendsTo(phone)).toHaveLength(1);
    const rows = await inbound(phone);
    expect(rows.map((r) => r.waMessageId)).toEqual([id]);
    expect(await outbound(phone)).toHaveLength(1);
  });

  it('handles every message of a batch: 5 messages for 3 numbers, in order per number', async () => {
    const [a, b, c] = [newPhone(), newPhone(), newPhone()];
    const t = Math.floor(Date.now() / 1000);
    const ids = Array.from({ length: 5 }, () => newWamid());
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102000000000001',
          changes: [
            messagesChange([
              { from: a, id: ids[0], timestamp: t, part: { text: { body: 'a1' } } },
              { from: b, id: ids[1], timestamp: t, part: { text: { body: 'b1' } } },
            ]),
            messagesChange([{ from: a, id: ids[2], timestamp: t + 1, part: { text: { body: 'a2' } } }]),
          ],
        },
        {
          id: '102000000000001',
          changes: [
            messagesChange([
              { from: c, id: ids[3], timestamp: t, part: { text: { body: 'c1' } } },
              { from: a, id: ids[4], timestamp: t + 2, part: { text: { body: 'a3' } } },
            ]),
          ],
        },
      ],
    });
    expect((await stack.postWebhook(body)).status).toBe(200);

    await stack.fake.waitFor(() => [a, b, c].every((p) => stack.fake.sendsTo(p).length > 0), 20_000);
    const rowsA = await waitFor(async () => {
      const rows = await inbound(a);
      return rows.length === 3 ? rows : undefined;
    }, 'three messages of the first number');
    expect(rowsA.map((r) => r.body)).toEqual(['a1', 'a2', 'a3']);
    expect((await inbound(b)).map((r) => r.body)).toEqual(['b1']);
    expect((await inbound(c)).map((r) => r.body)).toEqual(['c1']);
  });

  it('rejects a wrong or missing signature with 401 and makes no contact, so no workflow', async () => {
    const phone = newPhone();
    const { body } = textWebhook(phone, 'hello');
    const wrong = await stack.postWebhook(body, 'sha256=' + '0'.repeat(64));
    const missing = await stack.postWebhook(body, null);
    const tampered = await stack.postWebhook(body.replace('hello', 'hellO'), signBody(body, TEST_APP_SECRET));
    const otherSecret = await stack.postWebhook(body, signBody(body, 'another-app-secret'));
    expect([wrong.status, missing.status, tampered.status, otherSecret.status]).toEqual([401, 401, 401, 401]);
    // The workflow id is the contact's: without a contact no workflow can have been started.
    expect(await findContactOf(stack.db, phone)).toBeUndefined();
    expect(await inbound(phone)).toEqual([]);
  });

  it('answers 400 to a signed body that is not JSON, or not a webhook', async () => {
    const notJson = await stack.postWebhook('{"object": "whatsapp_business_account", ');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ status: 'error', error: { code: 'invalid_json' } });
    const notWebhook = await stack.postWebhook('[1, 2, 3]');
    expect(notWebhook.status).toBe(400);
  });

  it('answers 405 in JSON to a method no route implements, never 501', async () => {
    for (const method of ['PROPFIND', 'PURGE']) {
      const answer = await fetch(`${stack.baseUrl}/api/webhook/whatsapp`, { method });
      expect(answer.status).toBe(405);
      expect(await answer.json()).toMatchObject({ status: 'error', error: { code: 'method_not_allowed' } });
    }
  });

  it('stores an unsupported or unknown message type as such and keeps answering', async () => {
    const unsupported = await stack.postWebhook(fixtureBytes('unsupported-message.json'));
    expect(unsupported.status).toBe(200);
    const phone = newPhone();
    const unknown = webhookBody([
      messagesChange([{ from: phone, type: 'hologram', part: { hologram: { depth: 3 } } }]),
    ]);
    expect((await stack.postWebhook(unknown)).status).toBe(200);
    await stack.postWebhook(textWebhook(phone, 'are you there?').body);

    const rows = await waitFor(async () => {
      const list = await inbound(phone);
      return list.length === 2 ? list : undefined;
    }, 'both inbound rows');
    expect(rows.map((r) => r.type)).toEqual(['hologram', 'text']);
    const ben = await waitFor(
      async () => (await inbound('15550003333')).find((r) => r.type === 'unsupported'),
      'unsupported row',
    );
    expect(ben.body).toContain('edit');
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length >= 2, 20_000);
  });

  it('sends exactly one reply when the Graph API fails twice with 500 first', async () => {
    const phone = newPhone();
    stack.fake.failNext(2, { status: 500 });
    await stack.postWebhook(textWebhook(phone, 'hi').body);

    const [reply] = await waitFor(async () => {
      const rows = await outbound(phone);
      return rows[0]?.status === 'accepted' ? rows : undefined;
    }, 'accepted reply');
    expect(reply!.attempts).toBe(3);
    expect(stack.fake.sendsTo(phone)).toHaveLength(1);
    expect(stack.fake.sendsTo(phone)[0]!.waMessageId).toBe(reply!.waMessageId);
  });

  it('marks a reply WhatsApp refuses with 131047 as failed with its code and does not retry', async () => {
    const phone = newPhone();
    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    await stack.postWebhook(textWebhook(phone, 'hi').body);

    const [reply] = await waitFor(async () => {
      const rows = await outbound(phone);
      return rows[0]?.status === 'failed' ? rows : undefined;
    }, 'failed reply');
    expect(reply).toMatchObject({ status: 'failed', errorCode: 131047, waMessageId: null, attempts: 1 });
    await sleep(2500);
    expect((await outbound(phone))[0]!.attempts).toBe(1);
    expect(stack.fake.sendsTo(phone)).toHaveLength(0);

    // The conversation goes on: the next message is answered.
    await stack.postWebhook(textWebhook(phone, 'hello again').body);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
  });

  it('moves delivery statuses forward only, ignoring repeats and unknown messages', async () => {
    const phone = newPhone();
    await stack.postWebhook(textWebhook(phone, 'hi').body);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
    const id = stack.fake.sendsTo(phone)[0]!.waMessageId;
    await waitFor(async () => (await outbound(phone))[0]?.waMessageId === id, 'stored wamid');

    const t = Math.floor(Date.now() / 1000);
    const post = async (status: string, at: number) =>
      expect((await stack.postWebhook(statusWebhook([{ id, status, timestamp: at, recipient: phone }]))).status).toBe(
        200,
      );
    await post('delivered', t + 2);
    await post('read', t + 3);
    await post('delivered', t + 2);
    await post('sent', t + 1);
    const unknown = await stack.postWebhook(
      statusWebhook([{ id: newWamid(), status: 'read', timestamp: t, recipient: phone }]),
    );
    expect(unknown.status).toBe(200);

    const [row] = await outbound(phone);
    expect(row).toMatchObject({ status: 'read' });
    expect(row!.sentAt?.getTime()).toBe((t + 1) * 1000);
    expect(row!.deliveredAt?.getTime()).toBe((t + 2) * 1000);
    expect(row!.readAt?.getTime()).toBe((t + 3) * 1000);

    await stack.postWebhook(
      statusWebhook([{ id, status: 'failed', timestamp: t + 4, recipient: phone, errorCode: 131026 }]),
    );
    expect((await outbound(phone))[0]).toMatchObject({ status: 'failed', errorCode: 131026 });
  });
});

describe('POST /api/webhook/whatsapp with what WhatsApp could never have sent', () => {
  const quarantined = async () =>
    (await listQuarantined(stack.db, { limit: 100 }))
      .reverse()
      .map(({ source, reason, raw }) => ({ source, reason, raw }));
  const sendsTo = (phone: string) => stack.fake.sendsTo(phone).length;

  it('stores U+0000, unpaired surrogates and impossible timestamps cleaned, and the conversation goes on', async () => {
    const phone = newPhone();
    const received = Date.now();
    const first = webhookBody([
      messagesChange([{ from: phone, name: 'Ana\0', part: { text: { body: 'hi\0' } } }]),
    ]).replace(/"timestamp":"\d+"/, '"timestamp":"1e20"');
    expect((await stack.postWebhook(first)).status).toBe(200);
    await stack.fake.waitFor(() => sendsTo(phone) === 1, 20_000);
    const conversation = await stack.db.query('select profile_name from conversations where contact_id = $1', [
      await contactIdOf(stack.db, phone),
    ]);
    expect(conversation.rows[0]).toEqual({ profile_name: 'Ana' });

    const photo = messagesChange([
      { from: phone, type: 'image', part: { image: { id: '1000000000000009', caption: 'box\0\ud800' } } },
    ]);
    expect((await stack.postWebhook(webhookBody([photo]))).status).toBe(200);
    expect((await stack.postWebhook(textWebhook(phone, 'lone \udc00 half').body)).status).toBe(200);
    expect((await stack.postWebhook(textWebhook(phone, 'hi').body)).status).toBe(200);

    const rows = await waitFor(async () => {
      const list = await inbound(phone);
      return list.length === 4 ? list : undefined;
    }, 'all four messages stored');
    expect(rows.map((r) => r.body)).toEqual(['hi', 'box\uFFFD', 'lone \uFFFD half', 'hi']);
    expect(rows[0]!.waTimestamp!.getTime()).toBeGreaterThanOrEqual(received);
    // Every message was handled: the final ordinary one is answered too.
    await stack.fake.waitFor(() => sendsTo(phone) >= 4, 20_000);
  });

  it('accepts a batch whose statuses hold impossible values, with its messages, quarantining what it cannot read', async () => {
    const phone = newPhone();
    await stack.postWebhook(textWebhook(phone, 'hi').body);
    await stack.fake.waitFor(() => sendsTo(phone) === 1, 20_000);
    const id = stack.fake.sendsTo(phone)[0]!.waMessageId;
    await waitFor(async () => (await outbound(phone))[0]?.waMessageId === id, 'stored wamid');

    const other = newPhone();
    const badStatus = { id: 'wamid.\0bad', status: 'read', timestamp: '1788000000', recipient_id: phone };
    const batch = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102000000000001',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                statuses: [
                  {
                    id,
                    status: 'failed',
                    timestamp: '99999999999999',
                    recipient_id: phone,
                    errors: [{ code: 99_999_999_999, title: 'Message undeliverable' }],
                  },
                  badStatus,
                ],
              },
            },
            messagesChange([{ from: other, part: { text: { body: 'hello' } } }]),
          ],
        },
      ],
    });
    const before = (await quarantined()).length;
    const answer = await stack.postWebhook(batch);
    expect(answer).toEqual({
      status: 200,
      body: { status: 'success', messages: 1, statuses: 1, quarantined: 1 },
    });
    const [row] = await outbound(phone);
    expect(row).toMatchObject({ status: 'failed', errorCode: 2_147_483_647 });
    expect(Math.abs(row!.failedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    await stack.fake.waitFor(() => sendsTo(other) === 1, 20_000);

    // Meta delivers it again: one quarantined row still.
    expect((await stack.postWebhook(batch)).status).toBe(200);
    const after = await quarantined();
    expect(after.slice(before)).toEqual([
      { source: 'webhook_status', reason: 'invalid_id', raw: JSON.stringify(badStatus) },
    ]);
  });

  it('sets aside a status Postgres refuses, alone, and accepts the rest of its batch', async () => {
    // Stands in for any value the parser might let through and Postgres refuse.
    await stack.db.query(`create function refuse_status() returns trigger language plpgsql as $$
      begin
        if new.wa_message_id = 'wamid.REFUSED' then
          raise exception 'refused' using errcode = 'character_not_in_repertoire';
        end if;
        return new;
      end $$`);
    await stack.db.query(
      'create trigger refuse_status before insert on status_events for each row execute function refuse_status()',
    );
    try {
      const kept = newWamid();
      const t = Math.floor(Date.now() / 1000);
      const phone = newPhone();
      const body = webhookBody([
        JSON.parse(
          statusWebhook([
            { id: 'wamid.REFUSED', status: 'sent', timestamp: t, recipient: phone },
            { id: kept, status: 'sent', timestamp: t, recipient: phone },
          ]),
        ).entry[0].changes[0],
        messagesChange([{ from: phone, part: { text: { body: 'hello' } } }]),
      ]);
      const answer = await stack.postWebhook(body);
      expect(answer).toEqual({ status: 200, body: { status: 'success', messages: 1, statuses: 1, quarantined: 1 } });
      const events = await stack.db.query('select wa_message_id from status_events where wa_message_id = $1', [kept]);
      expect(events.rows).toHaveLength(1);
      const last = (await quarantined()).at(-1);
      expect(last).toMatchObject({ source: 'webhook_status', reason: 'store_refused' });
      expect(JSON.parse(last!.raw)).toMatchObject({ waMessageId: 'wamid.REFUSED', status: 'sent' });
      await stack.fake.waitFor(() => sendsTo(phone) === 1, 20_000);
    } finally {
      await stack.db.query('drop trigger refuse_status on status_events');
      await stack.db.query('drop function refuse_status()');
    }
  });
});

// Counterexamples the fuzz test (webhook-fuzz.test.ts) shrank to against the webhook before it
// cleaned its input: each made the whole batch answer 503. `SENT` stands for a wamid the bot sent.
describe("POST /api/webhook/whatsapp with the fuzz test's counterexamples", () => {
  const SENT = 'SENT';
  it.each<[string, Record<string, unknown>[]]>([
    ['an error code past an integer column', [{ id: 'wamid.FUZZ0', status: 'sent', errors: [{ code: 2147483648 }] }]],
    ['an id that is U+0000', [{ id: '\0', status: 'sent' }]],
    ['an error message that is U+0000', [{ id: '\u0001', status: 'sent', errors: [{ code: 0, message: '\0' }] }]],
    ['a timestamp past what a Date holds', [{ id: SENT, status: 'sent', timestamp: '100000000000000000000' }]],
    ['an id that is an unpaired surrogate', [{ id: '\udc00', status: 'sent' }]],
  ])('answers 200 to a status with %s, and handles the message beside it', async (_label, statuses) => {
    const sender = newPhone();
    await stack.postWebhook(textWebhook(sender, 'hi').body);
    await stack.fake.waitFor(() => stack.fake.sendsTo(sender).length === 1, 20_000);
    const sent = stack.fake.sendsTo(sender)[0]!.waMessageId;
    await waitFor(async () => (await outbound(sender))[0]?.waMessageId === sent, 'stored wamid');

    const phone = newPhone();
    const value = {
      messages: [{ from: phone, id: newWamid(), type: 'text', text: { body: 'hello' } }],
      statuses: statuses.map((s) => (s.id === SENT ? { ...s, id: sent } : s)),
    };
    const answer = await stack.postWebhook(webhookBody([{ field: 'messages', value }]));
    expect(answer.status).toBe(200);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
  });
});

describe('POST /api/webhook/whatsapp with bodies that carry no user message', () => {
  it('answers 200 to value-level errors, other subscribed fields and other objects, and starts nothing', async () => {
    const count = async (table: 'messages' | 'contacts') =>
      (await stack.db.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n;
    const before = [await count('messages'), await count('contacts')];
    const metadata = { display_phone_number: '15550001111', phone_number_id: '106000000000001' };
    const bodies = [
      webhookBody([
        {
          value: {
            messaging_product: 'whatsapp',
            metadata,
            errors: [
              {
                code: 130429,
                title: 'Rate limit hit',
                message: 'Rate limit hit',
                error_data: { details: 'throughput' },
              },
            ],
          },
          field: 'messages',
        },
      ]),
      webhookBody([
        {
          value: { event: 'APPROVED', message_template_id: 1, message_template_name: 'x' },
          field: 'message_template_status_update',
        },
      ]),
      JSON.stringify({ object: 'page', entry: [{ id: '1', time: 1, messaging: [] }] }),
      webhookBody([{ value: { messaging_product: 'whatsapp', metadata, statuses: [] }, field: 'messages' }]),
    ];
    for (const body of bodies) expect((await stack.postWebhook(body)).status).toBe(200);
    expect([await count('messages'), await count('contacts')]).toEqual(before);
  });
});

describe('GET /api/webhook/whatsapp', () => {
  it('echoes the challenge for the right verify token and refuses anything else', async () => {
    const ok = await fetch(
      `${stack.baseUrl}/api/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `${stack.baseUrl}/api/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(wrong.status).toBe(403);
    const noMode = await fetch(
      `${stack.baseUrl}/api/webhook/whatsapp?hub.verify_token=test-verify-token&hub.challenge=1`,
    );
    expect(noMode.status).toBe(403);
  });
});
