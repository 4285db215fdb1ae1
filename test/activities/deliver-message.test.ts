import { MockActivityEnvironment } from '@temporalio/testing';
import { createWhatsAppActivities, type DeliverInput, type DeliverResult } from '../../activities/whatsapp';
import { listMessages } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { startGraphFake, type GraphFake } from '../../src/sandbox/graph-fake';
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
    refuseWamidWrites = 3;
    const input = {
      phone,
      key: `${phone}/k1`,
      content: { kind: 'text' as const, text: 'Hello' },
      sender: 'bot' as const,
    };
    const { waMessageId } = await new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof deliver>(
      deliver,
      input,
    );
    expect(refuseWamidWrites).toBe(0);
    expect(fake.sendsTo(phone)).toHaveLength(1);
    const [row] = await listMessages(db, phone);
    expect(row).toMatchObject({ waMessageId, status: 'accepted' });
    // Retried as Temporal would: found by its key, not sent again.
    await new MockActivityEnvironment().run(deliver, input);
    expect(fake.sendsTo(phone)).toHaveLength(1);
  });
});
