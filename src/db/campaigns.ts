import crypto from 'node:crypto';
import { AUDIENCE_FROM, audienceWhere, type Audience } from '../campaigns/audience';
import type { Db } from './pool';
import type { Queryable } from './queryable';

// Campaigns and their recipients (migration 0020). The recipients are the audience snapshot, taken
// once when the campaign starts; each row then carries that student's outcome. A send is keyed by
// (campaign, contact): its messages row's idempotency key is written before the Graph call.

export const CAMPAIGN_ID = /^cp_[0-9a-f]{20}$/;
export const CAMPAIGN_STATUSES = ['scheduled', 'running', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const RECIPIENT_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'read',
  'failed',
  'capped',
  'skipped',
  'replied',
] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];
export type RecipientCounts = Record<RecipientStatus, number>;

export function newCampaignId(): string {
  return `cp_${crypto.randomBytes(10).toString('hex')}`;
}

/** The messages row's idempotency key of one campaign send. */
export function campaignSendKey(campaignId: string, contactId: string): string {
  return `campaign:${campaignId}:${contactId}`;
}

export interface Campaign {
  id: string;
  name: string;
  template: { name: string; language: string; category: string | null; parameters: Record<string, string> };
  audience: Audience;
  ignoreOptOut: boolean;
  ratePerSecond: number;
  dailyCap: number | null;
  startAt: Date;
  status: CampaignStatus;
  recipients: number;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface DbCampaign {
  id: string;
  name: string;
  template_name: string;
  template_language: string;
  template_category: string | null;
  parameters: Record<string, string>;
  audience: Audience;
  ignore_opt_out: boolean;
  rate_per_second: number;
  daily_cap: number | null;
  start_at: Date;
  status: CampaignStatus;
  recipients: number;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toCampaign = (r: DbCampaign): Campaign => ({
  id: r.id,
  name: r.name,
  template: {
    name: r.template_name,
    language: r.template_language,
    category: r.template_category,
    parameters: r.parameters,
  },
  audience: r.audience,
  ignoreOptOut: r.ignore_opt_out,
  ratePerSecond: r.rate_per_second,
  dailyCap: r.daily_cap,
  startAt: r.start_at,
  status: r.status,
  recipients: r.recipients,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export type NewCampaign = Omit<Campaign, 'status' | 'recipients' | 'createdAt' | 'startedAt' | 'finishedAt'>;

/** How many students the audience holds now. */
export async function countAudience(db: Queryable, audience: Audience, ignoreOptOut: boolean): Promise<number> {
  const where = audienceWhere(audience, { ignoreOptOut });
  const { rows } = await db.query<{ n: string }>(
    `select count(*) as n from ${AUDIENCE_FROM} where ${where.sql}`,
    where.params,
  );
  return Number(rows[0]!.n);
}

/** The first few students of the audience with their profile fields, for a preview. */
export async function sampleAudience(
  db: Queryable,
  audience: Audience,
  ignoreOptOut: boolean,
  limit: number,
): Promise<{ contactId: string; fullName: string | null; className: string | null }[]> {
  const where = audienceWhere(audience, { ignoreOptOut });
  const { rows } = await db.query<{ id: string; full_name: string | null; class_name: string | null }>(
    `select c.id, u.full_name, u.class_name from ${AUDIENCE_FROM} where ${where.sql} order by c.id limit ${limit}`,
    where.params,
  );
  return rows.map((r) => ({ contactId: r.id, fullName: r.full_name, className: r.class_name }));
}

/** Stores a new campaign (status scheduled); `snapshot`: takes its audience snapshot in the same transaction. */
export async function insertCampaign(db: Db, c: NewCampaign, options: { snapshot: boolean }): Promise<number> {
  return db.withTransaction(async (client) => {
    await client.query(
      `insert into campaigns (id, name, template_name, template_language, template_category, parameters, audience,
         ignore_opt_out, rate_per_second, daily_cap, start_at, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        c.id,
        c.name,
        c.template.name,
        c.template.language,
        c.template.category,
        JSON.stringify(c.template.parameters),
        JSON.stringify(c.audience),
        c.ignoreOptOut,
        c.ratePerSecond,
        c.dailyCap,
        c.startAt,
        c.createdBy,
      ],
    );
    if (options.snapshot) return snapshotAudience(client, c.id);
    const count = await countAudience(client, c.audience, c.ignoreOptOut);
    await client.query('update campaigns set recipients = $2 where id = $1', [c.id, count]);
    return count;
  });
}

/**
 * Takes the audience snapshot once: the recipients are inserted and the campaign marked started in one
 * statement sequence; a second call (a retried activity) finds it started and returns its size.
 */
export async function snapshotAudience(db: Queryable, campaignId: string): Promise<number> {
  const { rows } = await db.query<DbCampaign>('select * from campaigns where id = $1 for update', [campaignId]);
  const row = rows[0];
  if (row === undefined) return 0;
  if (row.started_at !== null) {
    // Taken when the campaign was created; a pause and resume before the run began may have left it scheduled.
    await db.query(
      `update campaigns set status = 'running', updated_at = now() where id = $1 and status = 'scheduled'`,
      [campaignId],
    );
    return row.recipients;
  }
  const where = audienceWhere(row.audience, { ignoreOptOut: row.ignore_opt_out }, 2);
  const inserted = await db.query(
    `insert into campaign_recipients (campaign_id, contact_id)
     select $1, c.id from ${AUDIENCE_FROM} where ${where.sql}
     on conflict do nothing`,
    [campaignId, ...where.params],
  );
  const count = inserted.rowCount ?? 0;
  await db.query(
    `update campaigns set recipients = $2, started_at = now(),
       status = case when status = 'scheduled' then 'running' else status end, updated_at = now()
     where id = $1`,
    [campaignId, count],
  );
  return count;
}

/** Takes the snapshot in a transaction of its own (the workflow's activity). */
export function takeSnapshot(db: Db, campaignId: string): Promise<number> {
  return db.withTransaction((client) => snapshotAudience(client, campaignId));
}

export async function getCampaign(db: Queryable, id: string): Promise<Campaign | undefined> {
  const { rows } = await db.query<DbCampaign>('select * from campaigns where id = $1', [id]);
  return rows[0] === undefined ? undefined : toCampaign(rows[0]);
}

/** Campaigns, newest first, paged by creation time and id. */
export async function listCampaigns(
  db: Queryable,
  limit: number,
  before?: { createdAt: string; id: string },
): Promise<Campaign[]> {
  const { rows } = await db.query<DbCampaign>(
    `select * from campaigns
     where $1::timestamptz is null or (created_at, id) < ($1::timestamptz, $2::text)
     order by created_at desc, id desc limit $3`,
    [before?.createdAt ?? null, before?.id ?? null, limit],
  );
  return rows.map(toCampaign);
}

export async function setCampaignStatus(db: Queryable, id: string, status: CampaignStatus): Promise<void> {
  await db.query(
    `update campaigns set status = $2, updated_at = now(),
       finished_at = case when $2 in ('done', 'cancelled') then coalesce(finished_at, now()) else finished_at end
     where id = $1`,
    [id, status],
  );
}

export async function recipientCounts(db: Queryable, campaignIds: string[]): Promise<Map<string, RecipientCounts>> {
  const { rows } = await db.query<{ campaign_id: string; status: RecipientStatus; n: string }>(
    `select campaign_id, status, count(*) as n from campaign_recipients
     where campaign_id = any($1::text[]) group by campaign_id, status`,
    [campaignIds],
  );
  const counts = new Map<string, RecipientCounts>();
  for (const id of campaignIds) counts.set(id, emptyCounts());
  for (const r of rows) counts.get(r.campaign_id)![r.status] = Number(r.n);
  return counts;
}

export function emptyCounts(): RecipientCounts {
  return Object.fromEntries(RECIPIENT_STATUSES.map((s) => [s, 0])) as RecipientCounts;
}

/**
 * Campaign messages by outcome, for `edubot_campaign_messages_total`: each "reached at least", so a
 * series only grows as statuses arrive (sent counts every accepted send, delivered those delivered or
 * read, and so on); queued is what waits now.
 */
export async function campaignMessageTotals(db: Queryable): Promise<RecipientCounts> {
  const { rows } = await db.query<Record<RecipientStatus, string>>(
    `select count(*) filter (where status = 'queued') as queued,
       count(*) filter (where sent_at is not null) as sent,
       count(*) filter (where delivered_at is not null) as delivered,
       count(*) filter (where read_at is not null) as read,
       count(*) filter (where status = 'failed') as failed,
       count(*) filter (where status = 'capped') as capped,
       count(*) filter (where status = 'skipped') as skipped,
       count(*) filter (where replied_at is not null) as replied
     from campaign_recipients`,
  );
  const totals = emptyCounts();
  const row = rows[0];
  if (row !== undefined) for (const status of RECIPIENT_STATUSES) totals[status] = Number(row[status]);
  return totals;
}

export interface RecipientRow {
  contactId: string;
  status: RecipientStatus;
  wamid: string | null;
  errorCode: number | null;
  reason: string | null;
  attempts: number;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  repliedAt: Date | null;
}

/** A page of recipients by contact id, optionally of one status. */
export async function listRecipients(
  db: Queryable,
  campaignId: string,
  options: { status?: RecipientStatus; after?: string; limit: number },
): Promise<RecipientRow[]> {
  const { rows } = await db.query<{
    contact_id: string;
    status: RecipientStatus;
    wamid: string | null;
    error_code: number | null;
    reason: string | null;
    attempts: number;
    sent_at: Date | null;
    delivered_at: Date | null;
    read_at: Date | null;
    failed_at: Date | null;
    replied_at: Date | null;
  }>(
    `select contact_id, status, wamid, error_code, reason, attempts, sent_at, delivered_at, read_at, failed_at, replied_at
     from campaign_recipients
     where campaign_id = $1 and ($2::text is null or status = $2) and ($3::text is null or contact_id > $3)
     order by contact_id limit $4`,
    [campaignId, options.status ?? null, options.after ?? null, options.limit],
  );
  return rows.map((r) => ({
    contactId: r.contact_id,
    status: r.status,
    wamid: r.wamid,
    errorCode: r.error_code,
    reason: r.reason,
    attempts: r.attempts,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    readAt: r.read_at,
    failedAt: r.failed_at,
    repliedAt: r.replied_at,
  }));
}
