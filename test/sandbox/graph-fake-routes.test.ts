import { createHash } from 'node:crypto';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';

// The fake's HTTP surface as a client meets it, below the Graph client: which paths and methods it
// routes, the 400 for every other one, the answers' headers and bodies, and the order of its checks
// (the token before the path). The Graph client never makes most of these requests, so nothing else
// would notice a route that drifted.

const TOKEN = 'fake-token';
const PHONE_NUMBER_ID = '106000000000001';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const TEXT_SEND = JSON.stringify({
  messaging_product: 'whatsapp',
  to: '+15550002222',
  type: 'text',
  text: { body: 'hi' },
});

let fake: GraphFake;
let origin: string;
beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
  origin = new URL(fake.baseUrl).origin;
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

interface Answer {
  status: number;
  type: string | null;
  text: string;
}

async function request(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${origin}${path}`, { ...init, headers: { ...AUTH, ...init.headers } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const errorOf = (answer: Answer) => (JSON.parse(answer.text) as { error: { code: number; message: string } }).error;

describe('graph fake: routes', () => {
  it.each([
    ['GET', '/v22.0/106000000000001/messages'],
    ['PUT', '/v22.0/106000000000001/messages'],
    ['POST', '/v21.0/106000000000001/messages'],
    ['POST', '/v22.0/106000000000001/messages/extra'],
    ['GET', '/v22.0/106000000000001/message_templates/extra?limit=1'],
    ['DELETE', '/v22.0/123'],
    ['GET', '/'],
    ['GET', '/v22.0'],
    ['GET', '/media-download'],
    ['GET', '/media-download/1/2'],
    ['POST', '/media-download/1'],
    ['POST', '/v21.0/106000000000001/media'],
  ])('answers %s %s with 400 and Graph error 100 naming the request', async (method, path) => {
    const answer = await request(path, { method });
    expect(answer).toMatchObject({ status: 400, type: 'application/json' });
    expect(errorOf(answer)).toMatchObject({ code: 100, message: `(#100) Unknown path components: ${method} ${path}` });
  });

  it('answers HEAD, which no route serves, with 400 and no body', async () => {
    fake.addMedia('9001', Buffer.from('x'), 'image/jpeg');
    expect(await request('/media-download/9001', { method: 'HEAD' })).toMatchObject({ status: 400, text: '' });
    expect(await request('/v22.0/9001', { method: 'HEAD' })).toMatchObject({ status: 400, text: '' });
  });

  it('checks the token before the path, and counts every request', async () => {
    const answer = await request('/nowhere', { headers: { Authorization: 'Bearer wrong' } });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe(190);
    await request('/nowhere');
    expect(fake.requests).toBe(2);
  });

  it('takes a send with a trailing slash, and answers JSON as application/json', async () => {
    const answer = await request(`/v22.0/${PHONE_NUMBER_ID}/messages/`, { method: 'POST', body: TEXT_SEND });
    expect(answer).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse(answer.text)).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '+15550002222', wa_id: '15550002222' }],
      messages: [{ id: fake.sends[0]!.waMessageId }],
    });
    expect(fake.sends[0]).toMatchObject({ phoneNumberId: PHONE_NUMBER_ID, to: '15550002222' });
  });

  it('answers a queued failure without a body with its status and an empty body', async () => {
    fake.failNext(1, { status: 503 });
    const answer = await request(`/v22.0/${PHONE_NUMBER_ID}/messages`, { method: 'POST', body: TEXT_SEND });
    expect(answer).toMatchObject({ status: 503, text: '' });
    expect(fake.attempts).toEqual([expect.objectContaining({ outcome: 'failed', status: 503, to: '15550002222' })]);
  });

  it("refuses a send body over 1 MiB with 413 in Graph's shape, and records no attempt", async () => {
    const text = 'x'.repeat(1024 * 1024);
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      to: '+15550002222',
      type: 'text',
      text: { body: text },
    });
    const answer = await request(`/v22.0/${PHONE_NUMBER_ID}/messages`, { method: 'POST', body });
    expect(answer.status).toBe(413);
    expect(errorOf(answer)).toMatchObject({ code: 100, message: '(#100) Invalid parameter' });
    expect([fake.sends, fake.attempts]).toEqual([[], []]);
  });

  it('describes planted media by id and serves its bytes with its own type, ids percent-decoded', async () => {
    const data = Buffer.from('plain words');
    fake.addMedia('note 1', data, 'text/plain');
    const info = await request('/v22.0/note%201');
    expect(info).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse(info.text)).toEqual({
      messaging_product: 'whatsapp',
      url: `${origin}/media-download/note%201`,
      mime_type: 'text/plain',
      sha256: createHash('sha256').update(data).digest('base64'),
      file_size: data.length,
      id: 'note 1',
    });
    const res = await fetch(`${origin}/media-download/note%201`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('content-length')).toBe(String(data.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  it('answers unknown media with 400 to a lookup and 404 to a download', async () => {
    const info = await request('/v22.0/404000');
    expect(info.status).toBe(400);
    expect(errorOf(info)).toMatchObject({
      code: 100,
      message: '(#100) Unsupported get request. Object does not exist',
    });
    const download = await request('/media-download/404000');
    expect(download.status).toBe(404);
    expect(errorOf(download)).toMatchObject({ code: 100, message: '(#100) Media not found' });
  });

  it('lists templates at message_templates with paging', async () => {
    const answer = await request(`/v22.0/102000000000001/message_templates?limit=1`);
    expect(answer).toMatchObject({ status: 200, type: 'application/json' });
    const page = JSON.parse(answer.text) as { data: unknown[]; paging: { next?: string } };
    expect(page.data).toHaveLength(1);
    expect(page.paging.next).toMatch(/\/v22\.0\/102000000000001\/message_templates\?limit=1&after=/);
  });
});
