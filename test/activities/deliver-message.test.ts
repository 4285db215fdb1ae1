import { MockActivityEnvironment } from '@temporalio/testing';
import { createWhatsAppActivities, type DeliverInput, type DeliverResult } from '../../activities/whatsapp';
import { WHATSAPP_REJECTED } from '../../domain/failures';
import { linkSender, newContactId } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { startScoped } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { TEST_ACCESS_TOKEN } from '../helpers/stack';

// A message WhatsApp accepted while Postgres is away: its wamid waits for Postgres instead of the
// attempt failing and a retry sending the message again. Real Postgres, the Graph API fake over HTTP,
// and a connection refused for the statement that stores the wamid.

let db: Db;
let fake: GraphFake;
let refuseWamidWrites = 0;

beforeAll(async () => {
  const target = await createTestDatabase({ migrated: true });
  db = target.db;
  ({ fake } = await startScoped(async (defer) => {
    const started = await startGraphFake({ accessToken: TEST_ACCESS_TOKEN });
    defer(() => started.close());
    return { fake: started };
  }));
});

/** The database, with the wamid's update refused as a Postgres that is down refuses connections. */
function flakyDb(): Db {
  return {
    ...db,
    async query(text, params) {
      const name = typeof text === 'string' ? '' : text.name;
      if (name === 'mark_accepted' && refuseWamidWrites > 0) {
        refuseWamidWrites--;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      return db.query(text, params);
    },
  };
}

describe('deliverMessage with Postgres away after WhatsApp accepted', () => {
  it('keeps the wamid until Postgres answers, and sends once', async () => {
    const whatsapp = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' });
    const activities = createWhatsAppActivities(flakyDb(), whatsapp);
    const deliver = (input: DeliverInput) => activities.deliverMessage(input);
    const phone = '15550008801';
    const contactId = await linkSender(db, { sender: { phone } });
    refuseWamidWrites = 3;
    const input = {
      contactId,
      key: `${contactId}/k1`,
      content: { kind: 'text' as const, text: 'Hello' },
      sender: 'bot' as const,
    };
    const { waMessageId } = await new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof deliver>(
      deliver,
      input,
    );
    expect(refuseWamidWrites).toBe(0);
    expect(fake.sendsTo(phone)).toHaveLength(1);
    const [row] = await listMessages(db, contactId);
    expect(row).toMatchObject({ waMessageId, status: 'accepted' });
    // Retried as Temporal would: found by its key, not sent again.
    await new MockActivityEnvironment().run(deliver, input);
    expect(fake.sendsTo(phone)).toHaveLength(1);
  });
});

describe('deliverMessage addresses the contact', () => {
  const deliver = (input: DeliverInput) => {
    const whatsapp = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' });
    const send = (i: DeliverInput) => createWhatsAppActivities(db, whatsapp).deliverMessage(i);
    return new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof send>(send, input);
  };
  const text = (contactId: string, key: string): DeliverInput => ({
    contactId,
    key: `${contactId}/${key}`,
    content: { kind: 'text', text: 'Hello' },
    sender: 'bot',
  });

  it('sends to the phone when the contact has one, even beside a BSUID', async () => {
    const contactId = await linkSender(db, { sender: { phone: '15550008802', bsuid: 'US.1000000000000008802' } });
    const { waMessageId } = await deliver(text(contactId, 'both'));
    const sent = fake.sends.find((s) => s.waMessageId === waMessageId);
    expect(sent).toMatchObject({ to: '15550008802' });
    expect(sent).not.toHaveProperty('recipient');
    expect(sent!.body).toMatchObject({ to: '+15550008802' });
  });

  it('sends to the BSUID as recipient when the contact has no phone', async () => {
    const bsuid = 'US.1000000000000008803';
    const contactId = await linkSender(db, { sender: { bsuid } });
    const { waMessageId } = await deliver(text(contactId, 'bsuid'));
    const sent = fake.sends.find((s) => s.waMessageId === waMessageId);
    expect(sent).toMatchObject({ to: bsuid, recipient: bsuid });
    expect(sent!.body).not.toHaveProperty('to');
    const [row] = await listMessages(db, contactId);
    expect(row).toMatchObject({ waMessageId, status: 'accepted', contactId });
  });

  it('fails for good, sending nothing, when the contact has neither a phone nor a BSUID', async () => {
    const contactId = newContactId();
    await db.query('insert into contacts (id) values ($1)', [contactId]);
    const before = fake.requests;
    await expect(deliver(text(contactId, 'nobody'))).rejects.toMatchObject({
      type: WHATSAPP_REJECTED,
      nonRetryable: true,
    });
    expect(fake.requests).toBe(before);
  });
});
