import crypto from 'node:crypto';
import type { Db, Statement } from './pool';
import type { Queryable } from './queryable';
import type { IdentityChange, Recipient, SenderIdentity } from '../../domain/types';

// Who a student is: a contact with an opaque id, found by any identifier Meta has shown for it (a
// phone number, a BSUID, a parent BSUID). The webhook resolves every sender here before the
// conversation sees the message; replies go to the contact's current phone, or else its BSUID.

export type IdentityKind = 'phone' | 'bsuid' | 'parent_bsuid';

export interface Contact {
  id: string;
  phone: string | null;
  bsuid: string | null;
  parentBsuid: string | null;
  username: string | null;
}

/** A contact id: `ct_` and 20 hex digits, random, so it tells nothing about the student. */
export const CONTACT_ID = /^ct_[0-9a-f]{20}$/;

export function newContactId(): string {
  return `ct_${crypto.randomBytes(10).toString('hex')}`;
}

type Identity = readonly [IdentityKind, string];

function identitiesOf(ids: { phone?: string; bsuid?: string; parentBsuid?: string }): Identity[] {
  const out: Identity[] = [];
  if (ids.bsuid !== undefined) out.push(['bsuid', ids.bsuid]);
  if (ids.phone !== undefined) out.push(['phone', ids.phone]);
  if (ids.parentBsuid !== undefined) out.push(['parent_bsuid', ids.parentBsuid]);
  return out;
}

const keyOf = ([kind, value]: Identity) => `${kind}:${value}`;

interface DbFound {
  kind: IdentityKind;
  value: string;
  contact_id: string;
  superseded: boolean;
  phone: string | null;
  bsuid: string | null;
  parent_bsuid: string | null;
  username: string | null;
}

const FIND_IDENTITIES: Statement = {
  name: 'find_identities',
  text: `select i.kind, i.value, i.contact_id, i.superseded_at is not null as superseded,
                c.phone, c.bsuid, c.parent_bsuid, c.username
         from contact_identities i join contacts c on c.id = i.contact_id
         where (i.kind, i.value) in (select * from unnest($1::text[], $2::text[]))`,
};

async function findIdentities(db: Pick<Db, 'query'>, identities: Identity[]): Promise<Map<string, DbFound>> {
  if (identities.length === 0) return new Map();
  const { rows } = await db.query<DbFound>(FIND_IDENTITIES, [
    identities.map(([kind]) => kind),
    identities.map(([, value]) => value),
  ]);
  return new Map(rows.map((row) => [`${row.kind}:${row.value}`, row]));
}

/** What a sender resolves to, and whether its message brought identifiers to link. */
export interface SenderToResolve {
  sender: SenderIdentity;
  change?: IdentityChange;
}

/**
 * The contact of every sender, in order. The common case (every identifier known, of one contact, its
 * current values unchanged) costs one indexed statement for the whole webhook; a sender with anything
 * new is linked in a transaction of its own (`linkSender`).
 */
export async function resolveContacts(db: Db, senders: SenderToResolve[]): Promise<string[]> {
  const all = new Map<string, Identity>();
  for (const { sender } of senders) for (const identity of identitiesOf(sender)) all.set(keyOf(identity), identity);
  const found = await findIdentities(db, [...all.values()]);
  const resolved: string[] = [];
  for (const item of senders) {
    const known = identitiesOf(item.sender).map((identity) => found.get(keyOf(identity)));
    const first = known[0];
    const settled =
      item.change === undefined &&
      first !== undefined &&
      known.every((row) => row?.contact_id === first.contact_id) &&
      current(first, item.sender);
    resolved.push(settled ? first.contact_id : await linkSender(db, item));
  }
  return resolved;
}

/** Whether the contact already shows what the sender carries (a phone first seen now, a new username). */
function current(row: DbFound, sender: SenderIdentity): boolean {
  return (
    (sender.phone === undefined || row.phone === sender.phone) &&
    (sender.bsuid === undefined || row.bsuid === sender.bsuid) &&
    (sender.parentBsuid === undefined || row.parent_bsuid === sender.parentBsuid) &&
    (sender.username === undefined || row.username === sender.username)
  );
}

/**
 * Finds or makes the sender's contact and links what it brings, atomically: every identifier involved
 * is locked first (in one order), so two servers taking a new student's first two messages at once
 * make one contact. The sender's BSUID finds the contact first (Meta's stable key), then its phone, then
 * its parent BSUID. An identifier that already names another contact stays with it: two existing
 * contacts are never merged automatically (an admin merges them).
 */
export async function linkSender(db: Db, { sender, change }: SenderToResolve): Promise<string> {
  return db.withTransaction(async (client) => {
    const own = identitiesOf(sender);
    const brought = change === undefined ? [] : identitiesOf(change);
    const involved = [...new Map([...own, ...brought].map((identity) => [keyOf(identity), identity])).values()];
    for (const key of involved.map(keyOf).sort())
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
    const found = await findIdentities(client, involved);
    let contactId = own.map((identity) => found.get(keyOf(identity))?.contact_id).find((id) => id !== undefined);
    if (contactId === undefined) {
      contactId = newContactId();
      await client.query('insert into contacts (id) values ($1)', [contactId]);
    }
    const unlinked = involved.filter((identity) => !found.has(keyOf(identity)));
    if (unlinked.length > 0)
      await client.query(
        `insert into contact_identities (kind, value, contact_id)
         select kind, value, $3 from unnest($1::text[], $2::text[]) as i(kind, value)
         on conflict do nothing`,
        [unlinked.map(([kind]) => kind), unlinked.map(([, value]) => value), contactId],
      );
    // The current values: a change's new ones win over the sender's; only identifiers of this contact,
    // and never one of the sender's that the contact has moved on from (a late or redelivered webhook).
    const ours = (identity: Identity | undefined, evenSuperseded: boolean) => {
      if (identity === undefined) return null;
      const row = found.get(keyOf(identity));
      if (row !== undefined && (row.contact_id !== contactId || (row.superseded && !evenSuperseded))) return null;
      return identity[1];
    };
    const pick = (kind: IdentityKind) =>
      ours(
        brought.find(([k]) => k === kind),
        true,
      ) ??
      ours(
        own.find(([k]) => k === kind),
        false,
      );
    await client.query(
      `update contacts set phone = coalesce($2, phone), bsuid = coalesce($3, bsuid),
         parent_bsuid = coalesce($4, parent_bsuid), username = coalesce($5, username), updated_at = now()
       where id = $1`,
      [contactId, pick('phone'), pick('bsuid'), pick('parent_bsuid'), sender.username ?? null],
    );
    // Every other value of a kind is now an alias: it finds the contact, it is not where replies go.
    await client.query(
      `update contact_identities i set superseded_at = case
         when i.value = case i.kind when 'phone' then c.phone when 'bsuid' then c.bsuid else c.parent_bsuid end then null
         else coalesce(i.superseded_at, now()) end
       from contacts c where c.id = $1 and i.contact_id = c.id`,
      [contactId],
    );
    return contactId;
  });
}

interface DbContact {
  id: string;
  phone: string | null;
  bsuid: string | null;
  parent_bsuid: string | null;
  username: string | null;
}

const CONTACT_COLUMNS = 'id, phone, bsuid, parent_bsuid, username';

function toContact(row: DbContact): Contact {
  return { id: row.id, phone: row.phone, bsuid: row.bsuid, parentBsuid: row.parent_bsuid, username: row.username };
}

export async function getContact(db: Queryable, id: string): Promise<Contact | undefined> {
  const { rows } = await db.query<DbContact>(`select ${CONTACT_COLUMNS} from contacts where id = $1`, [id]);
  return rows[0] && toContact(rows[0]);
}

/** Several contacts by id, for lists that show each one's phone, BSUID and username. */
export async function getContacts(db: Queryable, ids: string[]): Promise<Map<string, Contact>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<DbContact>(`select ${CONTACT_COLUMNS} from contacts where id = any($1)`, [ids]);
  return new Map(rows.map((row) => [row.id, toContact(row)]));
}

/** The contact an identifier names (a current one or an alias). */
export async function findContactBy(db: Queryable, kind: IdentityKind, value: string): Promise<string | undefined> {
  const { rows } = await db.query<{ contact_id: string }>(
    'select contact_id from contact_identities where kind = $1 and value = $2',
    [kind, value],
  );
  return rows[0]?.contact_id;
}

/** The contacts showing a username now, compared without case or a leading `@`. */
export async function findContactsByUsername(db: Queryable, username: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from contacts where lower(ltrim(username, '@')) = lower(ltrim($1, '@')) order by id limit 2`,
    [username],
  );
  return rows.map((row) => row.id);
}

/** Where a message to the contact goes; undefined when it has neither a phone nor a BSUID. */
export function recipientOf(contact: Pick<Contact, 'phone' | 'bsuid'>): Recipient | undefined {
  if (contact.phone !== null)
    return { phone: contact.phone, ...(contact.bsuid === null ? {} : { bsuid: contact.bsuid }) };
  return contact.bsuid === null ? undefined : { bsuid: contact.bsuid };
}

/** How an answer about a student shows who it is: the contact and its current identifiers. */
export interface ContactShown {
  contactId: string;
  /** Null while Meta withholds the number (a username user known by BSUID only). */
  phone: string | null;
  bsuid: string | null;
  username: string | null;
}

export interface DbContactShown {
  contact_id: string;
  contact_phone: string | null;
  contact_bsuid: string | null;
  contact_username: string | null;
}

/** The select-list of a `contacts` row joined as `alias`, read back by `contactShown`. */
export const CONTACT_SHOWN_COLUMNS = (alias: string): string =>
  `${alias}.phone as contact_phone, ${alias}.bsuid as contact_bsuid, ${alias}.username as contact_username`;

export function contactShown(row: DbContactShown): ContactShown {
  return {
    contactId: row.contact_id,
    phone: row.contact_phone,
    bsuid: row.contact_bsuid,
    username: row.contact_username,
  };
}

/**
 * Whether a `contacts` row joined as `alias` is one lists show: a contact merged into another keeps no
 * identifier (they all moved), and what is left under its id is history, not a student.
 */
export const LISTED_CONTACT = (alias: string): string =>
  `(${alias}.phone is not null or ${alias}.bsuid is not null or ${alias}.parent_bsuid is not null)`;

/** Why two contacts were not merged. */
export type MergeRefusal = 'not_found' | 'chat_open' | 'payment_pending';

export type MergeResult =
  { ok: true; moved: Record<MovedRows, number> } | { ok: false; reason: MergeRefusal; contactId?: string };

type MovedRows = 'identities' | 'messages' | 'chatSessions' | 'homework' | 'payments' | 'notes';

/**
 * Merges the contact `from` into `into`, in one transaction: `from`'s identifiers (so every later
 * webhook naming them reaches `into`), messages, chat sessions and who held them, homework, payments
 * and notes move to `into`; its profile fills what `into`'s lacks (a subscription: the later end wins);
 * the conversation row takes the later activity and the further read mark. Nothing is deleted (the
 * runtime role may not): what is left under `from` keeps no identifier and no profile, and lists pass
 * it by (LISTED_CONTACT). Refused, with nothing changed, while either has an open chat or a pending
 * payment: those belong to a running conversation, which a merge would split.
 *
 * The identifiers of both are locked first, as `linkSender` locks them, so a webhook naming one of them
 * waits and then finds it under `into`.
 */
export async function mergeContacts(db: Db, into: string, from: string): Promise<MergeResult> {
  return db.withTransaction(async (client) => {
    const ids = [into, from];
    const locked = new Set<string>();
    const lockIdentities = async () => {
      const { rows } = await client.query<{ kind: IdentityKind; value: string }>(
        'select kind, value from contact_identities where contact_id = any($1)',
        [ids],
      );
      const keys = rows.map((row) => keyOf([row.kind, row.value])).filter((key) => !locked.has(key));
      for (const key of keys.sort()) {
        await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
        locked.add(key);
      }
      return keys.length;
    };
    // A webhook may link one more identifier between the read and the locks: read again until none did.
    let added = await lockIdentities();
    while (added > 0) added = await lockIdentities();
    const { rows: found } = await client.query<{ id: string }>(
      'select id from contacts where id = any($1) order by id for update',
      [ids],
    );
    const missing = ids.find((id) => !found.some((row) => row.id === id));
    if (missing !== undefined) return { ok: false, reason: 'not_found', contactId: missing };

    const busy = await mergeBlocker(client, ids);
    if (busy !== undefined) return { ok: false, ...busy };

    const move = async (table: string) =>
      (await client.query(`update ${table} set contact_id = $1 where contact_id = $2`, [into, from])).rowCount ?? 0;

    const identities = await move('contact_identities');
    // The current identifiers: `into`'s, and `from`'s where `into` has none; `from` keeps none.
    await client.query(
      `update contacts t set phone = coalesce(t.phone, f.phone), bsuid = coalesce(t.bsuid, f.bsuid),
         parent_bsuid = coalesce(t.parent_bsuid, f.parent_bsuid), username = coalesce(t.username, f.username),
         updated_at = now()
       from contacts f where t.id = $1 and f.id = $2`,
      [into, from],
    );
    await client.query(
      `update contacts set phone = null, bsuid = null, parent_bsuid = null, username = null, updated_at = now()
       where id = $1`,
      [from],
    );

    // The profile: `from`'s whole when `into` has none, otherwise what `into`'s lacks; `from` keeps none.
    await client.query(
      `update users set contact_id = $1, updated_at = now()
       where contact_id = $2 and not exists (select 1 from users where contact_id = $1)`,
      [into, from],
    );
    await client.query(
      `update users t set full_name = coalesce(t.full_name, f.full_name), email = coalesce(t.email, f.email),
         class_name = coalesce(t.class_name, f.class_name), registered_at = coalesce(t.registered_at, f.registered_at),
         subscription_active_until = greatest(t.subscription_active_until, f.subscription_active_until),
         updated_at = now()
       from users f where t.contact_id = $1 and f.contact_id = $2`,
      [into, from],
    );
    await client.query(
      `update users set full_name = null, email = null, class_name = null, registered_at = null,
         subscription_active_until = null, updated_at = now()
       where contact_id = $1`,
      [from],
    );

    // The conversation row (notes refer to it): made for `into` from `from`'s when it has none.
    await client.query(
      `insert into conversations (contact_id, profile_name, state, registered, last_inbound_at, last_activity_at,
                                  agent_read_up_to, created_at)
       select $1, profile_name, state, registered, last_inbound_at, last_activity_at, agent_read_up_to, created_at
         from conversations where contact_id = $2
       on conflict (contact_id) do update set
         profile_name = coalesce(conversations.profile_name, excluded.profile_name),
         last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at),
         last_activity_at = greatest(conversations.last_activity_at, excluded.last_activity_at),
         agent_read_up_to = greatest(conversations.agent_read_up_to, excluded.agent_read_up_to)`,
      [into, from],
    );

    const messages = await move('messages');
    const chatSessions = await move('chat_sessions');
    await move('chat_holder_changes');
    const homework = await move('homework');
    const payments = await move('payments');
    const notes = await move('notes');
    return { ok: true, moved: { identities, messages, chatSessions, homework, payments, notes } };
  });
}

/** What keeps contacts from being merged: an open chat or a pending payment of one of them. */
export async function mergeBlocker(
  db: Queryable,
  ids: string[],
): Promise<{ reason: Exclude<MergeRefusal, 'not_found'>; contactId: string } | undefined> {
  const { rows } = await db.query<{ contact_id: string; what: Exclude<MergeRefusal, 'not_found'> }>(
    `(select contact_id, 'chat_open' as what from chat_sessions where contact_id = any($1) and ended_at is null limit 1)
     union all
     (select contact_id, 'payment_pending' from payments where contact_id = any($1) and status = 'pending' limit 1)`,
    [ids],
  );
  return rows[0] && { reason: rows[0].what, contactId: rows[0].contact_id };
}
