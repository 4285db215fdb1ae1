import { z } from 'zod';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import { campaignParam, type CampaignRouteDeps, type CampaignRouter } from './campaign-params';
import { decodeJsonCursor, encodeJsonCursor, Limit, parse } from './params';
import {
  CAMPAIGN_ID,
  listCampaigns,
  listRecipients,
  recipientCounts,
  RECIPIENT_STATUSES,
  type Campaign,
  type RecipientCounts,
} from '../../db/campaigns';
import type { Db } from '../../db/pool';

// The campaign routes that only read: the list, one campaign with its counts, and its recipients
// page by page or as CSV.

export const RecipientsQuery = z.strictObject({
  status: z.enum(RECIPIENT_STATUSES).optional(),
  cursor: z.string().max(200).optional(),
  limit: Limit,
});
export const ListQuery = z.strictObject({ cursor: z.string().max(200).optional(), limit: Limit });
const ListCursor = z.object({ createdAt: z.iso.datetime({ offset: true }), id: z.string().regex(CAMPAIGN_ID) });
const RecipientCursor = z.object({ after: z.string().regex(/^ct_[0-9a-f]{20}$/) });

const EXPORT_PAGE = 1000;

export function mountCampaignReads(router: CampaignRouter, { db }: CampaignRouteDeps, guard: AdminGuard): void {
  router.get('/api/admin/campaigns', ...guard('campaigns.list', ADMIN_ONLY), async (ctx) => {
    const query = parse(ListQuery, ctx.query, 'invalid_query', 'Invalid query');
    const before = query.cursor === undefined ? undefined : decodeJsonCursor(ListCursor, query.cursor);
    const rows = await listCampaigns(db, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const counts = await recipientCounts(
      db,
      page.map((c) => c.id),
    );
    const last = page[page.length - 1];
    ctx.body = {
      campaigns: page.map((c) => campaignJson(c, counts.get(c.id)!)),
      ...(rows.length > query.limit && last
        ? { nextCursor: encodeJsonCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) }
        : {}),
    };
  });

  router.get('/api/admin/campaigns/:id', ...guard('campaigns.read', ADMIN_ONLY), async (ctx) => {
    const campaign = await campaignParam(ctx, db);
    const counts = (await recipientCounts(db, [campaign.id])).get(campaign.id)!;
    const { rows } = await db.query<{ error_code: number; n: string }>(
      `select error_code, count(*) as n from campaign_recipients
       where campaign_id = $1 and error_code is not null and status in ('failed', 'capped') group by error_code`,
      [campaign.id],
    );
    ctx.body = {
      ...campaignJson(campaign, counts),
      failuresByCode: Object.fromEntries(rows.map((r) => [String(r.error_code), Number(r.n)])),
    };
  });

  router.get('/api/admin/campaigns/:id/recipients', ...guard('campaigns.recipients', ADMIN_ONLY), async (ctx) => {
    const campaign = await campaignParam(ctx, db);
    const query = parse(RecipientsQuery, ctx.query, 'invalid_query', 'Invalid query');
    const after = query.cursor === undefined ? undefined : decodeJsonCursor(RecipientCursor, query.cursor).after;
    const rows = await listRecipients(db, campaign.id, { status: query.status, after, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    ctx.body = {
      recipients: page.map((r) => ({
        contactId: r.contactId,
        status: r.status,
        ...(r.wamid === null ? {} : { wamid: r.wamid }),
        ...(r.errorCode === null ? {} : { errorCode: r.errorCode }),
        ...(r.reason === null ? {} : { reason: r.reason }),
      })),
      ...(rows.length > query.limit && last ? { nextCursor: encodeJsonCursor({ after: last.contactId }) } : {}),
    };
  });

  router.get('/api/admin/campaigns/:id/recipients.csv', ...guard('campaigns.export', ADMIN_ONLY), async (ctx) => {
    const campaign = await campaignParam(ctx, db);
    const csv = await recipientsCsv(db, campaign.id);
    ctx.set('Content-Type', 'text/csv; charset=utf-8');
    ctx.set('Content-Disposition', `attachment; filename="${campaign.id}-recipients.csv"`);
    ctx.body = csv;
  });
}

/** A campaign as the API answers it (src/web/api-types.d.ts reads it). */
export type CampaignJson = ReturnType<typeof campaignJson>;

function campaignJson(c: Campaign, counts: RecipientCounts) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    template: { name: c.template.name, language: c.template.language, parameters: c.template.parameters },
    audience: c.audience,
    ignoreOptOut: c.ignoreOptOut,
    ratePerSecond: c.ratePerSecond,
    dailyCap: c.dailyCap,
    startAt: c.startAt.toISOString(),
    recipients: c.recipients,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    startedAt: c.startedAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
    counts,
  };
}

/** Every recipient of the campaign, one CSV line each, read a page at a time. */
async function recipientsCsv(db: Db, campaignId: string): Promise<string> {
  const lines = [
    'contact_id,status,wamid,error_code,reason,attempts,sent_at,delivered_at,read_at,failed_at,replied_at',
  ];
  for (let after: string | undefined; ;) {
    const rows = await listRecipients(db, campaignId, { after, limit: EXPORT_PAGE });
    for (const r of rows)
      lines.push(
        [
          r.contactId,
          r.status,
          r.wamid,
          r.errorCode,
          r.reason,
          r.attempts,
          r.sentAt,
          r.deliveredAt,
          r.readAt,
          r.failedAt,
          r.repliedAt,
        ]
          .map(csvField)
          .join(','),
      );
    if (rows.length < EXPORT_PAGE) break;
    after = rows[rows.length - 1]!.contactId;
  }
  return lines.join('\r\n') + '\r\n';
}

function csvField(value: string | number | Date | null): string {
  if (value === null) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
