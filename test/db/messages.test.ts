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

const inbound = (id: string): InboundMessage => ({
  waMessageId: id,
  from: '15550009999',
  sentAt: 1_788_000_000_000,
  receivedAt: 1_788_000_001_000,
  content: { kind: 'text', text: 'hello' },
});

describe('storeInbound', () => {
  it('tells a retried attempt (same key) from a redelivery (another key)', async () => {
    const first = await storeInbound(db, inbound('wamid.A'), 'k1');
    const retry = await storeInbound(db, inbound('wamid.A'), 'k1');
    const redelivery = await storeInbound(db, inbound('wamid.A'), 'k2');
    expect([first.duplicate, retry.duplicate, redelivery.duplicate]).toEqual([false, false, true]);
    const rows = await listMessages(db, '15550009999');
    expect(rows.filter((r) => r.waMessageId === 'wamid.A')).toHaveLength(1);
  });
});

describe('delivery statuses', () => {
  it('applies statuses that arrived before WhatsApp accepted the send once the wamid is stored', async () => {
    const row = await upsertOutbound(db, {
      phone: '15550008888',
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
    await markAccepted(db, row.id, 'wamid.EARLY', { kind: 'message', phone: null, payload: {} });
    const [stored] = await listMessages(db, '15550008888');
    expect(stored).toMatchObject({ status: 'delivered', waMessageId: 'wamid.EARLY' });
    expect(stored!.sentAt?.getTime()).toBe(1_788_000_005_000);
    expect(stored!.deliveredAt?.getTime()).toBe(1_788_000_010_000);
  });

  it('returns the same row to a retried send of one logical message', async () => {
    const input = {
      phone: '15550007777',
      key: 'out-2',
      sender: 'bot' as const,
      content: { kind: 'text' as const, text: 'x' },
    };
    const first = await upsertOutbound(db, input);
    await markAccepted(db, first.id, 'wamid.RETRY', { kind: 'message', phone: null, payload: {} });
    const again = await upsertOutbound(db, input);
    expect(again).toMatchObject({ id: first.id, waMessageId: 'wamid.RETRY', status: 'accepted' });
    expect(await listMessages(db, '15550007777')).toHaveLength(1);
  });
});

describe('one statement per change, with its event', () => {
  const eventsFor = async (phone: string) =>
    (
      await db.query<{ kind: string; payload: { status?: string; waMessageId?: string } }>(
        'select kind, payload from events where phone = $1 order by id',
        [phone],
      )
    ).rows;

  it('appends an inbound message event once, however often the message is stored', async () => {
    const message = { ...inbound('wamid.EVT'), from: '15550006666' };
    await storeInbound(db, message, 'evt-1');
    await storeInbound(db, message, 'evt-1');
    await storeInbound(db, message, 'evt-2');
    const events = await eventsFor('15550006666');
    expect(events.map((e) => [e.kind, e.payload.waMessageId])).toEqual([['message', 'wamid.EVT']]);
    const { rows } = await db.query<{ last_inbound_at: Date }>(
      'select last_inbound_at from conversations where phone = $1',
      ['15550006666'],
    );
    expect(rows.map((r) => r.last_inbound_at.getTime())).toEqual([message.sentAt]);
  });

  it('folds each status once and never moves a status backwards', async () => {
    const phone = '15550005555';
    const row = await upsertOutbound(db, {
      phone,
      key: 'out-fold',
      sender: 'bot',
      content: { kind: 'text', text: 'hi' },
    });
    await markAccepted(db, row.id, 'wamid.FOLD', { kind: 'message', phone: null, payload: {} });
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
    const [stored] = await listMessages(db, phone);
    expect(stored).toMatchObject({ status: 'read' });
    expect([stored!.sentAt?.getTime(), stored!.deliveredAt?.getTime(), stored!.readAt?.getTime()]).toEqual([
      1_788_000_010_000, 1_788_000_020_000, 1_788_000_030_000,
    ]);
    const events = await eventsFor(phone);
    expect(events.map((e) => e.payload.status)).toEqual(['read', 'sent', 'delivered']);
  });

  it('counts a send attempt only while the message has no wamid and has not failed', async () => {
    const input = {
      phone: '15550004444',
      key: 'out-attempts',
      sender: 'bot' as const,
      content: { kind: 'text' as const, text: 'x' },
    };
    const first = await upsertOutbound(db, input, { countAttempt: true });
    await upsertOutbound(db, input, { countAttempt: true });
    await upsertOutbound(db, input);
    await markAccepted(db, first.id, 'wamid.ATTEMPTS', { kind: 'message', phone: null, payload: {} });
    await upsertOutbound(db, input, { countAttempt: true });
    const [stored] = await listMessages(db, input.phone);
    expect(stored).toMatchObject({ attempts: 2, status: 'accepted' });
  });
});
