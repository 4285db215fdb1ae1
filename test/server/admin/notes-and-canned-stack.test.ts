import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../../src/temporal/payload-codec';
import { AdminClient } from '../../helpers/admin-client';
import { textOf, TestUser } from '../../helpers/conversation';
import { workflowIdOf } from '../../helpers/contacts';
import { newPhone } from '../../helpers/fixtures';
import { testPayloadKeys } from '../../helpers/payload-keys';
import { startTestStack, type TestStack } from '../../helpers/stack';

// Notes and canned responses on the whole product: real Temporal and Postgres, the Graph API fake
// as WhatsApp, a student writing through signed webhooks.

let stack: TestStack;
let admin: AdminClient;
let agent: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  admin = new AdminClient(stack, stack.config.adminToken);
  agent = await AdminClient.agent(stack, 'Agent Zainab');
});

afterAll(async () => {
  await stack?.stop();
});

// Texts that would mean something to the conversation if they were ever handled as a message or a
// command: keywords, a command body, JSON of one, fields, markup and the longest text allowed.
const NOTE_TEXTS = [
  'end chat',
  'support',
  'menu',
  'close',
  '/send Hello from a note',
  '{"message":"sent from a note"}',
  'Hi {first_name}, this is a note',
  "<img src=x onerror=alert('note')>",
  `note-of-4096 ${'😀'.repeat(4082)}`,
];
// The notes no text of the conversation could hold by chance (the bot's own texts say "end chat").
const NOTE_ONLY_TEXTS = NOTE_TEXTS.filter((text) => text.includes('note'));

/** Every text held in the workflow's history (its payloads, decrypted), to look for a note in it. */
async function workflowHistoryText(user: TestUser): Promise<string> {
  const history = await stack.client.workflow.getHandle(await workflowIdOf(stack.db, user.phone)).fetchHistory();
  const payloads: Payload[] = [];
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      // A payload: kept to decrypt, as the codec server would (fetchHistory answers them encrypted).
      if ('metadata' in value && 'data' in value) payloads.push(value as Payload);
      Object.values(value).forEach(walk);
    }
  };
  walk(history);
  for (const decoded of await new AesGcmPayloadCodec(testPayloadKeys()).decode(payloads)) walk(decoded.data);
  return texts.join('\n');
}

describe('a note', () => {
  it('never reaches WhatsApp or the conversation, whatever it says, while every send fails and the worker is down', async () => {
    const user = new TestUser(stack, newPhone(), 'Ifeoma Nwosu');
    await user.register();
    await user.say('support');
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    const attemptsBefore = stack.fake.attempts.length;
    const sendsBefore = stack.fake.sendsTo(user.phone).length;
    const { rows: stored } = await stack.db.query<{ n: string }>(
      'select count(*) as n from messages where contact_id = $1',
      [await user.contact()],
    );

    // Every send WhatsApp gets fails; half the notes are written with the worker stopped too.
    stack.fake.setStorm({ errorRate: 1, failure: { status: 500 } });
    const written: number[] = [];
    for (const [i, text] of NOTE_TEXTS.entries()) {
      if (i === Math.floor(NOTE_TEXTS.length / 2)) await stack.stopWorker();
      const answer = await (i % 2 === 0 ? agent : admin).request(
        'POST',
        `/api/admin/conversations/${user.phone}/notes`,
        { text },
      );
      expect(answer.status).toBe(201);
      written.push(answer.body.note.id);
    }
    await stack.startWorker();
    stack.fake.setStorm(undefined);

    // The conversation's one ordered path to WhatsApp: a message sent now goes out after anything
    // queued before it, so once it is accepted nothing of a note can still be on its way.
    const sent = await agent.chat('send', user.phone, 'A real reply after the notes');
    expect(sent.status).toBe(200);

    const attempts = stack.fake.attempts.slice(attemptsBefore);
    expect(attempts.map((a) => [a.to, a.outcome])).toEqual([[user.phone, 'accepted']]);
    const since = stack.fake.sendsTo(user.phone).slice(sendsBefore).map(textOf);
    expect(since).toEqual([expect.stringContaining('A real reply after the notes')]);

    // No message row for a note: the only new row is the reply.
    const { rows } = await stack.db.query<{ body: string | null; sender: string }>(
      'select body, sender from messages where contact_id = $1 order by id offset $2',
      [await user.contact(), Number(stored[0]!.n)],
    );
    expect(rows).toEqual([{ body: expect.stringContaining('A real reply after the notes'), sender: 'agent' }]);
    const history = await workflowHistoryText(user);
    expect(history).toContain('A real reply after the notes');
    for (const text of NOTE_ONLY_TEXTS) expect(history).not.toContain(text);

    // The notes themselves are all there, with their authors.
    const notes = await agent.request('GET', `/api/admin/conversations/${user.phone}/notes`);
    expect(
      notes.body.notes.map((n: { id: number; text: string; agentName: string }) => [n.id, n.text, n.agentName]),
    ).toEqual(NOTE_TEXTS.map((text, i) => [written[i], text, i % 2 === 0 ? 'Agent Zainab' : 'Admin']));
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
  });
});

describe('a canned response', () => {
  it("is filled from the student's profile and sent as the agent's message under the agent's name", async () => {
    const user = new TestUser(stack, newPhone(), 'Chiamaka Obi');
    await user.register();
    await user.say('support');
    const created = await admin.request('POST', '/api/admin/canned-responses', {
      title: 'Homework help',
      body: 'Hi {first_name}! I can see you are in {class}. Which question, {full_name}?',
    });
    expect(created.status).toBe(201);

    const listed = await agent.request(
      'GET',
      `/api/admin/canned-responses?phone=${encodeURIComponent(`+${user.phone}`)}`,
    );
    expect(listed.status).toBe(200);
    const reply = listed.body.cannedResponses.find((c: { id: number }) => c.id === created.body.id);
    expect(reply).toMatchObject({
      text: 'Hi Chiamaka! I can see you are in Grade 10. Which question, Chiamaka Obi?',
      missing: [],
    });

    const edited = `${reply.text} (question 3 is fine too)`;
    const sent = await agent.chat('send', user.phone, edited);
    expect(sent.status).toBe(200);
    expect(textOf(stack.fake.sendsTo(user.phone).at(-1))).toContain(edited);
    const stored = (await user.history()).filter((m) => m.sender === 'agent');
    // The stored text is what WhatsApp got, in the house's wording around the agent's text.
    expect(stored.map((m) => [m.body, m.senderName])).toEqual([[expect.stringContaining(edited), 'Agent Zainab']]);
  });

  it('comes with placeholders for a student who never registered', async () => {
    const user = new TestUser(stack, newPhone(), 'Not Registered');
    await user.say('support');
    const created = await admin.request('POST', '/api/admin/canned-responses', {
      title: 'Hello there',
      body: 'Hello {first_name}, welcome to support.',
    });
    expect(created.status).toBe(201);
    const listed = await agent.request('GET', `/api/admin/canned-responses?phone=${user.phone}`);
    expect(listed.body.cannedResponses.find((c: { id: number }) => c.id === created.body.id)).toMatchObject({
      text: 'Hello [first name], welcome to support.',
      missing: ['first_name'],
    });
  });
});
