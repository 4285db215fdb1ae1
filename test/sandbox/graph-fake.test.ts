import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { startGraphFake } from '../../tools/sandbox/graph-fake';
import type { GraphFake } from '../../tools/sandbox/graph-fake';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { verifySignature } from '../../src/whatsapp/signature';

const TOKEN = 'fake-token';
const PHONE_NUMBER_ID = '106000000000001';
const TEXT = { kind: 'text', text: 'hello' } as const;

const clientFor = (fake: GraphFake, timeoutMs = 5_000) =>
  createGraphClient({ baseUrl: fake.baseUrl, accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, timeoutMs });

/** POSTs a raw body to the fake's messages endpoint (`token` null: no Authorization header). */
async function postRaw(fake: GraphFake, body: string, token: string | null = TOKEN) {
  const res = await fetch(`${fake.baseUrl}/${PHONE_NUMBER_ID}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    body,
  });
  return { status: res.status, json: (await res.json()) as { error?: { code?: number } } };
}

describe('graph fake: holding sends', () => {
  let fake: GraphFake;
  beforeEach(async () => {
    fake = await startGraphFake({ accessToken: TOKEN });
  });
  afterEach(() => fake.close());

  it('holds a send unanswered and unrecorded while paused, then answers it on resume', async () => {
    fake.pauseSends();
    const sending = clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
    await fake.waitForHeldSend(2_000);
    expect(fake.held).toBe(1);
    expect(fake.sends).toEqual([]);

    fake.resumeSends();
    const { waMessageId } = await sending;
    expect(fake.sends.map((s) => s.waMessageId)).toEqual([waMessageId]);
    expect(fake.held).toBe(0);
    expect(fake.aborted).toBe(0);
  });

  it('drops a held send whose client disconnected and processes the one still connected', async () => {
    fake.pauseSends();
    const impatient = clientFor(fake, 200)
      .sendMessage({ phone: '15550003333' }, TEXT)
      .catch((err: unknown) => err);
    const patient = clientFor(fake).sendMessage({ phone: '15550004444' }, TEXT);
    // Both reached the fake; on a busy machine the impatient one may already have given up (200 ms).
    await fake.waitFor(() => fake.held + fake.aborted === 2, 2_000, 'two held sends');

    expect(await impatient).toMatchObject({ name: 'WhatsAppApiError', retryable: true });
    await fake.waitFor(() => fake.aborted === 1, 2_000, 'the disconnected send to be dropped');
    expect(fake.held).toBe(1);

    fake.resumeSends();
    await patient;
    expect(fake.sends.map((s) => s.to)).toEqual(['15550004444']);
    expect(fake.aborted).toBe(1);
  });

  it('does not hold mark-read requests', async () => {
    fake.pauseSends();
    await clientFor(fake).markRead('wamid.IN1');
    expect(fake.reads).toEqual(['wamid.IN1']);
    expect(fake.held).toBe(0);
  });

  it('applies queued failures in order, then accepts again', async () => {
    fake.failNext(2, { status: 500 });
    const client = clientFor(fake);
    await expect(client.sendMessage({ phone: '15550002222' }, TEXT)).rejects.toMatchObject({ status: 500 });
    await expect(client.sendMessage({ phone: '15550002222' }, TEXT)).rejects.toMatchObject({ status: 500 });
    await client.sendMessage({ phone: '15550002222' }, TEXT);
    expect(fake.sends).toHaveLength(1);
    expect(fake.requests).toBe(3);
  });

  it('gives every accepted send its own wamid and finds them by recipient', async () => {
    const client = clientFor(fake);
    await client.sendMessage({ phone: '15550002222' }, TEXT);
    await client.sendMessage({ phone: '15550003333' }, TEXT);
    await client.sendMessage({ phone: '15550002222' }, TEXT);
    const ids = fake.sends.map((s) => s.waMessageId);
    expect(new Set(ids).size).toBe(3);
    expect(fake.sendsTo('+1 555 000 2222').map((s) => s.waMessageId)).toEqual([ids[0], ids[2]]);
  });

  it('records a send to a BSUID with no phone under the BSUID, as recipient, and one with both under the phone', async () => {
    const client = clientFor(fake);
    const bsuid = 'US.13491208655302741918';
    await client.sendMessage({ bsuid }, TEXT);
    await client.sendMessage({ phone: '15550002222', bsuid }, TEXT);
    const [toBsuid, toPhone] = fake.sends;
    expect(toBsuid).toMatchObject({ to: bsuid, recipient: bsuid });
    expect(toBsuid!.body).toMatchObject({ recipient: bsuid });
    expect(toBsuid!.body).not.toHaveProperty('to');
    expect(toPhone).toMatchObject({ to: '15550002222' });
    expect(toPhone).not.toHaveProperty('recipient');
  });

  it('rejects waitForSends with a message naming what it waited for and what it got', async () => {
    await clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
    await expect(fake.waitForSends(2, 50)).rejects.toThrow('timed out after 50ms waiting for 2 sends (have 1)');
  });

  it('delays every answer by the configured latency', async () => {
    fake.setLatency(150);
    const started = Date.now();
    await clientFor(fake).markRead('wamid.IN1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('forgets sends and counters on reset while arrays held by callers stay live', async () => {
    const sends = fake.sends;
    await clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
    fake.reset();
    expect(sends).toEqual([]);
    expect(fake.requests).toBe(0);
    await clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
    expect(sends).toHaveLength(1);
  });
});

describe('graph fake: request checks', () => {
  let fake: GraphFake;
  beforeAll(async () => {
    fake = await startGraphFake({ accessToken: TOKEN });
  });
  afterAll(() => fake.close());

  const validText = JSON.stringify({
    messaging_product: 'whatsapp',
    to: '+15550002222',
    type: 'text',
    text: { body: 'hi' },
  });

  it('answers a request without the bearer token with Graph error 190', async () => {
    expect(await postRaw(fake, validText, null)).toMatchObject({ status: 401, json: { error: { code: 190 } } });
    expect(await postRaw(fake, validText, 'wrong')).toMatchObject({ status: 401, json: { error: { code: 190 } } });
    expect(fake.sends).toEqual([]);
    expect((await postRaw(fake, validText)).status).toBe(200);
    expect(fake.sends).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', '{"messaging_product":'],
    [
      'an unknown message type',
      JSON.stringify({ messaging_product: 'whatsapp', to: '+1555', type: 'sticker', sticker: { id: '1' } }),
    ],
    ['a text without body', JSON.stringify({ messaging_product: 'whatsapp', to: '+1555', type: 'text', text: {} })],
    [
      'four reply buttons',
      JSON.stringify({
        messaging_product: 'whatsapp',
        to: '+1555',
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'b' },
          action: { buttons: ['a', 'b', 'c', 'd'].map((id) => ({ type: 'reply', reply: { id, title: id } })) },
        },
      }),
    ],
  ])('answers %s with HTTP 400 and Graph error 100', async (_label, body) => {
    const before = fake.sends.length;
    expect(await postRaw(fake, body)).toMatchObject({ status: 400, json: { error: { code: 100 } } });
    expect(fake.sends).toHaveLength(before);
  });

  it('accepts any token when none is configured', async () => {
    const open = await startGraphFake();
    try {
      expect((await postRaw(open, validText, null)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('graph fake: status callbacks', () => {
  const APP_SECRET = 'callback-secret';
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; raw: Buffer }[];
  let url: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhook/whatsapp`;
  });
  beforeEach(() => {
    received = [];
  });
  afterAll(() => new Promise((resolve) => receiver.close(resolve)));

  it('posts signed sent, delivered and read webhooks in that order after a send', async () => {
    const fake = await startGraphFake({ accessToken: TOKEN, statusCallback: { url, appSecret: APP_SECRET } });
    try {
      const { waMessageId } = await clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
      await fake.flushCallbacks();
      expect(fake.pendingCallbacks).toBe(0);
      expect(received).toHaveLength(3);
      for (const { headers, raw } of received) {
        expect(headers['content-type']).toBe('application/json');
        expect(verifySignature(raw, headers['x-hub-signature-256'] as string, APP_SECRET)).toBe(true);
        expect(verifySignature(raw, headers['x-hub-signature-256'] as string, 'another-secret')).toBe(false);
      }
      const statuses = received.flatMap(
        ({ raw }) => parseWebhook(JSON.parse(raw.toString('utf8')), Date.now()).statuses,
      );
      expect(statuses.map((s) => [s.status, s.waMessageId, s.recipientId])).toEqual([
        ['sent', waMessageId, '15550002222'],
        ['delivered', waMessageId, '15550002222'],
        ['read', waMessageId, '15550002222'],
      ]);
      // Shaped like Meta's (fixtures/whatsapp/status-delivered.json).
      expect(JSON.parse(received[1]!.raw.toString('utf8'))).toEqual({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: expect.any(String),
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: expect.any(String), phone_number_id: PHONE_NUMBER_ID },
                  statuses: [
                    {
                      id: waMessageId,
                      status: 'delivered',
                      timestamp: expect.stringMatching(/^\d{10}$/),
                      recipient_id: '15550002222',
                      pricing: {
                        billable: false,
                        pricing_model: 'PMP',
                        type: 'free_customer_service',
                        category: 'service',
                      },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
    } finally {
      await fake.close();
    }
  });

  it("names a BSUID-only send's recipient by recipient_user_id in its statuses", async () => {
    const fake = await startGraphFake({
      accessToken: TOKEN,
      statusCallback: { url, appSecret: APP_SECRET, statuses: ['delivered'] },
    });
    try {
      const bsuid = 'US.13491208655302741918';
      const { waMessageId } = await clientFor(fake).sendMessage({ bsuid }, TEXT);
      await fake.flushCallbacks();
      const statuses = received.flatMap(
        ({ raw }) => parseWebhook(JSON.parse(raw.toString('utf8')), Date.now()).statuses,
      );
      expect(statuses).toHaveLength(1);
      expect(statuses[0]).toMatchObject({ waMessageId, status: 'delivered', recipientUserId: bsuid });
      expect(statuses[0]!.recipientId).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('posts only the configured statuses and tolerates an unreachable receiver', async () => {
    const fake = await startGraphFake({
      statusCallback: { url, appSecret: APP_SECRET, statuses: ['delivered'], delayMs: 10 },
    });
    const unreachable = await startGraphFake({
      statusCallback: { url: 'http://127.0.0.1:1/hook', appSecret: APP_SECRET },
    });
    try {
      await clientFor(fake).sendMessage({ phone: '15550002222' }, TEXT);
      await clientFor(unreachable).sendMessage({ phone: '15550002222' }, TEXT);
      await Promise.all([fake.flushCallbacks(), unreachable.flushCallbacks()]);
      expect(received).toHaveLength(1);
      expect(parseWebhook(JSON.parse(received[0]!.raw.toString('utf8')), Date.now()).statuses[0]!.status).toBe(
        'delivered',
      );
      expect(unreachable.pendingCallbacks).toBe(0);
    } finally {
      await Promise.all([fake.close(), unreachable.close()]);
    }
  });
});

describe('graph fake: read receipts and typing indicators', () => {
  let fake: GraphFake;
  beforeEach(async () => {
    fake = await startGraphFake({ accessToken: TOKEN });
  });
  afterEach(() => fake.close());

  it('records typing indicators apart from mark-read requests, and sends nothing', async () => {
    const client = clientFor(fake);
    await client.markRead('wamid.IN1');
    await client.sendTypingIndicator('wamid.IN2');
    expect(fake.reads).toEqual(['wamid.IN1']);
    expect(fake.typingIndicators).toEqual(['wamid.IN2']);
    expect(fake.sends).toEqual([]);
    fake.reset();
    expect(fake.typingIndicators).toEqual([]);
  });

  it('refuses a typing indicator for an empty id with 131009 and one of another type with 100', async () => {
    const empty = await postRaw(
      fake,
      JSON.stringify({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: '',
        typing_indicator: { type: 'text' },
      }),
    );
    expect(empty).toMatchObject({ status: 400, json: { error: { code: 131009 } } });
    const odd = await postRaw(
      fake,
      JSON.stringify({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: 'x',
        typing_indicator: { type: 'audio' },
      }),
    );
    expect(odd).toMatchObject({ status: 400, json: { error: { code: 100 } } });
    expect(fake.typingIndicators).toEqual([]);
    // Any non-empty id is accepted, as Meta's format is not the fake's business.
    await clientFor(fake).sendTypingIndicator('x');
    expect(fake.typingIndicators).toEqual(['x']);
  });

  it('fails the next mark-read or typing requests as queued, recording none of them, then answers again', async () => {
    const client = clientFor(fake);
    fake.failNextRead(1, {
      status: 400,
      body: { error: { code: 131009, message: '(#131009) Parameter value is not valid' } },
    });
    fake.failNextRead(1, { status: 503 });
    await expect(client.markRead('wamid.IN1')).rejects.toMatchObject({ code: 131009, retryable: false });
    await expect(client.sendTypingIndicator('wamid.IN1')).rejects.toMatchObject({ status: 503, retryable: true });
    expect([fake.reads, fake.typingIndicators]).toEqual([[], []]);
    await client.markRead('wamid.IN1');
    expect(fake.reads).toEqual(['wamid.IN1']);
  });
});
