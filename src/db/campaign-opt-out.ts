import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import type { Queryable } from './queryable';

// A student's campaign opt-out (SPEC §13): set when they write STOP, cleared by START. Only the
// conversation's workflow writes it (through the turn activity); campaigns read it when they take
// their audience.

/**
 * Opts the student out since `since`, or back in (`null`), and tells the consoles when something
 * changed. An opt-out already in place keeps its first time, so a second STOP, or a retried write,
 * changes nothing.
 */
export async function setCampaignOptOut(db: Queryable, contactId: string, since: Date | null): Promise<void> {
  await db.query(
    `with changed as (
       update conversations set campaign_opted_out_at = $2
       where contact_id = $1 and campaign_opted_out_at is distinct from $2
         and (campaign_opted_out_at is null or $2::timestamptz is null)
       returning contact_id
     ), ${appendEventCte('changed', 3)}
     select ${NOTIFY_APPENDED}`,
    [
      contactId,
      since,
      ...eventParams({
        kind: 'campaign_opt_out',
        contactId,
        payload: { since: since === null ? null : since.toISOString() },
      }),
    ],
  );
}

/** Since when the student wants no campaign messages; null when they take them. */
export async function getCampaignOptOut(db: Queryable, contactId: string): Promise<{ since: Date } | null> {
  const { rows } = await db.query<{ since: Date | null }>(
    'select campaign_opted_out_at as since from conversations where contact_id = $1',
    [contactId],
  );
  const since = rows[0]?.since ?? null;
  return since === null ? null : { since };
}
