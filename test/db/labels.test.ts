import { linkSender } from '../../src/db/contacts';
import {
  createLabel,
  deleteLabel,
  DuplicateLabelError,
  listLabels,
  setConversationLabels,
  setConversationPriority,
  updateLabel,
} from '../../src/db/labels';
import type { Db } from '../../src/db/pool';
import { createTestDatabase } from '../helpers/database';
import { createRuntimeRole, INSUFFICIENT_PRIVILEGE, type RuntimeRole } from '../helpers/runtime-role';

// src/db/labels.ts as the runtime role runs it: a role that may read, insert and update rows and
// delete none (deploy/postgres/20-edubot-roles.sql). Taking a label off a conversation and deleting a
// label go through migration 0023's functions; the role's own delete is refused.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let appDb: Db;
let runtime: RuntimeRole;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  db = database.db;
  runtime = await createRuntimeRole(database, 'edubot_labels_app');
  appDb = runtime.db;
});

afterAll(async () => {
  await appDb?.close();
  await database?.drop();
  await runtime?.drop();
});

async function conversation(phone: string): Promise<string> {
  const contactId = await linkSender(db, { sender: { phone } });
  await db.query(`insert into conversations (contact_id) values ($1)`, [contactId]);
  return contactId;
}

const labelNames = async (contactId: string) =>
  (
    await db.query<{ name: string }>(
      `select l.name from conversation_labels cl join labels l on l.id = cl.label_id
        where cl.contact_id = $1 order by l.name`,
      [contactId],
    )
  ).rows.map((r) => r.name);

it('lets the runtime role create, set, take off, rename and delete labels, deleting no row itself', async () => {
  const refused = await appDb.query('delete from conversation_labels').then(
    () => 'ok',
    (err: { code?: string }) => err.code,
  );
  expect(refused).toBe(INSUFFICIENT_PRIVILEGE);

  const [first, second] = [await conversation('15550023101'), await conversation('15550023102')];
  const billing = await createLabel(appDb, { name: 'Billing', color: '#00ff00' });
  const vip = await createLabel(appDb, { name: 'VIP', color: '#ff0000' });
  await expect(createLabel(appDb, { name: 'billing', color: '#000000' })).rejects.toBeInstanceOf(DuplicateLabelError);
  await expect(updateLabel(appDb, vip.id, { name: 'BILLING' })).rejects.toBeInstanceOf(DuplicateLabelError);

  expect(await setConversationLabels(appDb, first, ['billing', 'vip'])).toMatchObject({
    ok: true,
    added: expect.arrayContaining([billing.id, vip.id]),
    removed: [],
  });
  expect(await setConversationLabels(appDb, second, ['VIP'])).toMatchObject({ ok: true });
  // Replacing the set takes one off the first conversation and leaves the second alone.
  expect(await setConversationLabels(appDb, first, ['Billing'])).toMatchObject({ ok: true, removed: [vip.id] });
  expect(await labelNames(first)).toEqual(['Billing']);
  expect(await labelNames(second)).toEqual(['VIP']);
  // An unknown name or conversation changes nothing.
  expect(await setConversationLabels(appDb, first, ['Refunds', 'vip'])).toEqual({
    ok: false,
    reason: 'unknown_labels',
    names: ['Refunds'],
  });
  expect(await setConversationLabels(appDb, 'ct_00000000000000000000', ['vip'])).toEqual({
    ok: false,
    reason: 'conversation_not_found',
  });
  expect(await labelNames(first)).toEqual(['Billing']);

  expect(await updateLabel(appDb, vip.id, { color: '#0000ff' })).toMatchObject({ name: 'VIP', color: '#0000ff' });
  expect(await deleteLabel(appDb, vip.id)).toMatchObject({ id: vip.id, name: 'VIP', conversations: 1 });
  expect(await deleteLabel(appDb, vip.id)).toBeUndefined();
  expect(await labelNames(second)).toEqual([]);
  expect((await listLabels(appDb)).map((l) => l.name)).toEqual(['Billing']);

  expect(await setConversationPriority(appDb, first, 'urgent')).toEqual({ previous: 'normal' });
  expect(await setConversationPriority(appDb, 'ct_00000000000000000000', 'low')).toBeUndefined();
  const { rows } = await db.query('select priority from conversations where contact_id = $1', [first]);
  expect(rows).toEqual([{ priority: 'urgent' }]);
});
