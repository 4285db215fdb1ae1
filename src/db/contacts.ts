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
  phone: string | null;
  bsuid: string | null;
  parent_bsuid: string | null;
  username: string | null;
}

const FIND_IDENTITIES: Statement = {
  name: 'find_identities',
  text: `select i.kind, i.value, i.contact_id, c.phone, c.bsuid, c.parent_bsuid, c.username
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
    // The current values: a change's new ones win over the sender's; only identifiers of this contact.
    const ours = (identity: Identity | undefined) =>
      identity !== undefined && (found.get(keyOf(identity))?.contact_id ?? contactId) === contactId
        ? identity[1]
        : null;
    const pick = (kind: IdentityKind) => ours(brought.find(([k]) => k === kind)) ?? ours(own.find(([k]) => k === kind));
    await client.query(
      `update contacts set phone = coalesce($2, phone), bsuid = coalesce($3, bsuid),
         parent_bsuid = coalesce($4, parent_bsuid), username = coalesce($5, username), updated_at = now()
       where id = $1`,
      [contactId, pick('phone'), pick('bsuid'), pick('parent_bsuid'), sender.username ?? null],
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
