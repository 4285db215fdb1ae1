import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WhatsAppApiError } from '../../src/whatsapp/errors';
import { createGraphClient, type WhatsAppClient } from '../../src/whatsapp/graph-client';
import { DEFAULT_FAKE_TEMPLATES, FAKE_TEMPLATE_PAGE_SIZE } from '../../tools/sandbox/graph-fake-templates';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';

// The Graph client's template listing: every page followed by its cursor, answers parsed, failures
// classified like the other calls.

const TOKEN = 'test-access-token';
const WABA = '102000000000009';

let fake: GraphFake;
let client: WhatsAppClient;

beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
  client = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TOKEN, phoneNumberId: '1', timeoutMs: 2_000 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const template = (i: number) => ({
  id: String(7000 + i),
  name: `template_${String(i).padStart(2, '0')}`,
  language: 'en',
  status: 'APPROVED',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL' as const,
  components: [{ type: 'BODY', text: `Text ${i} {{1}}` }],
});

describe('listing templates', () => {
  it('follows every page of the fake and returns the templates in order', async () => {
    const before = fake.requests;
    const listed = await client.listTemplates(WABA);
    expect(listed).toEqual(DEFAULT_FAKE_TEMPLATES);
    // Five templates at two a page: three requests.
    expect(fake.requests - before).toBe(Math.ceil(DEFAULT_FAKE_TEMPLATES.length / FAKE_TEMPLATE_PAGE_SIZE));
  });

  it('reads an account with many templates and one with none', async () => {
    const many = Array.from({ length: 11 }, (_, i) => template(i));
    fake.setTemplates(many);
    expect((await client.listTemplates(WABA)).map((t) => t.name)).toEqual(many.map((t) => t.name));
    fake.setTemplates([]);
    expect(await client.listTemplates(WABA)).toEqual([]);
  });

  it('fails with the Graph error code when the token is refused', async () => {
    const refused = createGraphClient({ baseUrl: fake.baseUrl, accessToken: 'wrong', phoneNumberId: '1' });
    const error = await refused.listTemplates(WABA).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WhatsAppApiError);
    expect(error).toMatchObject({ code: 190, status: 401, retryable: false });
    expect((error as Error).message).not.toContain('wrong');
  });
});

describe('listing templates from a Graph that answers oddly', () => {
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  const urls: string[] = [];
  let graph: WhatsAppClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const server = createServer((req, res) => {
      urls.push(req.url ?? '');
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    graph = createGraphClient({ baseUrl: `http://127.0.0.1:${port}/v22.0`, accessToken: TOKEN, phoneNumberId: '1' });
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());
  beforeEach(() => {
    urls.length = 0;
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it('asks for the fields it reads, passes the cursor on, and stops at a page without next', async () => {
    answer = (req, res) => {
      const after = new URL(req.url!, 'http://x').searchParams.get('after');
      if (after === null)
        return json(res, 200, { data: [template(1)], paging: { cursors: { after: 'c1' }, next: 'https://x/next' } });
      // The last page: cursors, no next.
      json(res, 200, { data: [template(2)], paging: { cursors: { before: 'c1', after: 'c2' } } });
    };
    expect((await graph.listTemplates(WABA)).map((t) => t.id)).toEqual(['7001', '7002']);
    const [first, second] = urls.map((u) => new URL(u, 'http://x'));
    expect(first!.pathname).toBe(`/v22.0/${WABA}/message_templates`);
    expect(first!.searchParams.get('fields')).toBe('name,language,status,category,components,parameter_format');
    expect(first!.searchParams.get('after')).toBeNull();
    expect(second!.searchParams.get('after')).toBe('c1');
    expect(urls).toHaveLength(2);
  });

  it('leaves out a template it cannot read and keeps the others', async () => {
    answer = (_req, res) =>
      json(res, 200, { data: [{ name: 'no_id', language: 'en' }, template(3), 'junk', { ...template(4), id: 4004 }] });
    expect((await graph.listTemplates(WABA)).map((t) => t.id)).toEqual(['7003', '4004']);
  });

  it('refuses an answer without a data array, and a retryable 5xx is marked so', async () => {
    answer = (_req, res) => json(res, 200, { templates: [] });
    await expect(graph.listTemplates(WABA)).rejects.toMatchObject({ name: 'WhatsAppApiError', retryable: false });
    answer = (_req, res) => {
      res.writeHead(503);
      res.end();
    };
    await expect(graph.listTemplates(WABA)).rejects.toMatchObject({ status: 503, retryable: true });
  });

  it('gives up on a listing whose pages never end', async () => {
    let n = 0;
    answer = (_req, res) =>
      json(res, 200, { data: [], paging: { cursors: { after: `c${++n}` }, next: 'https://x/next' } });
    await expect(graph.listTemplates(WABA)).rejects.toThrow(/did not end after 100 pages/);
  });
});
