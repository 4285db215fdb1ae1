import {
  CONTACT_SHOWN_COLUMNS,
  contactShown,
  LISTED_CONTACT,
  type ContactShown,
  type DbContactShown,
} from './contacts';
import { filterCondition, filterParams, type ConversationFilter } from './labels';
import type { Db } from './pool';

// GET /api/admin/search over Postgres: conversations by name, email, phone or username, and messages by
// the words of their text, newest first, in pages. The indexes are in migrations/0007_search.sql and, for
// phone numbers (any the student wrote from, current or not) and usernames, 0014_contacts.sql.

/** Where a page ended: the time, kind and key of its last hit. */
export interface SearchCursor {
  /** Epoch microseconds as a string: a JS Date would round it, and the next page would skip or repeat. */
  atMicros: string;
  kind: SearchHit['kind'];
  /** A message's id, or a conversation's contact id. */
  key: string;
}

export interface ConversationHit extends ContactShown {
  kind: 'conversation';
  profileName: string | null;
  fullName: string | null;
  email: string | null;
  state: string;
  /** The conversation's last activity: where it stands in the newest-first order. */
  at: Date;
  matched: ('name' | 'email' | 'phone' | 'username')[];
}

export interface MessageHit extends ContactShown {
  kind: 'message';
  messageId: number;
  profileName: string | null;
  fullName: string | null;
  direction: 'inbound' | 'outbound';
  sender: 'user' | 'bot' | 'agent';
  senderName: string | null;
  type: string;
  /** When it was sent, as the history shows it. */
  timestamp: Date;
  /** When it was stored: where it stands in the newest-first order. */
  at: Date;
  /** A passage of the text around the words found, with their places in it (UTF-16 offsets). */
  snippet: string;
  highlights: [number, number][];
}

export type SearchHit = ConversationHit | MessageHit;

export interface SearchOptions {
  /** The words to look for, as typed. */
  text: string;
  /** The digits of a phone number or of its end, when the query reads as one. */
  phoneDigits?: string;
  /** The beginning of a username (without `@`), when the query reads as one. */
  username?: string;
  limit: number;
  after?: SearchCursor;
  /** Only conversations, and messages of conversations, with this label and priority. */
  filter?: ConversationFilter;
}

export interface SearchPage {
  hits: SearchHit[];
  next?: SearchCursor;
}

// Messages are looked for in two steps. The newest RECENT_WINDOW messages (after the cursor) are read
// in order and checked against the query: a common word fills a page there, in a few milliseconds.
// Only when it does not are the older ones looked up through the full-text index, all matches at once,
// then sorted. Postgres alone picks between those plans by its estimate of how many messages match,
// and for a word it has never seen that estimate is often high enough that it walks every message.
// The window's size balances the two: every search reads it (about 1 µs a message), and a word too
// rare to fill a page there is, at most, in 21 of every RECENT_WINDOW messages (about 7 µs a match).
export const RECENT_WINDOW = 8000;

// ts_headline marks the words found with these characters (from the private use area, removed from
// the text first), which are turned into offsets below: the snippet stays plain text, never markup.
const MARK_START = '\uE000';
const MARK_END = '\uE001';
// A short text is shown whole; a longer one as up to two passages around the words found.
const SHORT_TEXT_CHARS = 200;
const HEADLINE_WHOLE = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
const HEADLINE_PASSAGES = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=20, MinWords=8, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "`;

const MICROS = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint::text`;
const FROM_MICROS = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

// A name query matches the beginning of each word of three letters or more ("ana sou" finds Ana
// Souza; "li" finds Li, not every Lina and Liu): the words of the query as the 'simple' configuration
// reads them, each quoted as a tsquery lexeme. Read first and passed back as a value, so Postgres
// plans the search knowing how many names it matches.
const NAME_QUERY = `select string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''''
                                 || case when length(lexeme) >= 3 then ':*' else '' end, ' & ')::tsquery::text as q
                      from unnest(to_tsvector('simple', $1))`;
const PROFILE_NAME_DOCUMENT = `to_tsvector('simple', coalesce(c.profile_name, ''))`;
const PERSON_DOCUMENT = `person_search_document(u.full_name, u.email)`;

/** One page of hits, conversations and messages together, newest first. */
export async function search(db: Db, options: SearchOptions): Promise<SearchPage> {
  const [conversations, messageIds] = await Promise.all([
    searchConversations(db, options),
    searchMessageIds(db, options),
  ]);
  const merged = [...conversations, ...messageIds].sort(newestFirst).slice(0, options.limit + 1);
  const page = merged.slice(0, options.limit);
  const messages = await describeMessages(
    db,
    options.text,
    page.filter((hit) => hit.kind === 'message').map((hit) => hit.key),
  );
  const hits = page
    .map((hit) => (hit.kind === 'conversation' ? hit.conversation : messages.get(hit.key)))
    .filter((hit): hit is SearchHit => hit !== undefined);
  const last = page[page.length - 1];
  return {
    hits,
    next:
      merged.length > options.limit && last ? { atMicros: last.atMicros, kind: last.kind, key: last.key } : undefined,
  };
}

/** A hit before its details are read: enough to order it and to resume after it. */
type Ranked = SearchCursor & ({ kind: 'conversation'; conversation: ConversationHit } | { kind: 'message' });

const KIND_RANK: Record<SearchHit['kind'], number> = { message: 1, conversation: 0 };

/** Newest first; at the same instant messages before conversations; then the larger key first. */
function newestFirst(a: Ranked, b: Ranked): number {
  const at = BigInt(b.atMicros) - BigInt(a.atMicros);
  if (at !== 0n) return at > 0n ? 1 : -1;
  if (a.kind !== b.kind) return KIND_RANK[b.kind] - KIND_RANK[a.kind];
  if (a.kind === 'message') return compareBig(b.key, a.key);
  return b.key < a.key ? -1 : b.key > a.key ? 1 : 0;
}

function compareBig(x: string, y: string): number {
  const d = BigInt(x) - BigInt(y);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

interface DbConversationHit extends DbContactShown {
  profile_name: string | null;
  full_name: string | null;
  email: string | null;
  state: string;
  last_activity_at: Date;
  at_micros: string;
  name_matched: boolean;
  email_matched: boolean;
  phone_matched: boolean;
  username_matched: boolean;
}

/** A LIKE pattern matching text that begins with `prefix` (its `%`, `_` and `\\` taken literally). */
const likePrefix = (prefix: string): string => prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';

async function searchConversations(db: Db, options: SearchOptions): Promise<Ranked[]> {
  const after = options.after;
  const names = (await db.query<{ q: string | null }>(NAME_QUERY, [options.text])).rows[0]?.q ?? null;
  // Any number the student wrote from, current or left behind (contact_identities keeps them all), by
  // its first digits or its last: the indexes contact_identities_prefix and _suffix.
  const phoneMatch = (contact: string) => `($2::text is not null and exists (
       select 1 from contact_identities i
        where i.contact_id = ${contact} and i.kind = 'phone'
          and (i.value like $2 || '%' or reverse(i.value) like reverse($3) || '%')))`;
  const usernameMatch = (alias: string) => `($8::text is not null and lower(${alias}.username) like $8)`;
  // After a message at instant T, every conversation at T is still to come (messages rank first).
  // The page is cut before the students' rows are joined: a common first name matches thousands.
  const { rows } = await db.query<DbConversationHit>(
    `with matched as (
       select c.contact_id, c.last_activity_at from conversations c where ${PROFILE_NAME_DOCUMENT} @@ $1::tsquery
       union
       select c.contact_id, c.last_activity_at from users u join conversations c on c.contact_id = u.contact_id
        where ${PERSON_DOCUMENT} @@ $1::tsquery
       union
       select c.contact_id, c.last_activity_at
         from contact_identities i join conversations c on c.contact_id = i.contact_id
        where $2::text is not null and i.kind = 'phone' and i.value like $2 || '%'
       union
       select c.contact_id, c.last_activity_at
         from contact_identities i join conversations c on c.contact_id = i.contact_id
        where $2::text is not null and i.kind = 'phone' and reverse(i.value) like reverse($3) || '%'
       union
       select c.contact_id, c.last_activity_at
         from contacts ct join conversations c on c.contact_id = ct.id
        where ${usernameMatch('ct')}
     ), page as (
       select m.contact_id from matched m join contacts ct on ct.id = m.contact_id
        where ${LISTED_CONTACT('ct')}
          and ${filterCondition('m.contact_id', 9)}
          and ($4::bigint is null
           or m.last_activity_at < ${FROM_MICROS('$4')}
           or (m.last_activity_at = ${FROM_MICROS('$4')} and ($5::boolean or m.contact_id < $6)))
        order by m.last_activity_at desc, m.contact_id desc
        limit $7
     )
     select c.contact_id, ${CONTACT_SHOWN_COLUMNS('ct')}, c.profile_name, u.full_name, u.email, c.state,
            c.last_activity_at, ${MICROS('c.last_activity_at')} as at_micros,
            coalesce(${PROFILE_NAME_DOCUMENT} @@ $1::tsquery
              or person_search_document(u.full_name, null) @@ $1::tsquery, false) as name_matched,
            coalesce(person_search_document(null, u.email) @@ $1::tsquery, false) as email_matched,
            ${phoneMatch('c.contact_id')} as phone_matched,
            coalesce(${usernameMatch('ct')}, false) as username_matched
       from page join conversations c using (contact_id) join contacts ct on ct.id = c.contact_id
       left join users u using (contact_id)
      order by c.last_activity_at desc, c.contact_id desc`,
    [
      names,
      options.phoneDigits ?? null,
      options.phoneDigits?.replace(/^0+/, '') ?? null,
      after?.atMicros ?? null,
      after?.kind === 'message',
      after?.kind === 'conversation' ? after.key : null,
      options.limit + 1,
      options.username === undefined ? null : likePrefix(options.username.toLowerCase()),
      ...filterParams(options.filter),
    ],
  );
  return rows.map((row) => ({
    kind: 'conversation' as const,
    atMicros: row.at_micros,
    key: row.contact_id,
    conversation: {
      kind: 'conversation' as const,
      ...contactShown(row),
      profileName: row.profile_name,
      fullName: row.full_name,
      email: row.email,
      state: row.state,
      at: row.last_activity_at,
      matched: [
        ...(row.name_matched ? (['name'] as const) : []),
        ...(row.email_matched ? (['email'] as const) : []),
        ...(row.phone_matched ? (['phone'] as const) : []),
        ...(row.username_matched ? (['username'] as const) : []),
      ],
    },
  }));
}

interface DbMessageKey {
  /** The id as text: a bigint. Not named `id`, which ORDER BY would then read as this text. */
  key: string;
  at_micros: string;
  is_floor: boolean;
}

/** The ids of the newest matching messages after the cursor, in the two steps described above. */
async function searchMessageIds(db: Db, options: SearchOptions): Promise<Ranked[]> {
  const after = options.after;
  // After a conversation at instant T, the messages at T have been shown already (they rank first).
  const cursorId = after === undefined ? null : after.kind === 'message' ? after.key : '0';
  const limit = options.limit + 1;
  const recent = await db.query<DbMessageKey>(
    `with recent as materialized (
       select id, contact_id, created_at, body_search from messages
        where $2::bigint is null or (created_at, id) < (${FROM_MICROS('$2')}, $3::bigint)
        order by created_at desc, id desc
        limit ${RECENT_WINDOW}
     )
     (select id::text as key, ${MICROS('created_at')} as at_micros, false as is_floor from recent
       where body_search @@ plainto_tsquery('simple', $1) and ${filterCondition('recent.contact_id', 5)}
       order by created_at desc, id desc
       limit $4)
     union all
     -- The oldest message of the window, when the window is full: older ones are the second step's.
     (select id::text, ${MICROS('created_at')}, true from recent
       where (select count(*) from recent) = ${RECENT_WINDOW}
       order by created_at, id
       limit 1)`,
    [options.text, after?.atMicros ?? null, cursorId, limit, ...filterParams(options.filter)],
  );
  const found = recent.rows.filter((row) => !row.is_floor);
  const floor = recent.rows.find((row) => row.is_floor);
  if (found.length < limit && floor) {
    // Every match older than the window, found through the index and only then sorted: the
    // materialized CTE keeps Postgres from walking the messages in order instead (see above).
    const older = await db.query<DbMessageKey>(
      `with matches as materialized (
         select id, created_at from messages
          where body_search @@ plainto_tsquery('simple', $1)
            and (created_at, id) < (${FROM_MICROS('$2')}, $3::bigint)
            and ${filterCondition('messages.contact_id', 5)}
       )
       select id::text as key, ${MICROS('created_at')} as at_micros, false as is_floor from matches
        order by created_at desc, id desc
        limit $4`,
      [options.text, floor.at_micros, floor.key, limit - found.length, ...filterParams(options.filter)],
    );
    found.push(...older.rows);
  }
  return found.map((row) => ({ kind: 'message' as const, atMicros: row.at_micros, key: row.key }));
}

interface DbMessageHit extends DbContactShown {
  id: string;
  profile_name: string | null;
  full_name: string | null;
  direction: 'inbound' | 'outbound';
  sender: 'user' | 'bot' | 'agent';
  sender_name: string | null;
  type: string;
  timestamp: Date;
  created_at: Date;
  headline: string;
}

/** The details and snippet of the messages on a page, by id. */
async function describeMessages(db: Db, text: string, ids: string[]): Promise<Map<string, MessageHit>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<DbMessageHit>(
    `select m.id::text, m.contact_id, ${CONTACT_SHOWN_COLUMNS('ct')}, c.profile_name, u.full_name, m.direction,
            m.sender, m.sender_name, m.type,
            coalesce(m.wa_timestamp, m.created_at) as timestamp, m.created_at,
            ts_headline('simple', translate(coalesce(m.body, ''), $3, ''), plainto_tsquery('simple', $1),
                        case when length(m.body) <= $4 then $5 else $6 end) as headline
       from messages m
       join contacts ct on ct.id = m.contact_id
       left join conversations c on c.contact_id = m.contact_id
       left join users u on u.contact_id = m.contact_id
      where m.id = any($2::bigint[])`,
    [text, ids, MARK_START + MARK_END, SHORT_TEXT_CHARS, HEADLINE_WHOLE, HEADLINE_PASSAGES],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        kind: 'message',
        ...contactShown(row),
        messageId: Number(row.id),
        profileName: row.profile_name,
        fullName: row.full_name,
        direction: row.direction,
        sender: row.sender,
        senderName: row.sender_name,
        type: row.type,
        timestamp: row.timestamp,
        at: row.created_at,
        ...marked(row.headline),
      },
    ]),
  );
}

/** Plain text and the [start, end) offsets of the marked words, from ts_headline's output. */
export function marked(headline: string): { snippet: string; highlights: [number, number][] } {
  let snippet = '';
  const highlights: [number, number][] = [];
  let start: number | undefined;
  for (const char of headline) {
    if (char === MARK_START) start = snippet.length;
    else if (char === MARK_END) {
      if (start !== undefined && snippet.length > start) highlights.push([start, snippet.length]);
      start = undefined;
    } else snippet += char;
  }
  return { snippet, highlights };
}
