import { MockActivityEnvironment } from '@temporalio/testing';
import { createWhatsAppActivities, type DeliverInput, type DeliverResult } from '../../activities/whatsapp';
import { linkSender } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { startScoped } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { newPhone, newWamid } from '../helpers/fixtures';
import { TEST_ACCESS_TOKEN } from '../helpers/stack';

// The read receipt of a turn's first reply goes out beside the send, not before it: a slow receipt
// holds the send back by nothing, a hanging one holds the activity only briefly, a failed one is only
// logged. Real Postgres and the Graph API fake over HTTP, its mark-read answers delayed or failed.

let db: Db;
let fake: GraphFake;

beforeAll(async () => {
  db = (await createTestDatabase({ migrated: true })).db;
  ({ fake } = await startScoped(async (defer) => {
    const started = await startGraphFake({ accessToken: TEST_ACCESS_TOKEN });
    defer(() => started.close());
    return { fake: started };
  }));
});

/** A new student's first reply, marking their message `markRead` as read. */
async function firstReply(markRead: string): Promise<{ phone: string; contactId: string; input: DeliverInput }> {
  const phone = newPhone();
  const contactId = await linkSender(db, { sender: { phone } });
  const input: DeliverInput = {
    contactId,
    key: `${contactId}/in/${markRead}/1`,
    content: { kind: 'text', text: 'Hello' },
    sender: 'bot',
    markRead,
  };
  return { phone, contactId, input };
}

function deliver(input: DeliverInput): Promise<DeliverResult> {
  const whatsapp = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' });
  const activities = createWhatsAppActivities(db, whatsapp);
  const send = (i: DeliverInput) => activities.deliverMessage(i);
  return new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof send>(send, input);
}

it('sends while a slow read receipt is still unanswered, and waits for that receipt before returning', async () => {
  const wamid = newWamid();
  const { phone, input } = await firstReply(wamid);
  fake.failNextRead(1, { delayMs: 800 });
  const delivering = deliver(input);
  // Looked at the moment the send is recorded: the receipt, answered 800 ms after it came, is not yet.
  let readBeforeSend: boolean | undefined;
  await fake.waitFor(() => {
    if (fake.sendsTo(phone).length === 0) return false;
    readBeforeSend = fake.reads.includes(wamid);
    return true;
  });
  expect(readBeforeSend).toBe(false);
  const { waMessageId } = await delivering;
  expect(waMessageId).toBe(fake.sendsTo(phone)[0]!.waMessageId);
  // Within the grace: answered by the time the activity returns, nothing left running.
  expect(fake.reads).toContain(wamid);
});

it('returns soon after the send when the read receipt hangs, and the receipt still ends', async () => {
  const wamid = newWamid();
  const { phone, contactId, input } = await firstReply(wamid);
  const hangMs = 6_000;
  fake.failNextRead(1, { delayMs: hangMs });
  const started = Date.now();
  const { waMessageId } = await deliver(input);
  const tookMs = Date.now() - started;
  // The send plus a grace of one second, far from the receipt's six.
  expect(tookMs).toBeLessThan(hangMs - 2_000);
  expect(fake.reads).not.toContain(wamid);
  expect(fake.sendsTo(phone)).toHaveLength(1);
  expect(await listMessages(db, contactId)).toEqual([expect.objectContaining({ waMessageId, status: 'accepted' })]);
  await fake.waitFor(() => fake.reads.includes(wamid), hangMs + 2_000, 'the late read receipt');
});

it.each([
  ['a transient failure', { status: 503 }],
  ['a refusal', { status: 400, body: { error: { code: 131009, message: '(#131009) Parameter value is not valid' } } }],
])('sends the reply when the read receipt meets %s', async (_, failure) => {
  const wamid = newWamid();
  const { phone, contactId, input } = await firstReply(wamid);
  fake.failNextRead(1, failure);
  const { waMessageId } = await deliver(input);
  expect(fake.sendsTo(phone)).toEqual([expect.objectContaining({ waMessageId })]);
  expect(fake.reads).not.toContain(wamid);
  expect(await listMessages(db, contactId)).toEqual([expect.objectContaining({ waMessageId, status: 'accepted' })]);
});
