import { linkSender } from '../../src/db/contacts';
import { markAccepted, recordStatus, upsertOutbound } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { createTestDatabase } from '../helpers/database';
import { newPhone, newWamid } from '../helpers/fixtures';
import { waitFor } from '../helpers/wait';

// A send's acceptance (mark_accepted) and its early status (record_status, matched by the send's key)
// both update the message row and append an event under the events' one advisory lock. Taken in
// opposite orders they deadlock, and Postgres finds it only after deadlock_timeout (1 s), with the
// events' lock held the whole time: every writer of an event waits with them. Both must take the row
// first: a statement waiting for a row holds no advisory lock.

let db: Db;

beforeAll(async () => {
  db = (await createTestDatabase({ migrated: true })).db;
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
