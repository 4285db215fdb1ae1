import crypto from 'node:crypto';
import { listChatSessions } from '../../src/db/chat-sessions';
import { getContact } from '../../src/db/contacts';
import { listHomework } from '../../src/db/homework';
import { listMessages } from '../../src/db/messages';
import { createDb } from '../../src/db/pool';
import { getStudent } from '../../src/db/users';
import { silentLogger } from '../../src/logger';
import type { RecordedSend } from '../../tools/sandbox/graph-fake';
import { createApp } from '../../src/server/app';
import { signBody } from '../../src/whatsapp/signature';
import { conversationQuery, conversationWorkflowId, type ConversationView } from '../../workflows/messages';
import { AdminClient } from '../helpers/admin-client';
import { startScoped } from '../helpers/cleanup';
import { contactIdOf, findContactOf } from '../helpers/contacts';
import { choices, textOf } from '../helpers/conversation';
import { newPhone, newWamid, webhookBody } from '../helpers/fixtures';
import { serveOnLoopback } from '../helpers/serve';
import { startTestStack, TEST_APP_SECRET, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// A student through WhatsApp's identifiers end to end (webhook → Temporal → Postgres → Graph fake):
// known only by a business-scoped user id (BSUID), then by phone and BSUID, changing number and BSUID,
// two servers racing on a first contact, a status that names only the BSUID. Whatever identifiers a
// webhook shows, the student is one contact, one workflow, one conversation; no workflow id holds a phone.

let stack: TestStack;
let alice: AdminClient;
/** A second HTTP server on the same database and Temporal, as a second replica would be. */
let secondServer: string;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await AdminClient.agent(stack, 'Alice');
  secondServer = (
    await startScoped(async (defer) => {
      const db = createDb(stack.config.databaseUrl!, silentLogger);
      defer(() => db.close());
      const app = createApp({ config: stack.config, db, temporal: stack.client, logger: silentLogger });
      return { url: await serveOnLoopback(app, defer) };
    })
  ).url;
});

afterAll(async () => {
  await stack?.stop();
});

let bsuidCounter = 0;
/** A BSUID no other test uses: a country, a period, digits. */
function newBsuid(country = 'BR'): string {
  bsuidCounter++;
  return `${country}.${crypto.randomInt(1e9)}${process.pid}${String(bsuidCounter).padStart(4, '0')}`;
}

interface Ids {
  phone?: string;
  bsuid?: string;
  parentBsuid?: string;
}

/** A `messages` change from a user showing `ids`, as Meta shows a user by them. */
function fromIds(ids: Ids, message: Record<string, unknown>, name: string): Record<string, unknown> {
  return {
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
      contacts: [
        {
          profile: { name, ...(ids.phone === undefined ? { username: 'student.one' } : {}) },
          ...(ids.phone === undefined ? {} : { wa_id: ids.phone }),
          ...(ids.bsuid === undefined ? {} : { user_id: ids.bsuid }),
          ...(ids.parentBsuid === undefined ? {} : { parent_user_id: ids.parentBsuid }),
        },
      ],
      messages: [
        {
          ...(ids.phone === undefined ? {} : { from: ids.phone }),
          ...(ids.bsuid === undefined ? {} : { from_user_id: ids.bsuid }),
          ...(ids.parentBsuid === undefined ? {} : { from_parent_user_id: ids.parentBsuid }),
          ...message,
        },
      ],
    },
    field: 'messages',
  };
}

async function post(body: string, server = stack.baseUrl): Promise<number> {
  const response = await fetch(`${server}/api/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, TEST_APP_SECRET) },
    body,
  });
  await response.text();
  return response.status;
}

/** A student as WhatsApp shows them now: `ids` change as the story goes on. */
class Student {
  private seconds = Math.floor(Date.now() / 1000);
  /** Every address a reply to this student may have had. */
  readonly addresses = new Set<string>();

  constructor(
    public ids: Ids,
    readonly name = 'Bia Ramos',
  ) {
    this.remember();
  }

  private remember(): void {
    if (this.ids.phone !== undefined) this.addresses.add(this.ids.phone);
    if (this.ids.bsuid !== undefined) this.addresses.add(this.ids.bsuid);
  }

  /** WhatsApp shows the student by other identifiers from now on. */
  show(ids: Ids): void {
    this.ids = ids;
    this.remember();
  }

  /** The identifier the test finds the contact by: the BSUID when shown, else the phone. */
  get key(): string {
    return this.ids.bsuid ?? this.ids.phone!;
  }

  contactId(): Promise<string> {
    return contactIdOf(stack.db, this.key);
  }

  sends(): RecordedSend[] {
    return stack.fake.sends.filter((s) => this.addresses.has(s.to));
  }

  say(text: string): Promise<RecordedSend[]> {
    return this.send('text', { text: { body: text } });
  }

  tap(id: string): Promise<RecordedSend[]> {
    return this.send('interactive', { interactive: { type: 'button_reply', button_reply: { id, title: id } } });
  }

  pick(id: string): Promise<RecordedSend[]> {
    return this.send('interactive', { interactive: { type: 'list_reply', list_reply: { id, title: id } } });
  }

  /** Posts one message of this student (as `ids` stand) and waits until the conversation handled it. */
  async send(type: string, part: Record<string, unknown>, ids: Ids = this.ids): Promise<RecordedSend[]> {
    const id = newWamid();
    this.seconds += 1;
    return this.deliver(id, fromIds(ids, { id, timestamp: String(this.seconds), type, ...part }, this.name));
  }

  /** A system message telling that this student changed number or BSUID; `ids` become the new ones. */
  async changed(type: 'user_changed_number' | 'user_changed_user_id', next: Ids): Promise<void> {
    const id = newWamid();
    this.seconds += 1;
    const system = {
      body: 'User changed',
      ...(type === 'user_changed_number' ? { wa_id: next.phone } : {}),
      user_id: next.bsuid,
      ...(next.parentBsuid === undefined ? {} : { parent_user_id: next.parentBsuid }),
      previous_user_id: this.ids.bsuid,
      ...(this.ids.parentBsuid === undefined ? {} : { previous_parent_user_id: this.ids.parentBsuid }),
      type,
    };
    const change = fromIds(
      // Meta names the old phone in `from` only when it can share one; no contacts array on system messages.
      type === 'user_changed_number' && this.ids.phone !== undefined ? { phone: this.ids.phone } : {},
      { id, timestamp: String(this.seconds), type: 'system', system },
      this.name,
    );
    delete (change.value as { contacts?: unknown }).contacts;
    const before = await this.contactId();
    await this.deliver(id, change, before);
    this.show(next);
  }

  private async deliver(id: string, change: Record<string, unknown>, knownContact?: string): Promise<RecordedSend[]> {
    const before = this.sends().length;
    const status = await post(webhookBody([change]));
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    const contactId = knownContact ?? (await this.contactId());
    await settled(contactId, id);
    return this.sends().slice(before);
  }

  async view(): Promise<ConversationView> {
    return viewOf(await this.contactId());
  }
}

function viewOf(contactId: string): Promise<ConversationView> {
  return stack.client.workflow.getHandle(conversationWorkflowId(contactId)).query(conversationQuery);
}

/** Waits until the contact's history holds `wamid` and its workflow has nothing queued or in progress. */
async function settled(contactId: string, wamid: string): Promise<void> {
  await waitFor(async () => {
    const stored = (await listMessages(stack.db, contactId)).some((m) => m.waMessageId === wamid);
    if (!stored) return false;
    const view = await viewOf(contactId);
    return !view.busy && view.pending === 0;
  }, `the message ${wamid} to be handled`);
}

async function register(student: Student): Promise<void> {
  await student.say('Hi');
  await student.tap('register');
  await student.say(student.name);
  await student.say(`${student.name.split(' ')[0]!.toLowerCase()}@example.com`);
  await student.say('Grade 10');
  expect((await student.view()).state).toBe('REGISTERED');
}

/** Every workflow id of this file's task queue. */
async function workflowIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `TaskQueue = "${stack.config.taskQueue}"` }))
    ids.push(execution.workflowId);
  return ids;
}

const allPhones: string[] = [];
function phone(): string {
  const digits = newPhone();
  allPhones.push(digits);
  return digits;
}

describe('a student known only by a BSUID', () => {
  const bsuid = newBsuid();
  const parentBsuid = `BR.ENT.${crypto.randomInt(1e9)}${process.pid}`;
  const student = new Student({ bsuid, parentBsuid });

  it('registers, submits homework, chats with an agent and rates the chat, every reply sent to the BSUID', async () => {
    await register(student);
    const contactId = await student.contactId();
    expect(await getContact(stack.db, contactId)).toMatchObject({ phone: null, bsuid, parentBsuid });
    expect(await getStudent(stack.db, contactId)).toMatchObject({ fullName: 'Bia Ramos', className: 'Grade 10' });

    await student.pick('homework');
    await student.pick('subject_physics');
    await student.tap('homework_text');
    await student.say('Newton: F = ma');
    expect((await listHomework(stack.db, contactId)).map((h) => h.subject)).toEqual(['Physics']);

    await student.say('support');
    expect((await student.view()).state).toBe('CHAT_SUPPORT_ACTIVE');
    // The agent names the student by the BSUID, as the console may.
    const sent = await alice.chat('send', bsuid, 'Hi Bia, which question?');
    expect(sent.status).toBe(200);
    await student.say('question 3');
    const ended = await student.tap('end_chat');
    expect((await student.view()).state).toBe('REGISTERED');
    expect(choices(ended.find((r) => choices(r).includes('csat_5')))).toContain('csat_5');
    await student.pick('csat_5');
    const [session] = await listChatSessions(stack.db, contactId);
    expect(session).toMatchObject({ startedBy: 'user', endedBy: 'user', rating: 5 });

    const replies = student.sends();
    expect(replies.map(textOf)).toContain('🎧 Alice (Support Team): Hi Bia, which question?');
    expect(replies.length).toBeGreaterThan(10);
    for (const reply of replies) {
      expect(reply.recipient).toBe(bsuid);
      expect(reply.body).toMatchObject({ recipient: bsuid });
      expect(reply.body).not.toHaveProperty('to');
    }
  });

  it('lands a status naming only recipient_user_id on its message, with its pricing', async () => {
    const contactId = await student.contactId();
    const reply = student.sends().at(-1)!;
    await waitFor(
      async () => (await listMessages(stack.db, contactId)).some((m) => m.waMessageId === reply.waMessageId),
      'the reply to be stored with its wamid',
    );
    const status = await post(
      webhookBody([
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
            statuses: [
              {
                id: reply.waMessageId,
                status: 'read',
                timestamp: String(Math.floor(Date.now() / 1000)),
                recipient_user_id: bsuid,
                recipient_parent_user_id: parentBsuid,
                pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' },
              },
            ],
          },
          field: 'messages',
        },
      ]),
    );
    expect(status).toBe(200);
    const { rows } = await stack.db.query<{
      status: string;
      pricing: unknown;
      recipient_user_id: string;
      recipient_parent_user_id: string;
      contact_id: string;
    }>(
      `select status, pricing, recipient_user_id, recipient_parent_user_id, contact_id from messages
       where wa_message_id = $1`,
      [reply.waMessageId],
    );
    expect(rows).toEqual([
      {
        status: 'read',
        pricing: { billable: false, pricingModel: 'PMP', type: 'free_customer_service', category: 'service' },
        recipient_user_id: bsuid,
        recipient_parent_user_id: parentBsuid,
        contact_id: contactId,
      },
    ]);
  });

  it('continues the same conversation when a later webhook shows the phone beside the BSUID', async () => {
    const contactId = await student.contactId();
    const digits = phone();
    student.show({ phone: digits, bsuid, parentBsuid });
    const replies = await student.say('Hi');
    expect(await findContactOf(stack.db, digits)).toBe(contactId);
    expect(await student.contactId()).toBe(contactId);
    const view = await student.view();
    expect(view.state).toBe('REGISTERED');
    expect(view.registered).toBe(true);
    // Known by phone now: replies go `to` it, without `recipient`.
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) {
      expect(reply.to).toBe(digits);
      expect(reply.recipient).toBeUndefined();
    }
    expect(replies.map(textOf).join('\n')).toContain('Bia');
    expect(await getContact(stack.db, contactId)).toMatchObject({ phone: digits, bsuid });
    const run = await stack.client.workflow.getHandle(conversationWorkflowId(contactId)).describe();
    expect(run.status.name).toBe('RUNNING');
  });
});

describe('a student first seen by phone and BSUID, later by the BSUID alone', () => {
  it('stays one conversation, answered on the phone it is known by', async () => {
    const digits = phone();
    const bsuid = newBsuid('US');
    const student = new Student({ phone: digits, bsuid }, 'Caio Lima');
    await register(student);
    const contactId = await student.contactId();
    expect(await findContactOf(stack.db, digits)).toBe(contactId);

    student.show({ bsuid });
    const replies = await student.say('hello again');
    expect(await student.contactId()).toBe(contactId);
    expect((await student.view()).state).toBe('REGISTERED');
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(reply.to).toBe(digits);
    const history = await listMessages(stack.db, contactId);
    expect(history.filter((m) => m.direction === 'inbound').map((m) => m.body)).toContain('hello again');
  });
});

describe('a student who changes number, then BSUID', () => {
  let changedStudent:
    | { student: Student; contactId: string; oldPhone: string; oldBsuid: string; newPhone: string; bsuid: string }
    | undefined;

  it('keeps the conversation, its state and registration, and later messages from the new identifiers reach it', async () => {
    const oldPhone = phone();
    const oldBsuid = newBsuid();
    const student = new Student({ phone: oldPhone, bsuid: oldBsuid }, 'Dora Alves');
    await register(student);
    const contactId = await student.contactId();
    const profile = await getStudent(stack.db, contactId);

    // user_changed_number: a new phone and a new BSUID.
    const newPhoneDigits = phone();
    const secondBsuid = newBsuid();
    await student.changed('user_changed_number', { phone: newPhoneDigits, bsuid: secondBsuid });
    expect(await findContactOf(stack.db, newPhoneDigits)).toBe(contactId);
    expect(await findContactOf(stack.db, secondBsuid)).toBe(contactId);
    expect(await getContact(stack.db, contactId)).toMatchObject({ phone: newPhoneDigits, bsuid: secondBsuid });

    let replies = await student.say('Hi');
    expect(await student.contactId()).toBe(contactId);
    expect((await student.view()).state).toBe('REGISTERED');
    expect(await getStudent(stack.db, contactId)).toEqual(profile);
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(reply.to).toBe(newPhoneDigits);

    // user_changed_user_id: only the BSUID changes, and no phone is shown.
    const thirdBsuid = newBsuid();
    await student.changed('user_changed_user_id', { bsuid: thirdBsuid });
    expect(await findContactOf(stack.db, thirdBsuid)).toBe(contactId);
    replies = await student.say('still me');
    expect(await student.contactId()).toBe(contactId);
    expect((await student.view()).state).toBe('REGISTERED');
    expect(await getStudent(stack.db, contactId)).toEqual(profile);
    // The phone stays known from the number change, so replies still go to it.
    for (const reply of replies) expect(reply.to).toBe(newPhoneDigits);
    changedStudent = { student, contactId, oldPhone, oldBsuid, newPhone: newPhoneDigits, bsuid: thirdBsuid };
  });

  it('takes a late webhook naming the old phone and BSUID into the same conversation, replies staying on the new ones', async () => {
    const { student, contactId, oldPhone, oldBsuid, newPhone: newPhoneDigits, bsuid: thirdBsuid } = changedStudent!;
    const late = newWamid();
    const status = await post(
      webhookBody([
        fromIds(
          { phone: oldPhone, bsuid: oldBsuid },
          { id: late, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'late' } },
          'Dora Alves',
        ),
      ]),
    );
    expect(status).toBe(200);
    await settled(contactId, late);
    // The old identifiers are aliases: they find the contact, but never become where replies go again
    // (the old number may belong to someone else by now).
    expect(await getContact(stack.db, contactId)).toMatchObject({ phone: newPhoneDigits, bsuid: thirdBsuid });
    const replies = await student.say('after the late one');
    for (const reply of replies) expect(reply.to).toBe(newPhoneDigits);
  });
});

describe('two servers racing on a new student’s first two messages', () => {
  it('make one contact and one conversation', async () => {
    const students = Array.from({ length: 4 }, () => ({ phone: phone(), bsuid: newBsuid() }));
    const seconds = Math.floor(Date.now() / 1000);
    const sent = await Promise.all(
      students.flatMap((ids, i) =>
        [stack.baseUrl, secondServer].map(async (server, n) => {
          const id = newWamid();
          // The first message shows phone and BSUID, the second (a second later) the BSUID alone.
          const shown = n === 0 ? ids : { bsuid: ids.bsuid };
          const body = webhookBody([
            fromIds(shown, { id, timestamp: String(seconds + n), type: 'text', text: { body: `m${n}` } }, `S${i}`),
          ]);
          return { ids, id, status: await post(body, server) };
        }),
      ),
    );
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));
    for (const ids of students) {
      const contactId = await contactIdOf(stack.db, ids.bsuid);
      expect(await findContactOf(stack.db, ids.phone)).toBe(contactId);
      const { rows } = await stack.db.query<{ n: string }>(
        `select count(distinct contact_id) as n from contact_identities where value = any($1)`,
        [[ids.phone, ids.bsuid]],
      );
      expect(Number(rows[0]!.n)).toBe(1);
      for (const { id } of sent.filter((s) => s.ids === ids)) await settled(contactId, id);
      const inbound = (await listMessages(stack.db, contactId)).filter((m) => m.direction === 'inbound');
      expect(inbound.map((m) => m.body).sort()).toEqual(['m0', 'm1']);
    }
  });
});

describe('workflow ids', () => {
  it('hold no phone number: every one is conversation-<contact id>', async () => {
    const ids = await waitFor(async () => {
      const found = await workflowIds();
      return found.length >= 7 ? found : undefined;
    }, 'the visibility store to list this file’s workflows');
    for (const id of ids) {
      expect(id).toMatch(/^conversation-ct_[0-9a-f]{20}$/);
      for (const digits of allPhones) expect(id).not.toContain(digits);
    }
  });
});
