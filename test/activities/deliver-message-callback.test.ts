import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWhatsAppActivities, type DeliverInput, type DeliverResult } from '../../activities/whatsapp';
import { linkSender } from '../../src/db/contacts';
import { listMessages, recordStatus } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient, type WhatsAppClient } from '../../src/whatsapp/graph-client';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { startScoped } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { newPhone } from '../helpers/fixtures';
import { TEST_ACCESS_TOKEN } from '../helpers/stack';

// A reply whose sending attempt died between WhatsApp's answer and the stored wamid (the crash gap):
// the send's `sent` status echoes its key (biz_opaque_callback_data) and stores the wamid on the key's
// row, so the retry finds it and sends nothing. Real Postgres, the Graph API fake over HTTP posting its
// statuses to a receiver that stores them as the webhook route does.

let db: Db;
let fake: GraphFake;
let whatsapp: WhatsAppClient;
/** While set, the receiver keeps the statuses it gets here instead of storing them. */
let held: (() => void)[] | undefined;

beforeAll(async () => {
  db = (await createTestDatabase({ migrated: true })).db;
  ({ fake } = await startScoped(async (defer) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const parsed = parseWebhook(JSON.parse(Buffer.concat(chunks).toString('utf8')), Date.now());
        const store = () =>
          void Promise.all(parsed.statuses.map((s) => recordStatus(db, s))).finally(() => res.end('ok'));
        if (held === undefined) store();
        else held.push(store);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const started = await startGraphFake({
      accessToken: TEST_ACCESS_TOKEN,
      statusCallback: { url: `http://127.0.0.1:${port}/`, appSecret: 'secret', statuses: ['sent'] },
    });
    defer(() => started.close());
    return { fake: started };
  }));
  whatsapp = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' });
});

/** The database of a worker that dies right after WhatsApp's answer: the wamid is never stored. */
const dying = (): Db => ({
  ...db,
  async query(text, params) {
    if (typeof text !== 'string' && text.name === 'mark_accepted') throw new Error('worker killed');
    return db.query(text, params);
  },
});

async function attempt(on: Db, input: DeliverInput): Promise<DeliverResult> {
  const activities = createWhatsAppActivities(on, whatsapp);
  const deliver = (i: DeliverInput) => activities.deliverMessage(i);
  return new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof deliver>(deliver, input);
}

/** A new student and the input of the bot's first reply to them, keyed as the workflow keys it. */
async function replyToNewStudent(): Promise<{ phone: string; contactId: string; input: DeliverInput }> {
  const phone = newPhone();
  const contactId = await linkSender(db, { sender: { phone } });
  const key = `${contactId}/in/wamid.crash/1`;
  return { phone, contactId, input: { contactId, key, content: { kind: 'text', text: 'Hello' }, sender: 'bot' } };
}

it('a reply retried after its worker died in the crash gap finds the wamid its status stored, and sends once', async () => {
  const { phone, contactId, input } = await replyToNewStudent();
  await expect(attempt(dying(), input)).rejects.toThrow('worker killed');
  expect(fake.sendsTo(phone)).toHaveLength(1);
  expect((fake.sendsTo(phone)[0]!.body as Record<string, unknown>).biz_opaque_callback_data).toBe(input.key);
  // A retry after a worker's death comes seconds later (the workflow task's timeout): the status, posted
  // at once, is stored by then.
  await fake.flushCallbacks();

  const { waMessageId } = await attempt(db, input);
  expect(waMessageId).toBe(fake.sendsTo(phone)[0]!.waMessageId);
  expect(fake.sendsTo(phone)).toHaveLength(1);
  expect(await listMessages(db, contactId)).toEqual([
    expect.objectContaining({ waMessageId, status: 'sent', attempts: 1 }),
  ]);
});

it('a retry that comes before any status sends again: nothing says the first send was accepted', async () => {
  const { phone, contactId, input } = await replyToNewStudent();
  // The status is held back until after the retry (Meta late, or the webhook server down).
  held = [];
  try {
    await expect(attempt(dying(), input)).rejects.toThrow('worker killed');
    const { waMessageId } = await attempt(db, input);
    expect(fake.sendsTo(phone)).toHaveLength(2);
    expect(waMessageId).toBe(fake.sendsTo(phone)[1]!.waMessageId);
  } finally {
    const late = held;
    held = undefined;
    for (const store of late) store();
  }
  await fake.flushCallbacks();
  // The first send's late status finds its key's row taken by the second wamid: it changes no row.
  expect(await listMessages(db, contactId)).toEqual([
    expect.objectContaining({ waMessageId: fake.sendsTo(phone)[1]!.waMessageId }),
  ]);
});
