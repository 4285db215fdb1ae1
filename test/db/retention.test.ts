import type { Db } from '../../src/db/pool';
import { pruneBatch, retentionDeletedTotals } from '../../src/db/retention';
import { createTestDatabase } from '../helpers/database';
import {
  countRows,
  daysAgo,
  newContactId,
  seedAudit,
  seedChat,
  seedHomeworkPhoto,
  seedMedia,
  seedMessage,
  seedQuarantine,
} from '../helpers/retention-rows';

// Retention's batches against a real Postgres: what is older than the limit goes with its copies, what
// is newer stays, an open chat's messages stay, and no batch removes more than its limit.

let target: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase({ migrated: true });
  db = target.db;
});

afterAll(async () => {
  await target?.drop();
});

beforeEach(async () => {
  for (const table of [
    'messages',
    'status_events',
    'events',
    'chat_sessions',
    'homework',
    'media',
    'audit_log',
    'quarantine',
  ])
    await db.query(`delete from ${table}`);
});

/** Runs batches of `limit` until one comes back short; returns each batch's count. */
async function pruneAll(kind: Parameters<typeof pruneBatch>[1], olderThan: Date, limit: number): Promise<number[]> {
  const counts: number[] = [];
  for (;;) {
    const batch = await pruneBatch(db, kind, olderThan, limit);
    counts.push(batch.deleted);
    if (!batch.full) return counts;
  }
}

describe('pruneBatch: messages', () => {
  it('removes messages older than the limit with their statuses and events, and keeps newer ones', async () => {
    const student = newContactId();
    const old = await seedMessage(db, student, 40);
    const recent = await seedMessage(db, student, 5);
    // A status that never found its message, and a stream event about no conversation.
    await db.query(
      `insert into status_events (wa_message_id, status, occurred_at, received_at) values ('wamid.lost', 'sent', $1, $1)`,
      [daysAgo(40)],
    );
    await db.query(`insert into events (at, kind, payload) values ($1, 'state', '{}')`, [daysAgo(40)]);

    expect(await pruneAll('messages', daysAgo(30), 100)).toEqual([1]);

    expect(await countRows(db, 'messages', 'id = $1', [old.id])).toBe(0);
    expect(await countRows(db, 'status_events', 'wa_message_id = $1', [old.waMessageId])).toBe(0);
    expect(await countRows(db, 'events', "payload->>'waMessageId' = $1", [old.waMessageId])).toBe(0);
    expect(await countRows(db, 'status_events', "wa_message_id = 'wamid.lost'")).toBe(0);
    expect(await countRows(db, 'events', "kind = 'state'")).toBe(0);
    expect(await countRows(db, 'messages', 'id = $1', [recent.id])).toBe(1);
    expect(await countRows(db, 'status_events', 'wa_message_id = $1', [recent.waMessageId])).toBe(1);
    expect(await countRows(db, 'events', "payload->>'waMessageId' = $1", [recent.waMessageId])).toBe(1);
  });

  it('never removes the messages of a contact whose chat is open, and does once it ended', async () => {
    const chatting = newContactId();
    const done = newContactId();
    const kept = await seedMessage(db, chatting, 90);
    await seedChat(db, chatting, 60);
    await seedMessage(db, done, 90);
    await seedChat(db, done, 60, 59);

    expect(await pruneAll('messages', daysAgo(30), 100)).toEqual([1]);

    expect(await countRows(db, 'messages', 'contact_id = $1', [chatting])).toBe(1);
    expect(await countRows(db, 'status_events', 'wa_message_id = $1', [kept.waMessageId])).toBe(1);
    expect(await countRows(db, 'events', 'contact_id = $1', [chatting])).toBe(1);
    expect(await countRows(db, 'messages', 'contact_id = $1', [done])).toBe(0);
    expect(await countRows(db, 'events', 'contact_id = $1', [done])).toBe(0);

    await db.query('update chat_sessions set ended_at = now() where contact_id = $1', [chatting]);
    expect(await pruneAll('messages', daysAgo(30), 100)).toEqual([1]);
    expect(await countRows(db, 'messages', 'contact_id = $1', [chatting])).toBe(0);
  });

  it('removes at most the limit per batch, and counts every row it removed', async () => {
    const before = (await retentionDeletedTotals(db)).messages;
    const student = newContactId();
    for (let i = 0; i < 5; i++) await seedMessage(db, student, 40 + i);

    expect(await pruneBatch(db, 'messages', daysAgo(30), 2)).toEqual({ deleted: 2, full: true });
    expect(await countRows(db, 'messages')).toBe(3);
    // The oldest go first.
    expect(await countRows(db, 'messages', 'created_at < $1', [daysAgo(42.5)])).toBe(0);
    expect(await pruneAll('messages', daysAgo(30), 2)).toEqual([2, 1]);
    expect(await countRows(db, 'messages')).toBe(0);
    expect((await retentionDeletedTotals(db)).messages - before).toBe(5);
  });
});

describe('pruneBatch: media', () => {
  it('removes files older than the limit; the homework and the message that named one keep their rows without it', async () => {
    const student = newContactId();
    const oldPhoto = await seedMedia(db, 'wa-media-old', 40);
    const newPhoto = await seedMedia(db, 'wa-media-new', 2);
    const oldMessage = await seedMessage(db, student, 1, { mediaId: 'wa-media-old' });
    const newMessage = await seedMessage(db, student, 1, { mediaId: 'wa-media-new' });
    // A photo never downloaded, named by a message older than the limit: the console would fetch it now.
    const undownloaded = await seedMessage(db, student, 40, { mediaId: 'wa-media-never' });
    const homework = await seedHomeworkPhoto(db, student, oldPhoto);

    expect(await pruneAll('media', daysAgo(30), 100)).toEqual([1]);

    expect(await countRows(db, 'media', 'id = $1', [oldPhoto])).toBe(0);
    expect(await countRows(db, 'media', 'id = $1', [newPhoto])).toBe(1);
    expect(await countRows(db, 'homework', 'reference = $1 and media_id is null', [homework])).toBe(1);
    expect(await countRows(db, 'messages', 'id = $1 and media_id is null', [oldMessage.id])).toBe(1);
    expect(await countRows(db, 'messages', 'id = $1 and media_id is null', [undownloaded.id])).toBe(1);
    expect(await countRows(db, 'messages', "id = $1 and media_id = 'wa-media-new'", [newMessage.id])).toBe(1);
  });

  it('removes at most the limit per batch', async () => {
    for (let i = 0; i < 3; i++) await seedMedia(db, `wa-media-${i}`, 40);
    expect(await pruneBatch(db, 'media', daysAgo(30), 2)).toEqual({ deleted: 2, full: true });
    expect(await countRows(db, 'media')).toBe(1);
    expect(await pruneBatch(db, 'media', daysAgo(30), 2)).toEqual({ deleted: 1, full: false });
  });
});

describe('pruneBatch: audit log and quarantine', () => {
  it.each(['audit', 'quarantine'] as const)(
    'removes %s rows older than the limit, at most the limit at a time',
    async (kind) => {
      const table = kind === 'audit' ? 'audit_log' : 'quarantine';
      const seed = kind === 'audit' ? seedAudit : seedQuarantine;
      const before = (await retentionDeletedTotals(db))[kind];
      for (let i = 0; i < 3; i++) await seed(db, 40);
      await seed(db, 10);

      expect(await pruneBatch(db, kind, daysAgo(30), 2)).toEqual({ deleted: 2, full: true });
      expect(await countRows(db, table)).toBe(2);
      expect(await pruneBatch(db, kind, daysAgo(30), 2)).toEqual({ deleted: 1, full: false });
      expect(await countRows(db, table, 'at > $1', [daysAgo(30)])).toBe(1);
      expect(await countRows(db, table)).toBe(1);
      expect((await retentionDeletedTotals(db))[kind] - before).toBe(3);
    },
  );
});

it('refuses a batch limit that is not a positive integer', async () => {
  await expect(pruneBatch(db, 'audit', daysAgo(30), 0)).rejects.toThrow(RangeError);
});
