import { WorkflowNotFoundError } from '@temporalio/client';
import { createToken } from '../../../src/auth/tokens';
import { getContact, linkSender } from '../../../src/db/contacts';
import { getStudent, saveProfile } from '../../../src/db/users';
import { conversationWorkflowId } from '../../../workflows/messages';
import { TestUser, textOf } from '../../helpers/conversation';
import { newBsuid, newPhone, textWebhook } from '../../helpers/fixtures';
import { startTestStack, type TestStack } from '../../helpers/stack';

// POST /api/admin/contacts/{id}/merge on the real stack: two contacts that are one student become one.
// The other's identifiers and rows move, its workflow is ended, and the surviving conversation answers
// the student whichever identifier they write from; refusals change nothing.

let stack: TestStack;
let adminToken: string;
let agentToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = (await createToken(stack.db, { name: 'Admin Ife', role: 'admin' })).token;
  agentToken = (await createToken(stack.db, { name: 'Agent Femi', role: 'agent' })).token;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely
type Answer = { status: number; body: any };

async function call(method: string, path: string, body?: unknown, token = adminToken): Promise<Answer> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const merge = (into: string, from: string, token?: string) =>
  call('POST', `/api/admin/contacts/${encodeURIComponent(into)}/merge`, { from }, token);

async function workflowStatus(contactId: string): Promise<string | undefined> {
  try {
    return (await stack.client.workflow.getHandle(conversationWorkflowId(contactId)).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

it('moves the other contact into this one, ends its workflow, and the survivor answers either identifier', async () => {
  const phone = newPhone();
  const bsuid = newBsuid();
  const ada = await new TestUser(stack, phone, 'Ada Obi').register();
  const into = await ada.contact();
  const byBsuid = new TestUser(stack, bsuid, 'Ada O');
  await byBsuid.say('Hi, it is Ada from my other app');
  const from = await byBsuid.contact();
  expect(from).not.toBe(into);
  const note = await call(
    'POST',
    `/api/admin/conversations/${bsuid}/notes`,
    { text: 'Same girl as +' + phone },
    agentToken,
  );
  expect(note.status).toBe(201);
  const fromMessages = (await byBsuid.history()).length;
  expect(await workflowStatus(from)).toBe('RUNNING');

  const answer = await merge(into, from);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    status: 'success',
    message: 'Contacts merged',
    contact: { contactId: into, phone, bsuid, username: null },
    merged: from,
    moved: { identities: 1, messages: fromMessages, notes: 1, chatSessions: 0, homework: 0, payments: 0 },
  });

  // The other contact's workflow is over; it keeps no identifier, and lists pass it by.
  expect(await workflowStatus(from)).toBe('TERMINATED');
  expect(await getContact(stack.db, from)).toMatchObject({ phone: null, bsuid: null, username: null });
  const list = await call('GET', '/api/admin/conversations?limit=100', undefined, agentToken);
  const listed = list.body.conversations.map((c: { contactId: string }) => c.contactId);
  expect(listed).toContain(into);
  expect(listed).not.toContain(from);

  // The BSUID names the survivor now, with everything of both.
  const detail = await call('GET', `/api/admin/conversations/${bsuid}`, undefined, agentToken);
  expect(detail.body.conversation).toMatchObject({ contactId: into, phone, bsuid, profile: { fullName: 'Ada Obi' } });
  const history = await call('GET', `/api/admin/conversations/${into}/messages`, undefined, agentToken);
  expect(history.body.messages.map((m: { body: string }) => m.body)).toContain('Hi, it is Ada from my other app');
  const notes = await call('GET', `/api/admin/conversations/${into}/notes`, undefined, agentToken);
  expect(notes.body.notes.map((n: { text: string; contactId: string }) => [n.text, n.contactId])).toEqual([
    ['Same girl as +' + phone, into],
  ]);

  const { rows } = await stack.db.query('select * from audit_log where action = $1 order by id desc limit 1', [
    'contacts.merge',
  ]);
  expect(rows[0]).toMatchObject({ contact_id: into, outcome: 'ok', role: 'admin', http_status: 200 });
  expect(rows[0]!.details).toMatchObject({ from });

  // Writing from the BSUID reaches the surviving conversation, which answers (to the phone, now known).
  const again = new TestUser(stack, bsuid, 'Ada O');
  expect(await again.contact()).toBe(into);
  const before = stack.fake.sendsTo(phone).length;
  const bsuidBefore = stack.fake.sends.filter((s) => s.to === bsuid).length;
  await stack.postWebhook(textWebhook(bsuid, 'menu').body);
  await ada.settled(async () => (await ada.history()).some((m) => m.direction === 'inbound' && m.body === 'menu'));
  expect(stack.fake.sendsTo(phone).length).toBeGreaterThan(before);
  expect(textOf(stack.fake.sendsTo(phone).at(-1))).not.toBe('');
  expect(stack.fake.sends.filter((s) => s.to === bsuid).length).toBe(bsuidBefore);
  // Nothing started again under the merged contact's id.
  expect(await workflowStatus(from)).toBe('TERMINATED');
  // And the phone still does too.
  const replies = await ada.say('Hi');
  expect(replies.length).toBeGreaterThan(0);
});

it('fills what this profile lacks from the other one and moves a whole profile when this has none', async () => {
  const withProfile = await linkSender(stack.db, { sender: { phone: newPhone() } });
  const without = await linkSender(stack.db, { sender: { bsuid: newBsuid(), username: 'kemi.reads' } });
  await saveProfile(stack.db, withProfile, { fullName: 'Kemi Ade', email: 'kemi@school.example', className: 'SS2' });

  const answer = await merge(without, withProfile);
  expect(answer.status).toBe(200);
  expect(answer.body.contact).toMatchObject({ contactId: without, username: 'kemi.reads', phone: expect.any(String) });
  expect(await getStudent(stack.db, without)).toMatchObject({ fullName: 'Kemi Ade', email: 'kemi@school.example' });
  expect((await getStudent(stack.db, withProfile))?.fullName ?? null).toBeNull();
});

it('refuses while either contact has an open chat, and ends nothing', async () => {
  const phone = newPhone();
  const student = new TestUser(stack, phone);
  await student.say('Hi');
  const open = await call(
    'POST',
    `/api/admin/conversations/${phone}/chat-support/start`,
    { message: 'Hello!' },
    agentToken,
  );
  expect(open.status).toBe(200);
  const other = await linkSender(stack.db, { sender: { bsuid: newBsuid() } });
  const contactId = await student.contact();

  for (const [into, from] of [
    [contactId, other],
    [other, contactId],
  ] as const) {
    const answer = await merge(into, from);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'chat_open' });
    expect(answer.body.error.message).toContain(contactId);
  }
  expect(await workflowStatus(contactId)).toBe('RUNNING');
  expect(await getContact(stack.db, contactId)).toMatchObject({ phone });
});

it('refuses while either contact has a payment waiting, and ends nothing', async () => {
  const phone = newPhone();
  const student = new TestUser(stack, phone);
  await student.say('Hi');
  const contactId = await student.contact();
  await stack.db.query(
    `insert into payments (reference, contact_id, plan_name, amount, status) values ($1, $2, 'Monthly', 5000, 'pending')`,
    [`ref-merge-${contactId}`, contactId],
  );
  const other = await linkSender(stack.db, { sender: { phone: newPhone() } });
  const answer = await merge(other, contactId);
  expect(answer.status).toBe(409);
  expect(answer.body.error.code).toBe('payment_pending');
  expect(await workflowStatus(contactId)).toBe('RUNNING');
  expect(await getContact(stack.db, contactId)).toMatchObject({ phone });
});

it('answers 400 for a contact merged into itself, by any of its names', async () => {
  const phone = newPhone();
  const contactId = await linkSender(stack.db, { sender: { phone } });
  for (const from of [contactId, phone, `+${phone}`]) {
    const answer = await merge(contactId, from);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('same_contact');
  }
});

it('answers 404 for an unknown contact, 400 for a bad body, 403 to an agent, 401 without a token', async () => {
  const contactId = await linkSender(stack.db, { sender: { phone: newPhone() } });
  expect((await merge(contactId, 'ct_00000000000000000000')).body.error.code).toBe('conversation_not_found');
  expect((await merge('ct_00000000000000000000', contactId)).status).toBe(404);
  for (const body of [{}, { from: '' }, { from: 42 }, { from: contactId, extra: true }]) {
    const answer = await call('POST', `/api/admin/contacts/${contactId}/merge`, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_body');
  }
  const other = await linkSender(stack.db, { sender: { phone: newPhone() } });
  expect((await merge(contactId, other, agentToken)).status).toBe(403);
  const anonymous = await fetch(`${stack.baseUrl}/api/admin/contacts/${contactId}/merge`, {
    method: 'POST',
    body: JSON.stringify({ from: other }),
  });
  expect(anonymous.status).toBe(401);
  // Nothing moved.
  expect((await getContact(stack.db, other))?.phone).not.toBeNull();
});
