import { WorkflowNotFoundError } from '@temporalio/client';
import { getContact } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import { conversationQuery, conversationWorkflowId } from '../../workflows/messages';
import { AdminClient } from '../helpers/admin-client';
import { contactIdOf } from '../helpers/contacts';
import { fixtureBytes, messagesChange, newPhone, newWamid, webhookBody } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { sleep, waitFor } from '../helpers/wait';

// Coexistence: what the business sends from the WhatsApp Business app on the same number comes back as
// `smb_message_echoes`. It is stored as the business's own outbound message in the student's history
// (sender business_app, status sent, deduplicated by wamid) and shown to the console, but never reaches
// the conversation workflow: it triggers no bot reply and never opens or extends the 24-hour window.

let stack: TestStack;
let admin: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  admin = new AdminClient(stack, stack.config.adminToken);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => stack.fake.reset());

const METADATA = { display_phone_number: '15550001111', phone_number_id: '106000000000001' };

function echoBody(echoes: Record<string, unknown>[], contacts: Record<string, unknown>[] = []): string {
  return webhookBody([
    {
      value: { messaging_product: 'whatsapp', metadata: METADATA, contacts, message_echoes: echoes },
      field: 'smb_message_echoes',
    },
  ]);
}

const textEcho = (to: { to?: string; to_user_id?: string }, body: string, id = newWamid()) => ({
  from: '15550001111',
  ...to,
  id,
  timestamp: String(Math.floor(Date.now() / 1000)),
  type: 'text',
  text: { body },
});

/** A student who wrote once and got the welcome; returns the contact and how many signals its workflow took. */
async function studentWhoWrote(phone: string): Promise<{ contactId: string; signals: () => Promise<number> }> {
  const id = newWamid();
  expect((await stack.postWebhook(webhookBody([messagesChange([{ from: phone, id }])]))).status).toBe(200);
  const contactId = await contactIdOf(stack.db, phone);
  const handle = stack.client.workflow.getHandle(conversationWorkflowId(contactId));
  await waitFor(async () => {
    const view = await handle.query(conversationQuery);
    return !view.busy && view.pending === 0 && stack.fake.sendsTo(phone).length > 0;
  }, 'the welcome');
  const signals = async () =>
    (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  return { contactId, signals };
}

async function lastInboundAt(contactId: string): Promise<Date | null> {
  const { rows } = await stack.db.query<{ last_inbound_at: Date | null }>(
    'select last_inbound_at from conversations where contact_id = $1',
    [contactId],
  );
  return rows[0]?.last_inbound_at ?? null;
}

describe('message echoes', () => {
  it('are stored as the business’s own outbound messages, never signalled, never opening the window', async () => {
    const phone = newPhone();
    const { contactId, signals } = await studentWhoWrote(phone);
    const signalsBefore = await signals();
    const windowBefore = await lastInboundAt(contactId);
    const sendsBefore = stack.fake.sends.length;

    const echo = textEcho({ to: phone }, 'Hi, this is the teacher answering from the app');
    const answer = await stack.postWebhook(echoBody([echo]));
    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ messages: 0, echoes: 1, quarantined: 0 }) });

    const stored = (await listMessages(stack.db, contactId)).find((m) => m.waMessageId === echo.id);
    expect(stored).toMatchObject({
      direction: 'outbound',
      sender: 'business_app',
      status: 'sent',
      type: 'text',
      body: 'Hi, this is the teacher answering from the app',
    });
    expect(stored!.sentAt).not.toBeNull();
    // The console sees it in the event stream.
    const { rows: events } = await stack.db.query<{ payload: { sender: string; waMessageId: string } }>(
      `select payload from events where kind = 'message' and contact_id = $1 and payload->>'waMessageId' = $2`,
      [contactId, echo.id],
    );
    expect(events.map((e) => e.payload.sender)).toEqual(['business_app']);

    await sleep(1500);
    expect(await signals()).toBe(signalsBefore);
    expect(stack.fake.sends.length).toBe(sendsBefore);
    expect(await lastInboundAt(contactId)).toEqual(windowBefore);
  });

  it('are stored once per wamid, whatever the redeliveries, and take later delivery statuses', async () => {
    const phone = newPhone();
    const { contactId } = await studentWhoWrote(phone);
    const echo = textEcho({ to: phone }, 'Once only');
    const body = echoBody([echo]);
    const answers = await Promise.all([stack.postWebhook(body), stack.postWebhook(body), stack.postWebhook(body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect((await listMessages(stack.db, contactId)).filter((m) => m.waMessageId === echo.id)).toHaveLength(1);
    const { rows } = await stack.db.query<{ n: number }>(
      `select count(*)::int as n from events where kind = 'message' and payload->>'waMessageId' = $1`,
      [echo.id],
    );
    expect(rows[0]!.n).toBe(1);

    const status = webhookBody([
      {
        value: {
          messaging_product: 'whatsapp',
          metadata: METADATA,
          statuses: [
            { id: echo.id, status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: phone },
          ],
        },
        field: 'messages',
      },
    ]);
    expect((await stack.postWebhook(status)).status).toBe(200);
    const after = (await listMessages(stack.db, contactId)).find((m) => m.waMessageId === echo.id);
    expect(after).toMatchObject({ status: 'delivered', sender: 'business_app' });
  });

  it('reach a student known only by BSUID, and make a new contact without a conversation workflow when unknown', async () => {
    const bsuid = `BR.${Date.now()}${process.pid}77`;
    const echo = textEcho({ to_user_id: bsuid }, 'Welcome to the course');
    const answer = await stack.postWebhook(
      echoBody([echo], [{ profile: { username: 'new.student' }, user_id: bsuid }]),
    );
    expect(answer.status).toBe(200);
    const contactId = await contactIdOf(stack.db, bsuid);
    expect(await getContact(stack.db, contactId)).toMatchObject({ phone: null, bsuid, username: 'new.student' });
    expect((await listMessages(stack.db, contactId)).map((m) => [m.sender, m.body])).toEqual([
      ['business_app', 'Welcome to the course'],
    ]);
    await expect(stack.client.workflow.getHandle(conversationWorkflowId(contactId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    // The history is there for the console, by the BSUID.
    const history = await admin.history(bsuid);
    expect(history.status).toBe(200);
  });

  it('are read from the fixtures with and without `to`, a photo and its revoke stored in order', async () => {
    expect((await stack.postWebhook(fixtureBytes('echo-with-to.json'))).status).toBe(200);
    expect((await stack.postWebhook(fixtureBytes('echo-without-to.json'))).status).toBe(200);
    const withTo = await contactIdOf(stack.db, 'BR.73319028455617720394');
    expect(await contactIdOf(stack.db, '5521987650002')).toBe(withTo);
    const withoutTo = await contactIdOf(stack.db, 'BR.52840193376610294817');
    expect((await listMessages(stack.db, withoutTo)).map((m) => [m.type, m.body, m.mediaId])).toEqual([
      ['image', 'The timetable', '3000000000000001'],
      ['revoke', null, null],
    ]);
  });

  it('quarantine an echo that names no recipient, listed by the admin API', async () => {
    const echo = textEcho({}, 'to nobody');
    const answer = await stack.postWebhook(echoBody([echo]));
    expect(answer).toEqual({ status: 200, body: { status: 'success', messages: 0, statuses: 0, quarantined: 1 } });
    const listed = await admin.request('GET', '/api/admin/quarantine?reason=invalid_recipient');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.parse(listed.body.items[0].raw as string)).toEqual(echo);
  });
});

describe('changes of fields the product does not handle', () => {
  it('are acknowledged and counted by field, while the handled changes of the same entry are handled', async () => {
    const answer = await stack.postWebhook(fixtureBytes('mixed-fields-one-entry.json'));
    expect(answer).toEqual({
      status: 200,
      body: expect.objectContaining({ messages: 1, echoes: 1, statuses: 1, quarantined: 0 }),
    });
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    const count = (field: string) =>
      Number(new RegExp(`^edubot_webhook_ignored_changes_total\\{field="${field}"\\} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect(count('phone_number_quality_update')).toBe(1);
    expect(count('account_update')).toBe(1);
    expect(count('other')).toBe(1);
    expect(metrics).not.toContain('some_future_field');
  });
});
