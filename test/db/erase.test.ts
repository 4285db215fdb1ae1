import crypto from 'node:crypto';
import { linkSender } from '../../src/db/contacts';
import { contactsToErase, eraseContacts } from '../../src/db/erase';
import type { Db } from '../../src/db/pool';
import { createTestDatabase } from '../helpers/database';
import { createRuntimeRole, INSUFFICIENT_PRIVILEGE, type RuntimeRole } from '../helpers/runtime-role';

// edubot_erase_contact (0015_erasure.sql) on a real Postgres: the runtime role, which may delete
// nothing itself, erases one contact through it and only that contact; a webhook racing the erasure
// either lands before it (and is erased) or after it (a new contact); contacts merged into the erased
// one go with it.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let appDb: Db;
let runtime: RuntimeRole;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  db = database.db;
  runtime = await createRuntimeRole(database, 'edubot_erase_app');
  appDb = runtime.db;
});

afterAll(async () => {
  await appDb?.close();
  await database?.drop();
  await runtime?.drop();
});

let phoneSequence = 0;
const newPhone = () => `1555700${String(++phoneSequence).padStart(5, '0')}`;

/** A contact with a profile, a conversation, two messages (one with a status), a payment and a note. */
async function student(phone: string): Promise<string> {
  const contactId = await linkSender(db, { sender: { phone } });
  const wamid = `wamid.${crypto.randomBytes(6).toString('hex')}`;
  await db.query(`insert into users (contact_id, full_name, email) values ($1, 'Some Student', $2)`, [
    contactId,
    `${phone}@example.com`,
  ]);
  await db.query(`insert into conversations (contact_id, profile_name) values ($1, 'Some Student')`, [contactId]);
  await db.query(
    `insert into messages (contact_id, direction, sender, wa_message_id, idempotency_key, type, body, status)
     values ($1, 'inbound', 'user', $2, $2, 'text', 'a message of ' || $3, 'received')`,
    [contactId, wamid, phone],
  );
  await db.query(`insert into status_events (wa_message_id, status, occurred_at) values ($1, 'read', now())`, [wamid]);
  await db.query(
    `insert into payments (reference, contact_id, plan_name, amount, status) values ($1, $2, 'Monthly', 5000, 'confirmed')`,
    [`PAY-${phone}`, contactId],
  );
  await db.query(
    `insert into notes (contact_id, agent_id, agent_name, body) select $1, id, name, 'a note' from agents limit 1`,
    [contactId],
  );
  return contactId;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) s`, params);
  return rows[0]!.n;
}

it('lets the runtime role erase one contact, and nothing else: it deletes no row itself', async () => {
  const erased = await student(newPhone());
  const kept = await student(newPhone());

  const refused = await appDb.query('delete from messages').then(
    () => 'ok',
    (err: { code?: string }) => err.code,
  );
  expect(refused).toBe(INSUFFICIENT_PRIVILEGE);
  const scrub = await appDb.query(`select edubot_scrub_audit_details(array['x'])`).then(
    () => 'ok',
    (err: { code?: string }) => err.code,
  );
  expect(scrub).toBe(INSUFFICIENT_PRIVILEGE);

  const erasure = await eraseContacts(appDb, [erased]);
  expect(erasure.rows).toMatchObject({ contacts: 1, identities: 1, messages: 1, statusEvents: 1, notes: 1 });
  for (const table of ['contacts', 'users', 'conversations', 'messages', 'notes']) {
    const key = table === 'contacts' ? 'id' : 'contact_id';
    expect({ table, erased: await count(`select 1 from ${table} where ${key} = $1`, [erased]) }).toEqual({
      table,
      erased: 0,
    });
    expect({ table, kept: await count(`select 1 from ${table} where ${key} = $1`, [kept]) }).toEqual({
      table,
      kept: 1,
    });
  }
  // The erased student's payment stays, linked to no one; the other's is untouched.
  expect(await count(`select 1 from payments where contact_id is null and amount = 5000`, [])).toBe(1);
  expect(await count(`select 1 from payments where contact_id = $1`, [kept])).toBe(1);
  // Erasing again finds nothing to do.
  expect((await eraseContacts(appDb, [erased])).rows).toMatchObject({ contacts: 0, messages: 0 });
});

it('makes a webhook racing the erasure wait, then find a new contact', async () => {
  const phone = newPhone();
  const erased = await student(phone);
  // The erasure's transaction holds the identifiers' locks until it commits.
  const client = await appDb.pool.connect();
  try {
    await client.query('begin');
    await client.query('select edubot_erase_contact($1)', [erased]);
    let resolved: string | undefined;
    const racing = linkSender(db, { sender: { phone } }).then((id) => (resolved = id));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(resolved).toBeUndefined();
    await client.query('commit');
    const contactId = await racing;
    expect(contactId).not.toBe(erased);
    expect(await count('select 1 from contacts where id = $1', [contactId])).toBe(1);
  } finally {
    client.release();
  }
});

it('erases the contacts merged into the erased one', async () => {
  const into = await student(newPhone());
  const from = await student(newPhone());
  await db.query(
    `insert into audit_log (actor, role, action, contact_id, outcome, http_status, details)
     values ('Admin', 'admin', 'contacts.merge', $1, 'ok', 200, $2)`,
    [into, JSON.stringify({ from })],
  );
  expect(await contactsToErase(db, into)).toEqual([into, from]);
  const erasure = await eraseContacts(appDb, await contactsToErase(db, into));
  expect(erasure.rows.contacts).toBe(2);
  expect(await count('select 1 from conversations where contact_id = any($1)', [[into, from]])).toBe(0);
});
