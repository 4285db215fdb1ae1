import type { Db } from '../../src/db/pool';
import {
  boundedJson,
  countQuarantined,
  listQuarantined,
  quarantineItems,
  RAW_MAX_CHARS,
  type QuarantineInput,
} from '../../src/db/quarantine';
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

beforeEach(async () => {
  await db.query('delete from quarantine');
});

/** An object nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let node: unknown = 'bottom';
  for (let i = 0; i < depth; i++) node = { a: [node] };
  return node;
}

describe('quarantineItems', () => {
  it('stores any item, however strange, large or deep, as bounded JSON text', async () => {
    const items: QuarantineInput[] = [
      { source: 'webhook_message', reason: 'invalid_id', raw: { id: 'wamid.\0', text: { body: 'a\ud800b' } } },
      { source: 'webhook_message', reason: 'malformed', raw: { blob: 'x'.repeat(3_000_000) } },
      { source: 'webhook_status', reason: 'malformed', raw: nested(100_000) },
      { source: 'webhook_status', reason: 'malformed', raw: Array.from({ length: 100_000 }, (_, i) => i) },
      { source: 'payment', reason: 'malformed', raw: { emoji: '😀'.repeat(5000) } },
    ];
    await quarantineItems(db, items);

    const rows = (await listQuarantined(db, { limit: 10 })).reverse();
    expect(rows.map((r) => [r.source, r.reason, r.rawTruncated])).toEqual([
      ['webhook_message', 'invalid_id', false],
      ['webhook_message', 'malformed', true],
      ['webhook_status', 'malformed', true],
      ['webhook_status', 'malformed', true],
      ['payment', 'malformed', true],
    ]);
    // Whole when it fits: the JSON reads back as the item, U+0000 and the lone surrogate escaped.
    expect(JSON.parse(rows[0]!.raw)).toEqual(items[0]!.raw);
    expect(rows[0]!.raw).toContain('\\u0000');
    expect(rows[0]!.raw).toContain('\\ud800');
    for (const row of rows) {
      expect(row.raw.length).toBeLessThanOrEqual(RAW_MAX_CHARS);
      expect(row.raw).not.toMatch(/[\ud800-\udbff]$/);
    }
    expect(rows[1]!.raw.startsWith('{"blob":"xxx')).toBe(true);
  });

  it('adds no row for an item stored before, as when Meta redelivers a batch', async () => {
    const item: QuarantineInput = { source: 'webhook_status', reason: 'unknown_status', raw: { id: 'w', status: 'x' } };
    await quarantineItems(db, [item, item]);
    await quarantineItems(db, [{ ...item, raw: { id: 'w', status: 'x' } }]);
    await quarantineItems(db, [{ ...item, raw: { id: 'w', status: 'y' } }]);
    expect(await listQuarantined(db, { limit: 10 })).toHaveLength(2);
  });
});

describe('listQuarantined and countQuarantined', () => {
  it('pages newest first by id, filters by source and reason, and counts by reason', async () => {
    const items: QuarantineInput[] = Array.from({ length: 5 }, (_, i) => ({
      source: i % 2 === 0 ? 'webhook_message' : 'webhook_status',
      reason: i < 3 ? 'invalid_id' : 'malformed',
      raw: { i },
    }));
    for (const item of items) await quarantineItems(db, [item]);

    const first = await listQuarantined(db, { limit: 2 });
    expect(first.map((r) => JSON.parse(r.raw))).toEqual([{ i: 4 }, { i: 3 }]);
    const next = await listQuarantined(db, { limit: 2, beforeId: first[1]!.id });
    expect(next.map((r) => JSON.parse(r.raw))).toEqual([{ i: 2 }, { i: 1 }]);

    const messages = await listQuarantined(db, { source: 'webhook_message', limit: 10 });
    expect(messages.map((r) => JSON.parse(r.raw))).toEqual([{ i: 4 }, { i: 2 }, { i: 0 }]);
    const malformed = await listQuarantined(db, { reason: 'malformed', limit: 10 });
    expect(malformed.map((r) => JSON.parse(r.raw))).toEqual([{ i: 4 }, { i: 3 }]);

    const counts = await countQuarantined(db);
    expect(counts.get('invalid_id')).toBe(3);
    expect(counts.get('malformed')).toBe(2);
    expect(counts.get('unknown_status')).toBe(0);
  });
});

describe('boundedJson', () => {
  it('writes what fits exactly as JSON.stringify does', () => {
    const value = { a: [1, 'two', null, true, { b: 'ü😀' }], c: -0.5 };
    expect(boundedJson(value, 1000)).toEqual({ text: JSON.stringify(value), truncated: false });
  });

  it('cuts below its depth and says so', () => {
    const { text, truncated } = boundedJson(nested(40), 10_000);
    expect(truncated).toBe(true);
    expect(text).toContain('"…"');
  });
});
