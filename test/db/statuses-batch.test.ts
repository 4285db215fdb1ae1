import { linkSender } from '../../src/db/contacts';
import { markAccepted, recordStatus, recordStatuses } from '../../src/db/statuses';
import { upsertOutbound } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import type { StatusUpdate } from '../../domain/types';
import { createTestDatabase } from '../helpers/database';
import { newPhone, newWamid } from '../helpers/fixtures';

// record_statuses must do exactly what record_status does called once per report, in order. Two
// worlds are built alike (their own contact, keys and wamids): one gets the reports one by one, the
// other in one batch, and their rows, stored reports and events must then read the same.

let db: Db;

beforeAll(async () => {
  db = (await createTestDatabase({ migrated: true })).db;
});

interface World {
  prefix: string;
  contactId: string;
}

const pricing = (category: string) => ({ pricingModel: 'PMP', category, billable: true });

/** Rows and early reports as a live number has them before the batch: the same in both worlds. */
async function buildWorld(): Promise<World> {
  const prefix = newWamid();
  const contactId = await linkSender(db, { sender: { phone: newPhone() } });
  const send = (n: number) =>
    upsertOutbound(db, { contactId, key: `${prefix}/k${n}`, sender: 'bot', content: { kind: 'text', text: 'Hi' } });
  const accepted = await send(1);
  await markAccepted(db, accepted.id, `${prefix}.W1`, { kind: 'message', contactId, payload: {} });
  await send(2); // its wamid is never stored: the key finds it
  await send(3); // accepted only after the batch: its statuses wait
  const failing = await send(4);
  await markAccepted(db, failing.id, `${prefix}.W4`, { kind: 'message', contactId, payload: {} });
  // Delivered before this batch: its redelivery changes nothing.
  await recordStatus(db, { waMessageId: `${prefix}.W1`, status: 'sent', timestamp: 1_788_000_001_000 });
  return { prefix, contactId };
}

/** The reports of one world, in the order the webhooks brought them. */
function reports({ prefix }: World): StatusUpdate[] {
  const w = (n: number) => `${prefix}.W${n}`;
  return [
    { waMessageId: w(1), status: 'sent', timestamp: 1_788_000_001_500 },
    { waMessageId: w(1), status: 'delivered', timestamp: 1_788_000_002_000, pricing: pricing('utility') },
    // Before the report that carries the key: one by one it reaches no row, so its pricing is lost.
    { waMessageId: w(2), status: 'sent', timestamp: 1_788_000_002_100, pricing: pricing('marketing') },
    { waMessageId: w(3), status: 'delivered', timestamp: 1_788_000_002_200, recipientUserId: 'US.1' },
    {
      waMessageId: w(2),
      status: 'delivered',
      timestamp: 1_788_000_002_300,
      callbackData: `${prefix}/k2`,
      recipientUserId: 'US.2',
    },
    { waMessageId: w(1), status: 'read', timestamp: 1_788_000_003_000, recipientParentUserId: 'US.P' },
    { waMessageId: w(1), status: 'delivered', timestamp: 1_788_000_009_000, pricing: pricing('service') },
    { waMessageId: w(2), status: 'read', timestamp: 1_788_000_003_100 },
    { waMessageId: w(3), status: 'sent', timestamp: 1_788_000_002_150 },
    { waMessageId: w(4), status: 'failed', timestamp: 1_788_000_004_000, errorCode: 131047, errorTitle: 'Re-engage' },
    { waMessageId: w(4), status: 'sent', timestamp: 1_788_000_003_900 },
    { waMessageId: w(9), status: 'read', timestamp: 1_788_000_005_000 },
  ];
}

/** Everything the reports may have changed in one world, with its own names replaced by common ones. */
async function snapshot(world: World): Promise<unknown> {
  const { rows: messages } = await db.query(
    `select idempotency_key, wa_message_id, status, error_code, error_title, accepted_at is not null as accepted,
            sent_at, delivered_at, read_at, failed_at, pricing, recipient_user_id, recipient_parent_user_id
     from messages where contact_id = $1 order by id`,
    [world.contactId],
  );
  const { rows: reported } = await db.query(
    `select wa_message_id, status, occurred_at, error_code, error_title from status_events
     where wa_message_id like $1 || '%' order by wa_message_id, status`,
    [world.prefix],
  );
  const { rows: events } = await db.query(
    `select contact_id, payload from events where kind = 'status' and payload->>'waMessageId' like $1 || '%'
     order by id`,
    [world.prefix],
  );
  return JSON.parse(
    JSON.stringify({ messages, reported, events }).replaceAll(world.prefix, 'P').replaceAll(world.contactId, 'C'),
  );
}

it('stores, folds and appends exactly as one report at a time', async () => {
  const oneByOne = await buildWorld();
  const batched = await buildWorld();
  for (const report of reports(oneByOne)) await recordStatus(db, report);
  await recordStatuses(db, reports(batched));
  // The statuses that came before the acceptance are applied by it, in both.
  for (const world of [oneByOne, batched]) {
    const { rows } = await db.query<{ id: string }>('select id from messages where idempotency_key = $1', [
      `${world.prefix}/k3`,
    ]);
    await markAccepted(db, Number(rows[0]!.id), `${world.prefix}.W3`, {
      kind: 'message',
      contactId: world.contactId,
      payload: {},
    });
  }
  const expected = await snapshot(oneByOne);
  expect(await snapshot(batched)).toEqual(expected);
  // The comparison has something to compare: the key found its row, the fold and the events happened.
  expect(expected).toMatchObject({
    messages: [
      { wa_message_id: 'P.W1', status: 'read', pricing: { category: 'utility' }, recipient_parent_user_id: 'US.P' },
      { wa_message_id: 'P.W2', status: 'read', pricing: null, recipient_user_id: 'US.2' },
      { wa_message_id: 'P.W3', status: 'delivered' },
      { wa_message_id: 'P.W4', status: 'failed', error_code: 131047 },
    ],
  });
  // One per new report: the ten of the batch and the one delivered before it, none for a repeat.
  expect((expected as { events: unknown[] }).events).toHaveLength(11);
});

it('a whole batch delivered again changes and appends nothing', async () => {
  const world = await buildWorld();
  await recordStatuses(db, reports(world));
  const before = await snapshot(world);
  await recordStatuses(db, reports(world));
  expect(await snapshot(world)).toEqual(before);
});

it('refuses a value as one by one would, storing nothing of the batch', async () => {
  const world = await buildWorld();
  const refused: StatusUpdate = {
    waMessageId: `${world.prefix}.W1`,
    status: 'failed',
    timestamp: 1,
    errorTitle: '\u0000',
  };
  await expect(recordStatuses(db, [...reports(world), refused])).rejects.toMatchObject({ code: '22021' });
  const { rows } = await db.query('select 1 from status_events where wa_message_id like $1', [`${world.prefix}.W2%`]);
  expect(rows).toEqual([]);
});
