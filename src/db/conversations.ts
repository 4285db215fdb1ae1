import {
  CONTACT_SHOWN_COLUMNS,
  contactShown,
  LISTED_CONTACT,
  type ContactShown,
  type DbContactShown,
} from './contacts';
import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import { filterCondition, filterParams, LABELS_OF, type ConversationFilter, type LabelShown } from './labels';
import type { Db, Statement } from './pool';
import type { Priority } from '../../domain/support-policy';

// The admin-facing summary of each conversation. The workflow owns the state; these rows mirror it.

/** Saves the state the workflow reached and appends a state event, in one statement. */
const SAVE_STATE: Statement = {
  name: 'save_conversation_state',
  text: `with saved as (
     insert into conversations (contact_id, state, registered) values ($1, $2, $3)
     on conflict (contact_id) do update set state = excluded.state, registered = excluded.registered, last_activity_at = now()
     returning contact_id
   ), ${appendEventCte('saved', 4)}
   select ${NOTIFY_APPENDED}`,
};

export async function saveConversationState(
  db: Db,
  contactId: string,
  state: string,
  registered: boolean,
): Promise<void> {
  await db.query(SAVE_STATE, [
    contactId,
    state,
    registered,
    ...eventParams({ kind: 'state', contactId, payload: { state, registered } }),
  ]);
}

export interface ConversationSummary extends ContactShown {
  profileName: string | null;
  state: string;
  registered: boolean;
  lastInboundAt: Date | null;
  lastActivityAt: Date;
  priority: Priority;
  labels: LabelShown[];
}

export async function getConversation(db: Db, contactId: string): Promise<ConversationSummary | undefined> {
  const { rows } = await db.query<DbConversationSummary>(
    `select c.contact_id, c.profile_name, c.state, c.registered, c.last_inbound_at, c.last_activity_at,
            c.priority, ${LABELS_OF('c.contact_id')} as labels, ${CONTACT_SHOWN_COLUMNS('ct')}
     from conversations c join contacts ct on ct.id = c.contact_id
     where c.contact_id = $1`,
    [contactId],
  );
  return rows[0] ? toSummary(rows[0]) : undefined;
}

interface DbConversationSummary extends DbContactShown {
  contact_id: string;
  profile_name: string | null;
  state: string;
  registered: boolean;
  last_inbound_at: Date | null;
  last_activity_at: Date;
  priority: Priority;
  labels: LabelShown[];
}

function toSummary(row: DbConversationSummary): ConversationSummary {
  return {
    ...contactShown(row),
    profileName: row.profile_name,
    state: row.state,
    registered: row.registered,
    lastInboundAt: row.last_inbound_at,
    lastActivityAt: row.last_activity_at,
    priority: row.priority,
    labels: row.labels,
  };
}

/**
 * Keyset position in the admin list. The activity time travels as epoch microseconds in a string:
 * a JS Date keeps only milliseconds, and a rounded key would skip or repeat rows on the next page.
 */
export interface ConversationCursor {
  activityMicros: string;
  contactId: string;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  /** Present when more rows follow. */
  next?: ConversationCursor;
}

/**
 * The admin list: newest activity first (ties by contact id), optionally one state, label and priority only. A contact merged
 * into another (it keeps no identifier) is not listed: its leftover row is history, not a conversation.
 */
export async function listConversations(
  db: Db,
  options: { state?: string; limit: number; after?: ConversationCursor; filter?: ConversationFilter },
): Promise<ConversationPage> {
  const { rows } = await db.query<DbConversationSummary & { activity_micros: string }>(
    `select c.contact_id, c.profile_name, c.state, c.registered, c.last_inbound_at, c.last_activity_at,
            c.priority, ${LABELS_OF('c.contact_id')} as labels, ${CONTACT_SHOWN_COLUMNS('ct')},
            (extract(epoch from c.last_activity_at) * 1000000)::bigint::text as activity_micros
     from conversations c join contacts ct on ct.id = c.contact_id
     where ($1::text is null or c.state = $1)
       and ($2::bigint is null
            or (c.last_activity_at, c.contact_id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::text))
       and ${LISTED_CONTACT('ct')}
       and ${filterCondition('c.contact_id', 5)}
     order by c.last_activity_at desc, c.contact_id desc
     limit $4`,
    [
      options.state ?? null,
      options.after?.activityMicros ?? null,
      options.after?.contactId ?? null,
      options.limit + 1,
      ...filterParams(options.filter),
    ],
  );
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    conversations: page.map(toSummary),
    next:
      rows.length > options.limit && last
        ? { activityMicros: last.activity_micros, contactId: last.contact_id }
        : undefined,
  };
}
