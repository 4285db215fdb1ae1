import type { TemplateContent } from '../../domain/types';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient, type WhatsAppClient } from '../../src/whatsapp/graph-client';

// The Graph fake's templates: sends checked as WhatsApp checks them, and recorded with their text.

const TOKEN = 'test-access-token';
let fake: GraphFake;
let client: WhatsAppClient;

beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
  client = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TOKEN, phoneNumberId: '106000000000001' });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const followUp = (parameters: TemplateContent['parameters']): TemplateContent => ({
  kind: 'template',
  name: 'support_follow_up',
  language: 'en',
  parameters,
  rendered: '',
});

async function refusal(content: TemplateContent): Promise<unknown> {
  return client.sendMessage({ phone: '15550002222' }, content).then(
    () => 'accepted',
    (err: unknown) => err,
  );
}

describe('graph fake: template sends', () => {
  it('records an approved template with its rendered text', async () => {
    const { waMessageId } = await client.sendMessage(
      { phone: '15550002222' },
      followUp([{ component: 'body', name: 'first_name', text: 'Ngozi' }]),
    );
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0]).toMatchObject({
      waMessageId,
      type: 'template',
      content: {
        kind: 'template',
        name: 'support_follow_up',
        language: 'en',
        parameters: [{ component: 'body', name: 'first_name', text: 'Ngozi' }],
        rendered: expect.stringMatching(/^Hi Ngozi, this is the EduBot support team/),
      },
    });
  });

  it('fills a positional template with a header and a footer', async () => {
    await client.sendMessage(
      { phone: '15550002222' },
      {
        kind: 'template',
        name: 'payment_reminder',
        language: 'en',
        parameters: [
          { component: 'header', text: 'EduBot Monthly' },
          { component: 'body', text: 'Ada' },
        ],
        rendered: '',
      },
    );
    expect(fake.sends[0]!.content).toMatchObject({
      rendered: expect.stringMatching(/^Your EduBot Monthly payment\n\nHi Ada, .*\n\nEduBot$/s),
    });
  });

  it.each([
    ['an unknown name', { name: 'nope' }, 132001],
    ['an unknown language', { language: 'fr' }, 132001],
  ])('refuses %s with 132001', async (_, change, code) => {
    const error = await refusal({ ...followUp([{ component: 'body', name: 'first_name', text: 'A' }]), ...change });
    expect(error).toMatchObject({ name: 'WhatsAppApiError', status: 400, code, retryable: false });
    expect(fake.sends).toHaveLength(0);
    expect(fake.attempts.at(-1)).toMatchObject({ outcome: 'failed', status: 400, code });
  });

  it.each([
    ['PAUSED', 132015],
    ['DISABLED', 132016],
    ['REJECTED', 132001],
  ])('refuses a template that is %s with %i, and sends it again once approved', async (status, code) => {
    const content = followUp([{ component: 'body', name: 'first_name', text: 'A' }]);
    fake.setTemplateStatus('support_follow_up', 'en', status);
    expect(await refusal(content)).toMatchObject({ code });
    fake.setTemplateStatus('support_follow_up', 'en', 'APPROVED');
    await client.sendMessage({ phone: '15550002222' }, content);
    expect(fake.sends).toHaveLength(1);
  });

  it.each([
    ['too few parameters', []],
    [
      'too many parameters',
      [
        { component: 'body' as const, name: 'first_name', text: 'A' },
        { component: 'body' as const, name: 'last_name', text: 'B' },
      ],
    ],
    ['a wrong name', [{ component: 'body' as const, name: 'firstname', text: 'A' }]],
    ['a header the template has not', [{ component: 'header' as const, text: 'A' }]],
  ])('refuses %s with 132000', async (_, parameters) => {
    expect(await refusal(followUp(parameters))).toMatchObject({ code: 132000, status: 400 });
    expect(fake.sends).toHaveLength(0);
  });

  it('refuses a value WhatsApp does not take with 132018', async () => {
    const error = await refusal(followUp([{ component: 'body', name: 'first_name', text: 'two\nlines' }]));
    expect(error).toMatchObject({ code: 132018, status: 400 });
    expect(fake.sends).toHaveLength(0);
  });

  it('puts the default templates back on reset', async () => {
    fake.setTemplates([]);
    expect(fake.templates).toEqual([]);
    fake.reset();
    expect(fake.templates.map((t) => `${t.name}/${t.language}`)).toEqual([
      'support_follow_up/en',
      'support_follow_up/es',
      'homework_reminder/en',
      'payment_reminder/en',
      'chat_rating/en',
      'exam_results_offer/en',
    ]);
    expect(() => fake.setTemplateStatus('nope', 'en', 'PAUSED')).toThrow(/no template nope/);
  });
});

describe('graph fake: template listing', () => {
  const list = (query: string) =>
    fetch(`${fake.baseUrl}/102000000000009/message_templates${query}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });

  it('pages by cursor, with next on every page but the last', async () => {
    const first = (await (await list('?limit=100')).json()) as {
      data: { name: string }[];
      paging: { cursors: { after: string }; next?: string };
    };
    expect(first.data).toHaveLength(2);
    expect(first.paging.next).toBeDefined();
    const last = (await (
      await list('?after=' + encodeURIComponent(Buffer.from('offset:5').toString('base64url')))
    ).json()) as {
      data: { name: string }[];
      paging: { next?: string };
    };
    expect(last.data.map((t) => t.name)).toEqual(['exam_results_offer']);
    expect(last.paging.next).toBeUndefined();
  });

  it('answers a cursor it never gave with a Graph error', async () => {
    const answer = await list('?after=bogus');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: 100 } });
  });
});
