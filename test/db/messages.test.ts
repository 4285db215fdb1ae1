import { linkSender } from '../../src/db/contacts';
import { listMessages, storeInbound, markAccepted, recordStatus, upsertOutbound } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import type { InboundMessage } from '../../domain/types';
import { createTestDatabase } from '../helpers/database';

let target: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase({ migrated: true });
  db = target.db;
});

afterAll(async () => {
  await target?.drop();
});

/** The contact of a phone number, made as the webhook makes it. */
const contactOf = (phone: string): Promise<string> => linkSender(db, { sender: { phone } });

const inbound = (id: string, phone = '15550009999'): InboundMessage => ({
  waMessageId: id,
  sender: { phone },
  sentAt: 1_788_000_000_000,
  receivedAt: 1_788_000_001_000,
  content: { kind: 'text', text: 'hello' },
});

describe('storeInbound', () => {
  it('tells a retried attempt (same key) from a redelivery (another key)', async () => {
    const contactId = await contactOf('15550009999');
    const first = await storeInbound(db, contactId, inbound('wamid.A'), 'k1');
    const retry = await storeInbound(db, contactId, inbound('wamid.A'), 'k1');
    const redelivery = await storeInbound(db, contactId, inbound('wamid.A'), 'k2');
    expect([first.duplicate, retry.duplicate, redelivery.duplicate]).toEqual([false, false, true]);
    const rows = await listMessages(db, contactId);
    expect(rows.filter((r) => r.waMessageId === 'wamid.A')).toHaveLength(1);
    expect(rows[0]).toMatchObject({ contactId, direction: 'inbound' });
    // Keyed by the contact, never by the number it wrote from.
    expect(await listMessages(db, '15550009999')).toEqual([]);
  });
});

describe('delivery statuses', () => {
  it('applies statuses that arrived before WhatsApp accepted the send once the wamid is stored', async () => {
    const contactId = await contactOf('15550008888');
    const row = await upsertOutbound(db, {
      contactId,
      key: 'out-1',
      sender: 'bot',
      content: { kind: 'text', text: 'hi' },
    });
    await recordStatus(db, {
      waMessageId: 'wamid.EARLY',
      status: 'delivered',
      timestamp: 1_788_000_010_000,
      recipientId: '15550008888',
    });
    await recordStatus(db, {
      waMessageId: 'wamid.EARLY',
      status: 'sent',
      timestamp: 1_788_000_005_000,
      recipientId: '15550008888',
    });
    await markAccepted(db, row.id, 'wamid.EARLY', { kind: 'message', contactId: null, payload: {} });
    const [stored] = await listMessages(db, contactId);
    expect(stored).toMatchObject({ status: 'delivered', waMessageId: 'wamid.EARLY' });
    expect(stored!.sentAt?.getTime()).toBe(1_788_000_005_000);
    expect(stored!.deliveredAt?.getTime()).toBe(1_788_000_010_000);
  });

  it('returns the same row to a retried send of one logical message', async () => {
    const input = {
      contactId: await contactOf('15550007777'),
      key: 'out-2',
      sender: 'bot' as const,
      content: { kind: 'text' as const, text: 'x' },
    };
    const first = await upsertOutbound(db, input);
    await markAccepted(db, first.id, 'wamid.RETRY', { kind: 'message', contactId: null, payload: {} });
    const again = await upsertOutbound(db, input);
    expect(again).toMatchObject({ id: first.id, waMessageId: 'wamid.RETRY', status: 'accepted' });
    expect(await listMessages(db, input.contactId)).toHaveLength(1);
  });
});

describe('one statement per change, with its event', () => {
  const eventsFor = async (contactId: string) =>
    (
      await db.query<{ kind: string; payload: { status?: string; waMessageId?: string } }>(
        'select kind, payload from events where contact_id = $1 order by id',
        [contactId],
      )
    ).rows;

  it('appends an inbound message event once, however often the message is stored', async () => {
    const contactId = await contactOf('15550006666');
    const message = inbound('wamid.EVT', '15550006666');
    await storeInbound(db, contactId, message, 'evt-1');
    await storeInbound(db, contactId, message, 'evt-1');
    await storeInbound(db, contactId, message, 'evt-2');
    const events = await eventsFor(contactId);
    expect(events.map((e) => [e.kind, e.payload.waMessageId])).toEqual([['message', 'wamid.EVT']]);
    const { rows } = await db.query<{ last_inbound_at: Date }>(
      'select last_inbound_at from conversations where contact_id = $1',
      [contactId],
    );
    expect(rows.map((r) => r.last_inbound_at.getTime())).toEqual([message.sentAt]);
  });

  it('folds each status once and never moves a status backwards', async () => {
    const phone = '15550005555';
    const contactId = await contactOf(phone);
    const row = await upsertOutbound(db, {
      contactId,
      key: 'out-fold',
      sender: 'bot',
      content: { kind: 'text', text: 'hi' },
    });
    await markAccepted(db, row.id, 'wamid.FOLD', { kind: 'message', contactId: null, payload: {} });
    const status = (s: 'sent' | 'delivered' | 'read', t: number) => ({
      waMessageId: 'wamid.FOLD',
      recipientId: phone,
      status: s,
      timestamp: t,
    });
    await recordStatus(db, status('read', 1_788_000_030_000));
    await recordStatus(db, status('sent', 1_788_000_010_000));
    await recordStatus(db, status('delivered', 1_788_000_020_000));
    await recordStatus(db, status('delivered', 1_788_000_025_000));
    const [stored] = await listMessages(db, contactId);
    expect(stored).toMatchObject({ status: 'read' });
    expect([stored!.sentAt?.getTime(), stored!.deliveredAt?.getTime(), stored!.readAt?.getTime()]).toEqual([
      1_788_000_010_000, 1_788_000_020_000, 1_788_000_030_000,
    ]);
    // The status events belong to the message's contact, though the statuses named only its phone.
    const events = await eventsFor(contactId);
    expect(events.map((e) => e.payload.status)).toEqual(['read', 'sent', 'delivered']);
  });

  it('counts a send attempt only while the message has no wamid and has not failed', async () => {
    const input = {
      contactId: await contactOf('15550004444'),
      key: 'out-attempts',
      sender: 'bot' as const,
      content: { kind: 'text' as const, text: 'x' },
    };
    const first = await upsertOutbound(db, input, { countAttempt: true });
    await upsertOutbound(db, input, { countAttempt: true });
    await upsertOutbound(db, input);
    await markAccepted(db, first.id, 'wamid.ATTEMPTS', { kind: 'message', contactId: null, payload: {} });
    await upsertOutbound(db, input, { countAttempt: true });
    const [stored] = await listMessages(db, input.contactId);
    expect(stored).toMatchObject({ attempts: 2, status: 'accepted' });
  });

  it("keeps a status's BSUIDs and pricing on the message, and a BSUID-only contact's events under it", async () => {
    const bsuid = 'US.13491208655302741918';
    const contactId = await linkSender(db, { sender: { bsuid } });
    const row = await upsertOutbound(db, {
      contactId,
      key: 'out-bsuid',
      sender: 'bot',
      content: { kind: 'text', text: 'hi' },
    });
    await markAccepted(db, row.id, 'wamid.BSUID', { kind: 'message', contactId, payload: {} });
    const pricing = { pricingModel: 'PMP', category: 'service', type: 'free_customer_service', billable: false };
    await recordStatus(db, {
      waMessageId: 'wamid.BSUID',
      status: 'sent',
      timestamp: 1_788_000_040_000,
      recipientUserId: bsuid,
      recipientParentUserId: 'US.ENT.11815799212886844830',
      pricing,
    });
    await recordStatus(db, { waMessageId: 'wamid.BSUID', status: 'delivered', timestamp: 1_788_000_041_000 });
    const { rows } = await db.query<{ pricing: unknown; recipient_user_id: string; recipient_parent_user_id: string }>(
      'select pricing, recipient_user_id, recipient_parent_user_id from messages where id = $1',
      [row.id],
    );
    expect(rows[0]).toEqual({
      pricing,
      recipient_user_id: bsuid,
      recipient_parent_user_id: 'US.ENT.11815799212886844830',
    });
    const [stored] = await listMessages(db, contactId);
    expect(stored).toMatchObject({ status: 'delivered', waMessageId: 'wamid.BSUID' });
    expect((await eventsFor(contactId)).map((e) => e.payload.status ?? e.kind)).toEqual([
      'message',
      'sent',
      'delivered',
    ]);
  });
});
