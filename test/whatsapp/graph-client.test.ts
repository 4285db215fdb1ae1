import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboundContent } from '../../domain/types';
import { WhatsAppApiError } from '../../src/whatsapp/errors';
import { checkOutboundLimits, createGraphClient } from '../../src/whatsapp/graph-client';
import type { WhatsAppClient } from '../../src/whatsapp/graph-client';
import { startGraphFake } from '../../tools/sandbox/graph-fake';
import type { GraphFake, GraphFakeFailure } from '../../tools/sandbox/graph-fake';
import { fixtureJson } from '../helpers/fixtures';

const TOKEN = 'test-access-token';
const PHONE_NUMBER_ID = '106000000000001';

let fake: GraphFake;
let client: WhatsAppClient;

beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
  client = createGraphClient({
    baseUrl: fake.baseUrl,
    accessToken: TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
    timeoutMs: 2_000,
  });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function graphErrorBody(code: number, message: string): unknown {
  return { error: { message: `(#${code}) ${message}`, type: 'OAuthException', code, fbtrace_id: `trace-${code}` } };
}

/** The error a send fails with after the fake answered the way `failure` says. */
async function sendError(failure: GraphFakeFailure, sender = client): Promise<WhatsAppApiError> {
  fake.failNext(1, failure);
  const error = await sender.sendMessage({ phone: '15550002222' }, { kind: 'text', text: 'hello' }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WhatsAppApiError);
  return error as WhatsAppApiError;
}

describe('sending', () => {
  it('posts a text body with the + prefixed recipient and returns the wamid Meta gave', async () => {
    const { waMessageId } = await client.sendMessage({ phone: '15550002222' }, { kind: 'text', text: 'Olá 👋' });
    expect(fake.sends).toHaveLength(1);
    const [send] = fake.sends;
    expect(send!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15550002222',
      type: 'text',
      text: { body: 'Olá 👋' },
    });
    expect(send!.phoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(send!.to).toBe('15550002222');
    expect(waMessageId).toMatch(/^wamid\./);
    expect(waMessageId).toBe(send!.waMessageId);
  });

  it('posts reply buttons with header and footer', async () => {
    await client.sendMessage(
      { phone: '+1 555 000-2222' },
      {
        kind: 'buttons',
        header: 'Order help',
        body: 'What do you need help with?',
        footer: 'Reply STOP to opt out',
        buttons: [
          { id: 'track_order', title: 'Track my order' },
          { id: 'refund', title: 'Refund' },
        ],
      },
    );
    expect(fake.sends[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15550002222',
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Order help' },
        body: { text: 'What do you need help with?' },
        footer: { text: 'Reply STOP to opt out' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'track_order', title: 'Track my order' } },
            { type: 'reply', reply: { id: 'refund', title: 'Refund' } },
          ],
        },
      },
    });
  });

  it('posts a list message and the fake reads the same content back', async () => {
    const content: OutboundContent = {
      kind: 'list',
      body: 'Which of these is closest to your question?',
      button: 'See options',
      sections: [
        { title: 'Orders', rows: [{ id: 'refund_request', title: 'Request a refund', description: 'Start a refund' }] },
        { title: 'Account', rows: [{ id: 'password', title: 'Reset password' }] },
      ],
    };
    await client.sendMessage({ phone: '15550002222' }, content);
    expect(fake.sends[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15550002222',
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Which of these is closest to your question?' },
        action: {
          button: 'See options',
          sections: [
            {
              title: 'Orders',
              rows: [{ id: 'refund_request', title: 'Request a refund', description: 'Start a refund' }],
            },
            { title: 'Account', rows: [{ id: 'password', title: 'Reset password' }] },
          ],
        },
      },
    });
    expect(fake.sends[0]!.content).toEqual(content);
  });

  it('sends to a BSUID as recipient with no to, and to the phone alone when both are known', async () => {
    await client.sendMessage({ bsuid: 'US.13491208655302741918' }, { kind: 'text', text: 'Hello' });
    await client.sendMessage({ phone: '15550002222', bsuid: 'US.13491208655302741918' }, { kind: 'text', text: 'Hi' });
    const [toBsuid, toPhone] = fake.sends;
    expect(toBsuid!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'US.13491208655302741918',
      type: 'text',
      text: { body: 'Hello' },
    });
    expect(toBsuid).toMatchObject({ to: 'US.13491208655302741918', recipient: 'US.13491208655302741918' });
    expect(toPhone!.body).toMatchObject({ to: '+15550002222' });
    expect(toPhone!.body).not.toHaveProperty('recipient');
    expect(toPhone).not.toHaveProperty('recipient');
  });

  it('quotes the replied-to message through context.message_id', async () => {
    await client.sendMessage(
      { phone: '15550002222' },
      { kind: 'text', text: 'Sure' },
      { contextMessageId: 'wamid.IN1' },
    );
    expect((fake.sends[0]!.body as { context?: unknown }).context).toEqual({ message_id: 'wamid.IN1' });
    expect(fake.sends[0]!.contextMessageId).toBe('wamid.IN1');
  });
});

describe('mark read and media', () => {
  it('marks a message read without sending anything', async () => {
    await client.markRead('wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=');
    expect(fake.reads).toEqual(['wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQUZBNEUwMDAwMDAwMDAwMDAwMQA=']);
    expect(fake.sends).toEqual([]);
  });

  it('sends the typing indicator body, which also marks the message read', async () => {
    await client.sendTypingIndicator('wamid.IN1');
    expect(fake.typingIndicators).toEqual(['wamid.IN1']);
    expect(fake.reads).toEqual([]);
    expect(fake.sends).toEqual([]);
  });

  it('downloads media through the lookup url with the bytes and mime type that were stored', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
    fake.addMedia('1000000000000001', bytes, 'image/jpeg');
    const media = await client.downloadMedia('1000000000000001');
    expect(media.data.equals(bytes)).toBe(true);
    expect(media.mimeType).toBe('image/jpeg');
  });

  it('follows a redirect on the Graph origin with the token, and none to another origin', async () => {
    // Only the Graph side (the fake's origin) and Meta's https media hosts may serve bytes: a redirect
    // to a CDN on another origin (another port) is refused before it is requested.
    const seen: { path: string; authorization?: string }[] = [];
    let cdnTarget = false;
    const cdn = createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from('jpeg bytes'));
    });
    const graph = createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const origin = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
      if (req.url === '/v22.0/media-1')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ url: `${origin}/download/media-1`, mime_type: 'image/jpeg' }));
      else if (req.url === '/download/media-1') {
        const cdnOrigin = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
        res.writeHead(302, { location: cdnTarget ? `${cdnOrigin}/files/media-1` : `${origin}/files/media-1` }).end();
      } else res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from('jpeg bytes'));
    });
    await Promise.all(
      [cdn, graph].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
    );
    try {
      const redirected = createGraphClient({
        baseUrl: `http://127.0.0.1:${(graph.address() as AddressInfo).port}/v22.0`,
        accessToken: TOKEN,
        phoneNumberId: PHONE_NUMBER_ID,
      });
      const media = await redirected.downloadMedia('media-1');
      expect(media).toMatchObject({ mimeType: 'image/jpeg', data: Buffer.from('jpeg bytes') });
      expect(seen).toEqual([
        { path: '/v22.0/media-1', authorization: `Bearer ${TOKEN}` },
        { path: '/download/media-1', authorization: `Bearer ${TOKEN}` },
        { path: '/files/media-1', authorization: `Bearer ${TOKEN}` },
      ]);
      seen.length = 0;
      cdnTarget = true;
      const refused = await redirected.downloadMedia('media-1').catch((err: unknown) => err);
      expect(refused).toMatchObject({ name: 'WhatsAppApiError', refusal: 'media_url_refused', retryable: false });
      expect(seen.map((s) => s.path)).toEqual(['/v22.0/media-1', '/download/media-1']);
    } finally {
      await Promise.all([cdn, graph].map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('fails permanently for an unknown media id', async () => {
    const error = await client.downloadMedia('404').catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'WhatsAppApiError', code: 100, retryable: false });
  });
});

describe('error classification', () => {
  it.each([
    ['HTTP 500 without a body', { status: 500 }, undefined],
    ['HTTP 503 without a body', { status: 503 }, undefined],
    ['HTTP 429 without a body', { status: 429 }, undefined],
    ['HTTP 400 with 130429 (throughput)', { status: 400, body: fixtureJson('send-error-130429.json') }, 130429],
    ['HTTP 400 with 131056 (pair rate)', { status: 400, body: graphErrorBody(131056, 'Pair rate limit hit') }, 131056],
    [
      'HTTP 400 with 131000 (unknown error)',
      { status: 400, body: graphErrorBody(131000, 'Something went wrong') },
      131000,
    ],
    [
      'HTTP 503 with 131016 (service unavailable)',
      { status: 503, body: graphErrorBody(131016, 'Service unavailable') },
      131016,
    ],
  ])('treats %s as retryable', async (_label, failure, code) => {
    const error = await sendError(failure);
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(failure.status);
    expect(error.code).toBe(code);
    expect(fake.sends).toEqual([]);
  });

  it('treats 131047 (24-hour window closed) as permanent and keeps what Graph said', async () => {
    const error = await sendError({ status: 400, body: fixtureJson('send-error-131047.json') });
    expect(error).toMatchObject({
      name: 'WhatsAppApiError',
      status: 400,
      code: 131047,
      title: 'Re-engagement message',
      details:
        'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      retryable: false,
      fbtraceId: 'AFakeTrace131047xYz0002',
    });
  });

  it.each([
    ['a 500 carrying 131047', { status: 500, body: graphErrorBody(131047, 'Re-engagement message') }, 131047],
    ['131026 (undeliverable)', { status: 400, body: graphErrorBody(131026, 'Message undeliverable') }, 131026],
    ['100 (invalid parameter)', { status: 400, body: graphErrorBody(100, 'Invalid parameter') }, 100],
    ['190 (expired token)', { status: 401, body: graphErrorBody(190, 'Access token has expired') }, 190],
  ])('treats %s as permanent, by code', async (_label, failure, code) => {
    const error = await sendError(failure);
    expect(error.retryable).toBe(false);
    expect(error.code).toBe(code);
  });

  it('treats HTTP 400 without a Graph body as permanent', async () => {
    const error = await sendError({ status: 400, body: { unexpected: true } });
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.code).toBeUndefined();
  });

  it('does not retry a 200 answer without a wamid, since the message may have gone out', async () => {
    const error = await sendError({ status: 200, body: { messaging_product: 'whatsapp' } });
    expect(error).toMatchObject({ status: 200, retryable: false });
  });

  it('turns an answer slower than timeoutMs into a retryable timeout', async () => {
    const impatient = createGraphClient({
      baseUrl: fake.baseUrl,
      accessToken: TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      timeoutMs: 150,
    });
    const error = await sendError({ delayMs: 1_000 }, impatient);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('timed out after 150ms');
    // The fake sees the client go away and does not record the send.
    await fake.waitFor(() => fake.aborted === 1, 3_000, 'the abandoned send');
    expect(fake.sends).toEqual([]);
  });

  it('turns a refused connection into a retryable network error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const offline = createGraphClient({
      baseUrl: `http://127.0.0.1:${port}/v22.0`,
      accessToken: TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
    });
    const error = await offline.markRead('wamid.X').catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'WhatsAppApiError', retryable: true });
    expect((error as Error).cause).toBeDefined();
  });

  it('gets a permanent 190 when the token is wrong', async () => {
    const wrongToken = createGraphClient({
      baseUrl: fake.baseUrl,
      accessToken: 'stale',
      phoneNumberId: PHONE_NUMBER_ID,
    });
    const error = await wrongToken
      .sendMessage({ phone: '15550002222' }, { kind: 'text', text: 'hi' })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 401, code: 190, retryable: false });
    expect(fake.sends).toEqual([]);
  });
});

describe('outbound limits', () => {
  const button = (id: string, title: string) => ({ id, title });
  const row = (id: string, title = 'Row') => ({ id, title });
  const list = (overrides: Partial<Extract<OutboundContent, { kind: 'list' }>>): OutboundContent => ({
    kind: 'list',
    body: 'Pick one',
    button: 'Options',
    sections: [{ title: 'Section', rows: [row('r1')] }],
    ...overrides,
  });

  it.each<[string, OutboundContent]>([
    ['a text over 4096 characters', { kind: 'text', text: 'x'.repeat(4097) }],
    ['an empty text', { kind: 'text', text: '' }],
    ['no buttons', { kind: 'buttons', body: 'b', buttons: [] }],
    ['four buttons', { kind: 'buttons', body: 'b', buttons: ['1', '2', '3', '4'].map((i) => button(i, `T${i}`)) }],
    ['a 21-character button title', { kind: 'buttons', body: 'b', buttons: [button('a', 'x'.repeat(21))] }],
    ['an empty button title', { kind: 'buttons', body: 'b', buttons: [button('a', '')] }],
    ['duplicate button titles', { kind: 'buttons', body: 'b', buttons: [button('a', 'Same'), button('b', 'Same')] }],
    ['a 257-character button id', { kind: 'buttons', body: 'b', buttons: [button('i'.repeat(257), 'Ok')] }],
    ['a 1025-character button body', { kind: 'buttons', body: 'x'.repeat(1025), buttons: [button('a', 'Ok')] }],
    ['a 61-character header', { kind: 'buttons', body: 'b', header: 'x'.repeat(61), buttons: [button('a', 'Ok')] }],
    ['a 61-character footer', list({ footer: 'x'.repeat(61) })],
    [
      'eleven rows across sections',
      list({
        sections: [
          { title: 'A', rows: 'abcdef'.split('').map((c) => row(c)) },
          { title: 'B', rows: 'ghijk'.split('').map((c) => row(c)) },
        ],
      }),
    ],
    ['no rows', list({ sections: [{ title: 'A', rows: [] }] })],
    ['a 25-character row title', list({ sections: [{ title: 'A', rows: [row('r', 'x'.repeat(25))] }] })],
    [
      'a 73-character row description',
      list({ sections: [{ title: 'A', rows: [{ id: 'r', title: 't', description: 'x'.repeat(73) }] }] }),
    ],
    ['a 201-character row id', list({ sections: [{ title: 'A', rows: [row('i'.repeat(201))] }] })],
    ['a 25-character section title', list({ sections: [{ title: 'x'.repeat(25), rows: [row('r')] }] })],
    ['a 21-character list button', list({ button: 'x'.repeat(21) })],
    ['a 1025-character list body', list({ body: 'x'.repeat(1025) })],
  ])('rejects %s before any request reaches Graph', async (_label, content) => {
    expect(checkOutboundLimits(content)).not.toEqual([]);
    const before = fake.requests;
    const error = await client.sendMessage({ phone: '15550002222' }, content).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'WhatsAppApiError', code: 100, retryable: false });
    expect(fake.requests).toBe(before);
  });

  it('counts characters as code points, so 20 emoji make a valid button title', () => {
    const twentyEmoji = '😀'.repeat(20); // 40 UTF-16 units
    expect(checkOutboundLimits({ kind: 'buttons', body: 'b', buttons: [button('a', twentyEmoji)] })).toEqual([]);
    expect(checkOutboundLimits({ kind: 'buttons', body: 'b', buttons: [button('a', twentyEmoji + '😀')] })).toEqual([
      'buttons[0].title must be 1-20 characters (got 21)',
    ]);
  });

  it('accepts content exactly at the limits', () => {
    expect(checkOutboundLimits({ kind: 'text', text: 'x'.repeat(4096) })).toEqual([]);
    const tenRows = Array.from({ length: 10 }, (_, i) => ({
      id: 'i'.repeat(199) + i,
      title: 'x'.repeat(24),
      description: 'd'.repeat(72),
    }));
    expect(
      checkOutboundLimits(
        list({
          body: 'x'.repeat(1024),
          button: 'x'.repeat(20),
          header: 'h'.repeat(60),
          footer: 'f'.repeat(60),
          sections: [{ title: 's'.repeat(24), rows: tenRows }],
        }),
      ),
    ).toEqual([]);
  });
});
