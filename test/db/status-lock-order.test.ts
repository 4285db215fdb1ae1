import { linkSender } from '../../src/db/contacts';
import { markAccepted, recordStatus, upsertOutbound } from '../../src/db/messages';
import { createDb, type Db } from '../../src/db/pool';
import { recordStatuses } from '../../src/db/statuses';
import { silentLogger, type Logger } from '../../src/logger';
import type { StatusUpdate } from '../../domain/types';
import { createTestDatabase } from '../helpers/database';
import { newPhone, newWamid } from '../helpers/fixtures';
import { waitFor } from '../helpers/wait';

// A send's acceptance (mark_accepted) and its early status (record_status, matched by the send's key)
// both update the message row and append an event under the events' one advisory lock. Taken in
// opposite orders they deadlock, and Postgres finds it only after deadlock_timeout (1 s), with the
// events' lock held the whole time: every writer of an event waits with them. Both must take the row
// first: a statement waiting for a row holds no advisory lock.

let db: Db;
let url: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase({ migrated: true }));
});

/** Runs `statement` while another transaction holds the row; returns whether, blocked, it held an advisory lock. */
async function holdsAdvisoryLockWhileBlocked(rowId: number, statement: () => Promise<void>): Promise<boolean> {
  let held = false;
  let running: Promise<void> = Promise.resolve();
  await db.withTransaction(async (client) => {
    await client.query('select 1 from messages where id = $1 for update', [rowId]);
    running = statement();
    running.catch(() => undefined);
    const { rows } = await waitFor(async () => {
      const found = await db.query<{ pid: number }>(
        `select pid from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'transactionid'
           and datname = current_database() and pid <> pg_backend_pid()`,
      );
      return found.rows.length > 0 ? found : undefined;
    }, 'the statement waiting for the row');
    const locks = await db.query(`select 1 from pg_locks where locktype = 'advisory' and granted and pid = $1`, [
      rows[0]!.pid,
    ]);
    held = (locks.rowCount ?? 0) > 0;
  });
  // The commit lets the statement go on.
  await running;
  return held;
}

async function pendingReply(): Promise<{ id: number; key: string; contactId: string }> {
  const contactId = await linkSender(db, { sender: { phone: newPhone() } });
  const key = `${contactId}/in/${newWamid()}/1`;
  const row = await upsertOutbound(db, { contactId, key, sender: 'bot', content: { kind: 'text', text: 'Hi' } });
  return { id: row.id, key, contactId };
}

it('a status matched by its key waits for the row without holding the events lock', async () => {
  const { id, key } = await pendingReply();
  const wamid = newWamid();
  const status = () =>
    recordStatus(db, { waMessageId: wamid, status: 'sent', timestamp: Date.now(), callbackData: key });
  expect(await holdsAdvisoryLockWhileBlocked(id, status)).toBe(false);
  const { rows } = await db.query<{ wa_message_id: string }>('select wa_message_id from messages where id = $1', [id]);
  expect(rows[0]!.wa_message_id).toBe(wamid);
});

it("a send's acceptance waits for the row without holding the events lock", async () => {
  const { id, contactId } = await pendingReply();
  const accept = () => markAccepted(db, id, newWamid(), { kind: 'message', contactId, payload: {} });
  expect(await holdsAdvisoryLockWhileBlocked(id, accept)).toBe(false);
});

it('a batch of statuses matched by keys waits for the row without holding the events lock', async () => {
  const [first, second] = [await pendingReply(), await pendingReply()];
  const wamid = newWamid();
  const batch = () =>
    recordStatuses(db, [
      { waMessageId: newWamid(), status: 'sent', timestamp: Date.now(), callbackData: first.key },
      { waMessageId: wamid, status: 'sent', timestamp: Date.now(), callbackData: second.key },
    ]);
  expect(await holdsAdvisoryLockWhileBlocked(second.id, batch)).toBe(false);
  const { rows } = await db.query<{ wa_message_id: string }>('select wa_message_id from messages where id = $1', [
    second.id,
  ]);
  expect(rows[0]!.wa_message_id).toBe(wamid);
});

it('batches in opposite orders and acceptances of the same rows never deadlock', async () => {
  // Postgres resolves a deadlock by failing one statement, which the Db runs again with a warning.
  // A load check, not a proof: the order itself is record_statuses' (keys sorted, rows by id), and
  // at this size the statements rarely overlap enough to meet a cycle even in a random order.
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
  const watched = createDb(url, logger);
  try {
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => pendingReply()));
      const wamids = replies.map(() => newWamid());
      const statuses = (status: StatusUpdate['status']): StatusUpdate[] =>
        replies.map((reply, i) => ({
          waMessageId: wamids[i]!,
          status,
          timestamp: Date.now(),
          callbackData: reply.key,
        }));
      await Promise.all([
        recordStatuses(watched, statuses('sent')),
        recordStatuses(watched, statuses('delivered').reverse()),
        recordStatuses(watched, [...statuses('read'), ...statuses('sent')].reverse()),
        ...replies.map((reply, i) =>
          markAccepted(watched, reply.id, wamids[i]!, { kind: 'message', contactId: reply.contactId, payload: {} }),
        ),
      ]);
      const { rows } = await db.query<{ status: string }>('select status from messages where wa_message_id = any($1)', [
        wamids,
      ]);
      expect(rows.map((r) => r.status)).toEqual(wamids.map(() => 'read'));
    }
    expect(warnings).toEqual([]);
  } finally {
    await watched.close();
  }
});
