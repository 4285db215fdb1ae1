import { insertInbound, listMessages, markAccepted, recordStatus, upsertOutbound } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import type { InboundMessage } from '../../workflows/types';
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

describe('insertInbound', () => {
  it('tells a retried attempt (same key) from a redelivery (another key)', async () => {
    const first = await db.withTransaction((c) => insertInbound(c, [{ message: inbound('wamid.A'), ingestKey: 'k1' }]));
    const retry = await db.withTransaction((c) => insertInbound(c, [{ message: inbound('wamid.A'), ingestKey: 'k1' }]));
    const redelivery = await db.withTransaction((c) => insertInbound(c, [{ message: inbound('wamid.A'), ingestKey: 'k2' }]));
    expect([first[0]!.duplicate, retry[0]!.duplicate, redelivery[0]!.duplicate]).toEqual([false, false, true]);
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
    await recordStatus(db, { waMessageId: 'wamid.EARLY', status: 'delivered', timestamp: 1_788_000_010_000, recipientId: '15550008888' });
    await recordStatus(db, { waMessageId: 'wamid.EARLY', status: 'sent', timestamp: 1_788_000_005_000, recipientId: '15550008888' });
    await markAccepted(db, row.id, 'wamid.EARLY');
    const [stored] = await listMessages(db, '15550008888');
    expect(stored).toMatchObject({ status: 'delivered', waMessageId: 'wamid.EARLY' });
    expect(stored!.sentAt?.getTime()).toBe(1_788_000_005_000);
    expect(stored!.deliveredAt?.getTime()).toBe(1_788_000_010_000);
  });

  it('returns the same row to a retried send of one logical message', async () => {
    const input = { phone: '15550007777', key: 'out-2', sender: 'bot' as const, content: { kind: 'text' as const, text: 'x' } };
    const first = await upsertOutbound(db, input);
    await markAccepted(db, first.id, 'wamid.RETRY');
    const again = await upsertOutbound(db, input);
    expect(again).toMatchObject({ id: first.id, waMessageId: 'wamid.RETRY', status: 'accepted' });
    expect(await listMessages(db, '15550007777')).toHaveLength(1);
  });
});
