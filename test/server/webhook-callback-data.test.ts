import { randomUUID } from 'node:crypto';
import { linkSender } from '../../src/db/contacts';
import { listMessages, upsertOutbound } from '../../src/db/messages';
import { statusWebhookBody, type FakeStatusName } from '../../tools/sandbox/graph-fake-status';
import { newPhone, newWamid } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

// A status echoing a send's biz_opaque_callback_data (the message's idempotency key) proves WhatsApp
// accepted that send: when the row of that key has no wamid yet (the sending attempt died before it
// stored WhatsApp's answer), the status stores it there, so a retry finds it and does not send again.
// A key no row has, or a row whose wamid is another, changes no message: the status waits in
// status_events like any status of an unknown wamid. Every send's key is matched: a campaign's and the
// bot's or an agent's reply's alike.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function postStatus(
  waMessageId: string,
  phone: string,
  status: FakeStatusName,
  callbackData: string | undefined,
): Promise<void> {
  const body = statusWebhookBody({
    phoneNumberId: stack.config.whatsapp.phoneNumberId,
    waMessageId,
    recipientId: phone,
    status,
    at: Date.now(),
    ...(callbackData === undefined ? {} : { callbackData }),
  });
  expect((await stack.postWebhook(JSON.stringify(body))).status).toBe(200);
}

async function pendingRow(phone: string, key: string): Promise<string> {
  const contactId = await linkSender(stack.db, { sender: { phone } });
  await upsertOutbound(
    stack.db,
    { contactId, key, sender: 'bot', content: { kind: 'text', text: 'Hi' } },
    { countAttempt: true },
  );
  return contactId;
}

it('stores the wamid of a status carrying the key on the row that has none, and later statuses follow it', async () => {
  const phone = newPhone();
  const key = `campaign:${randomUUID()}:callback-test`;
  const contactId = await pendingRow(phone, key);
  const wamid = newWamid();
  await postStatus(wamid, phone, 'sent', key);
  expect((await listMessages(stack.db, contactId))[0]).toMatchObject({ waMessageId: wamid, status: 'sent' });
  // A later status names the wamid (Meta echoes the key in it too): the row moves on.
  await postStatus(wamid, phone, 'delivered', key);
  expect((await listMessages(stack.db, contactId))[0]).toMatchObject({ waMessageId: wamid, status: 'delivered' });
});

it('changes no row for a key nothing has, nor a row whose wamid is another', async () => {
  const phone = newPhone();
  const key = `campaign:${randomUUID()}:callback-test`;
  const contactId = await pendingRow(phone, key);
  const stored = newWamid();
  await postStatus(stored, phone, 'sent', key);
  // Another wamid with the same key (cannot come from Meta for one send) does not replace the stored one.
  await postStatus(newWamid(), phone, 'delivered', key);
  expect((await listMessages(stack.db, contactId))[0]).toMatchObject({ waMessageId: stored, status: 'sent' });

  const stray = newWamid();
  await postStatus(stray, newPhone(), 'sent', 'campaign:nobody:callback-test');
  const { rows } = await stack.db.query<{ n: string }>('select count(*) as n from messages where wa_message_id = $1', [
    stray,
  ]);
  expect(Number(rows[0]!.n)).toBe(0);
  const early = await stack.db.query('select 1 from status_events where wa_message_id = $1', [stray]);
  expect(early.rowCount).toBe(1);
});

it("stores the wamid by a reply's key as by a campaign's", async () => {
  const phone = newPhone();
  // A reply's key as the workflow makes it (workflows/carry-out.ts): contact, cause, order.
  const key = `${randomUUID()}/in/${newWamid()}/1`;
  const contactId = await pendingRow(phone, key);
  const wamid = newWamid();
  await postStatus(wamid, phone, 'sent', key);
  expect((await listMessages(stack.db, contactId))[0]).toMatchObject({ waMessageId: wamid, status: 'sent' });
});
