import type { Db } from './pool';

// The send side of a campaign (activities/campaign.ts): which recipients to send to next, and each
// outcome. A recipient is claimed by a lease (attempted_at): a claim takes only rows whose last attempt
// is older than the lease, so a slow, presumed-dead attempt and its retry never send at once.

export interface ClaimedRecipient {
  contactId: string;
  attempts: number;
  phone: string | null;
  bsuid: string | null;
  fullName: string | null;
  className: string | null;
}

/**
 * Outbound messages created in the last second (each send's row is created just before its Graph
 * call): all of them, or only the product's others (`othersOnly`: not campaigns).
 */
export async function outboundLastSecond(db: Db, options: { othersOnly: boolean }): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `select count(*) as n from messages
     where direction = 'outbound' and created_at > now() - interval '1 second'
       and ($1 = false or idempotency_key not like 'campaign:%')`,
    [options.othersOnly],
  );
  return Number(rows[0]!.n);
}

/**
 * How long ago (ms) each of the campaign's sends accepted in the last second was accepted, oldest
 * first: later than the request left, so a window seeded from them is, if anything, too strict.
 */
export async function campaignSendsLastSecond(db: Db, campaignId: string): Promise<number[]> {
  const { rows } = await db.query<{ ms_ago: number }>(
    `select (extract(epoch from (now() - accepted_at)) * 1000)::float8 as ms_ago from messages
     where direction = 'outbound' and created_at > now() - interval '10 minutes'
       and accepted_at > now() - interval '1 second' and idempotency_key like $1
     order by accepted_at`,
    [`campaign:${campaignId}:%`],
  );
  return rows.map((r) => r.ms_ago);
}

/** Claims up to `limit` queued recipients that are due, in contact id order. */
export async function claimRecipients(
  db: Db,
  campaignId: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedRecipient[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<{
    contact_id: string;
    attempts: number;
    phone: string | null;
    bsuid: string | null;
    full_name: string | null;
    class_name: string | null;
  }>(
    `with due as (
       select campaign_id, contact_id from campaign_recipients
       where campaign_id = $1 and status = 'queued'
         and (not_before is null or not_before <= now())
         and (attempted_at is null or attempted_at < now() - make_interval(secs => $3 / 1000.0))
       order by contact_id limit $2
       for update skip locked
     ), claimed as (
       update campaign_recipients r set attempted_at = now(), attempts = r.attempts + 1, updated_at = now()
       from due where r.campaign_id = due.campaign_id and r.contact_id = due.contact_id
       returning r.contact_id, r.attempts
     )
     select cl.contact_id, cl.attempts, c.phone, c.bsuid, u.full_name, u.class_name
     from claimed cl join contacts c on c.id = cl.contact_id left join users u on u.contact_id = cl.contact_id
     order by cl.contact_id`,
    [campaignId, limit, leaseMs],
  );
  return rows.map((r) => ({
    contactId: r.contact_id,
    attempts: r.attempts,
    phone: r.phone,
    bsuid: r.bsuid,
    fullName: r.full_name,
    className: r.class_name,
  }));
}

/**
 * WhatsApp accepted the send (its wamid already stored on the messages row): the recipient is sent, and
 * moves on at once to any status the messages row already has (a status webhook may beat this update).
 */
export async function recipientSent(db: Db, campaignId: string, contactId: string, wamid: string): Promise<void> {
  await db.query(
    `update campaign_recipients r set
       wamid = $3, sent_at = coalesce(r.sent_at, now()), updated_at = now(), not_before = null,
       status = case m.status when 'delivered' then 'delivered' when 'read' then 'read' when 'played' then 'read'
                  when 'failed' then 'failed' else 'sent' end,
       delivered_at = case when m.status in ('delivered', 'read', 'played') then coalesce(m.delivered_at, now()) end,
       read_at = case when m.status in ('read', 'played') then coalesce(m.read_at, now()) end,
       failed_at = case when m.status = 'failed' then coalesce(m.failed_at, now()) end,
       error_code = case when m.status = 'failed' then m.error_code end
     from messages m
     where r.campaign_id = $1 and r.contact_id = $2 and r.status = 'queued' and m.wa_message_id = $3`,
    [campaignId, contactId, wamid],
  );
}

/** A final outcome other than sent: failed (a code), capped (131049) or skipped (why). */
export async function recipientFinished(
  db: Db,
  campaignId: string,
  contactId: string,
  outcome: { status: 'failed' | 'capped' | 'skipped'; errorCode?: number | null; reason: string },
): Promise<void> {
  await db.query(
    `update campaign_recipients set status = $3, error_code = $4, reason = $5, updated_at = now(), not_before = null,
       failed_at = case when $3 = 'failed' then now() end
     where campaign_id = $1 and contact_id = $2 and status = 'queued'`,
    [campaignId, contactId, outcome.status, outcome.errorCode ?? null, outcome.reason],
  );
}

/** Not sent this time: the lease is given back and the recipient waits `delayMs` before its next turn. */
export async function recipientRetryLater(
  db: Db,
  campaignId: string,
  contactId: string,
  delayMs: number,
  why: { errorCode?: number | null; reason: string } | undefined,
): Promise<void> {
  // Without `why` (a slot given back unsent), the last attempt's code and reason stay.
  await db.query(
    `update campaign_recipients set attempted_at = null, not_before = now() + make_interval(secs => $3 / 1000.0),
       error_code = case when $5::text is null then error_code else $4 end, reason = coalesce($5, reason),
       updated_at = now()
     where campaign_id = $1 and contact_id = $2 and status = 'queued'`,
    [campaignId, contactId, delayMs, why?.errorCode ?? null, why?.reason ?? null],
  );
}

/** What is left: queued recipients, and in how many ms the first of them is due (0: now). */
export async function queuedRemaining(
  db: Db,
  campaignId: string,
  leaseMs: number,
): Promise<{ queued: number; nextDueInMs: number | null }> {
  const { rows } = await db.query<{ queued: string; next_due_ms: number | null }>(
    `select count(*) as queued,
       min(greatest(0, extract(epoch from (greatest(coalesce(not_before, now()),
             coalesce(attempted_at + make_interval(secs => $2 / 1000.0), now())) - now())) * 1000))::float8 as next_due_ms
     from campaign_recipients where campaign_id = $1 and status = 'queued'`,
    [campaignId, leaseMs],
  );
  return { queued: Number(rows[0]!.queued), nextDueInMs: rows[0]!.next_due_ms };
}
