import { linkSender } from '../../src/db/contacts';
import { markAccepted, upsertOutbound } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { createStatusWriter } from '../../src/server/status-writer';
import type { StatusUpdate } from '../../domain/types';
import { createTestDatabase } from '../helpers/database';
import { newPhone, newWamid } from '../helpers/fixtures';

// The webhook's group commit: statuses of concurrent deliveries share statements, and each delivery
// is answered only once its own statuses are stored.

let db: Db;

beforeAll(async () => {
  db = (await createTestDatabase({ migrated: true })).db;
});

/** `db` with every statement counted; `fail` makes a statement fail as a lost connection would. */
function countingDb(fail: (name: string | undefined, calls: number) => boolean = () => false) {
  const counted = { statements: 0 };
  const wrapped: Db = {
    ...db,
    query: (text, params) => {
      counted.statements++;
      const name = typeof text === 'string' ? undefined : text.name;
      if (fail(name, counted.statements)) return Promise.reject(new Error('Connection terminated unexpectedly'));
      return db.query(text, params);
    },
  };
  return { db: wrapped, counted };
}

/** One accepted reply and its three statuses, as three webhooks bring them. */
async function acceptedReply(): Promise<StatusUpdate[]> {
  const contactId = await linkSender(db, { sender: { phone: newPhone() } });
  const wamid = newWamid();
  const row = await upsertOutbound(db, { contactId, key: wamid, sender: 'bot', content: { kind: 'text', text: 'Hi' } });
  await markAccepted(db, row.id, wamid, { kind: 'message', contactId, payload: {} });
  return (['sent', 'delivered', 'read'] as const).map((status, i) => ({
    waMessageId: wamid,
    status,
    timestamp: 1_788_000_000_000 + i,
  }));
}

async function storedCount(statuses: readonly StatusUpdate[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from status_events e join unnest($1::text[], $2::text[]) as s(w, st)
       on e.wa_message_id = s.w and e.status = s.st`,
    [statuses.map((s) => s.waMessageId), statuses.map((s) => s.status)],
  );
  return rows[0]!.n;
}

it('writes the statuses of concurrent requests together, answering each once its own are stored', async () => {
  const replies = await Promise.all(Array.from({ length: 40 }, () => acceptedReply()));
  const requests = replies.flat().map((status) => [status]); // one webhook per status, as Meta sends them
  const { db: counting, counted } = countingDb();
  // No window: the coalescing measured here is group commit's alone.
  const writer = createStatusWriter(counting, silentLogger, { windowMs: 0 });
  const visibleWhenAnswered = await Promise.all(
    requests.map(async (statuses) => {
      await writer.write(statuses);
      return (await storedCount(statuses)) === statuses.length;
    }),
  );
  expect(visibleWhenAnswered.every(Boolean)).toBe(true);
  expect(await storedCount(replies.flat())).toBe(120);
  // One by one this was 120 statements; the first goes alone, the rest wait for it and go together.
  expect(counted.statements).toBeLessThanOrEqual(3);
  console.log(`status writer: ${requests.length} statuses in ${counted.statements} statements`);
  const { rows } = await db.query<{ status: string }>('select status from messages where wa_message_id = any($1)', [
    replies.map((r) => r[0]!.waMessageId),
  ]);
  expect(rows.map((r) => r.status)).toEqual(replies.map(() => 'read'));
});

it('sets aside a refused status alone and stores the others of its batch', async () => {
  const [mine, other] = await Promise.all([acceptedReply(), acceptedReply()]);
  const refused: StatusUpdate = { ...mine[2]!, status: 'failed', errorCode: 1, errorTitle: 'bad \u0000 byte' };
  const writer = createStatusWriter(db, silentLogger);
  const [first, withRefused, others] = await Promise.all([
    writer.write([mine[0]!]),
    writer.write([mine[1]!, refused, mine[2]!]),
    writer.write(other),
  ]);
  expect(first.refused).toEqual([]);
  expect(withRefused.refused).toEqual([refused]);
  expect(others.refused).toEqual([]);
  expect(await storedCount([...mine, ...other])).toBe(6);
});

it('fails exactly the requests whose statuses were in a failed write', async () => {
  const [lost, kept] = await Promise.all([acceptedReply(), acceptedReply()]);
  // The first statement (the first request, alone in flight) fails; the two queued meanwhile go next.
  const { db: failing } = countingDb((name, calls) => name === 'record_statuses' && calls === 1);
  const writer = createStatusWriter(failing, silentLogger, { windowMs: 0 });
  const results = await Promise.allSettled([writer.write(lost), writer.write([kept[0]!]), writer.write(kept.slice(1))]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  expect(await storedCount(lost)).toBe(0);
  expect(await storedCount(kept)).toBe(3);
});
