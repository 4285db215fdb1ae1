import type Router from '@koa/router';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import { decodeJsonCursor, encodeJsonCursor, Limit, parse, readJsonBody } from './params';
import { SendTemplateBody } from './templates';
import { Audience, fillParameters, unknownFields } from '../../campaigns/audience';
import type { Config } from '../../config';
import {
  CAMPAIGN_ID,
  countAudience,
  getCampaign,
  insertCampaign,
  listCampaigns,
  listRecipients,
  newCampaignId,
  recipientCounts,
  RECIPIENT_STATUSES,
  sampleAudience,
  setCampaignStatus,
  type Campaign,
  type RecipientCounts,
} from '../../db/campaigns';
import type { Db } from '../../db/pool';
import { getTemplate } from '../../db/templates';
import { controlCampaign, startCampaignWorkflow } from '../../temporal/campaigns';
import { isSendable, renderTemplate } from '../../templates/template';
import { badRequest, HttpError, notFound, unavailable } from '../errors';
import type { CampaignAction } from '../../../workflows/campaign-messages';

// Campaigns (SPEC §13), admins only: create (or preview), list, read with counts, the recipients page
// by page or as CSV, and pause/resume/cancel, which the campaign's workflow answers with the status it
// reached. Audit rows name the campaign, the template and the audience's filters, never a student.

export const CreateBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(200),
  template: SendTemplateBody,
  audience: Audience,
  startAt: z.iso.datetime({ offset: true }).optional(),
  ratePerSecond: z.number().int().min(1).optional(),
  dailyCap: z.number().int().min(1).max(10_000_000).optional(),
  preview: z.boolean().optional(),
  /** Only for a UTILITY template: students who wrote STOP get it too. */
  ignoreOptOut: z.boolean().optional(),
});

export const RecipientsQuery = z.strictObject({
  status: z.enum(RECIPIENT_STATUSES).optional(),
  cursor: z.string().max(200).optional(),
  limit: Limit,
});
export const ListQuery = z.strictObject({ cursor: z.string().max(200).optional(), limit: Limit });
const ListCursor = z.object({ createdAt: z.iso.datetime({ offset: true }), id: z.string().regex(CAMPAIGN_ID) });
const RecipientCursor = z.object({ after: z.string().regex(/^ct_[0-9a-f]{20}$/) });

/** The rate a campaign gets unless it asks for another: leaves most of the number to the bot. */
export const DEFAULT_CAMPAIGN_RATE = 20;
const PREVIEW_SAMPLE = 20;
const EXPORT_PAGE = 1000;

export function mountCampaignRoutes(
  router: Router<AdminState>,
  deps: { db: Db; temporal?: Client; config: Pick<Config, 'taskQueue' | 'whatsappMps'> },
  guard: AdminGuard,
): void {
  const { db, temporal, config } = deps;

  router.post('/api/admin/campaigns', ...guard('campaigns.create', ADMIN_ONLY), async (ctx) => {
    const body = parse(CreateBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    const values = body.template.parameters ?? {};
    noteAudit(ctx, {
      details: {
        name: body.name,
        template: body.template.name,
        language: body.template.language,
        parameterKeys: Object.keys(values).sort(),
        audience: Object.keys(body.audience).sort(),
        preview: body.preview === true,
      },
    });
    const rate = body.ratePerSecond ?? Math.min(DEFAULT_CAMPAIGN_RATE, config.whatsappMps);
    if (rate > config.whatsappMps)
      throw badRequest('rate_above_mps', `ratePerSecond must be at most WHATSAPP_MPS (${config.whatsappMps})`);
    const unknown = unknownFields(values);
    if (unknown.length > 0)
      throw badRequest(
        'invalid_parameters',
        `Unknown fields: ${unknown.map((f) => `{${f}}`).join(', ')}; use {first_name}, {full_name} or {class}`,
      );
    const template = await getTemplate(db, body.template.name, body.template.language);
    if (template === undefined)
      throw notFound('template_not_found', `No template ${body.template.name} in language ${body.template.language}`);
    if (!isSendable(template))
      throw new HttpError(
        409,
        'template_not_approved',
        `Template ${template.name} (${template.language}) is ${template.status}: only an APPROVED template can be sent`,
      );
    const ignoreOptOut = body.ignoreOptOut === true;
    if (ignoreOptOut && template.category.toUpperCase() !== 'UTILITY')
      throw badRequest(
        'opt_out_required',
        `ignoreOptOut is only for UTILITY templates; ${template.name} is ${template.category}`,
      );
    // The keys and constants are checked with stand-in profile values: a student's own are checked at the send.
    const check = fillParameters(values, { fullName: 'Ada Lovelace', className: 'Class' });
    const trial = check.ok ? renderTemplate(template, check.values) : undefined;
    if (trial !== undefined && !trial.ok)
      throw badRequest('invalid_parameters', `Invalid parameters: ${trial.problems.join('; ')}`);
    const startAt = body.startAt === undefined ? new Date() : new Date(body.startAt);

    if (body.preview === true) {
      const recipients = await countAudience(db, body.audience, ignoreOptOut);
      ctx.status = 200;
      ctx.body = { recipients, sample: await previewSample(db, body.audience, ignoreOptOut, values, template) };
      return;
    }
    if (temporal === undefined) throw unavailable('Campaigns need Temporal, which this server is not connected to');
    const id = newCampaignId();
    noteAudit(ctx, { details: { campaignId: id } });
    const startsNow = startAt.getTime() <= Date.now();
    const recipients = await insertCampaign(
      db,
      {
        id,
        name: body.name,
        template: { name: template.name, language: template.language, category: template.category, parameters: values },
        audience: body.audience,
        ignoreOptOut,
        ratePerSecond: rate,
        dailyCap: body.dailyCap ?? null,
        startAt,
        createdBy: ctx.state.actor?.name ?? null,
      },
      { snapshot: startsNow },
    );
    try {
      await startCampaignWorkflow(temporal, config.taskQueue, {
        campaignId: id,
        startAt: startAt.getTime(),
        mps: config.whatsappMps,
        ...(body.dailyCap === undefined ? {} : { dailyCap: body.dailyCap }),
      });
    } catch (err) {
      // Nothing will ever send it: the stored campaign says so, and the admin creates it again.
      await setCampaignStatus(db, id, 'cancelled').catch(() => undefined);
      throw unavailable(`Temporal did not take the campaign (${errorName(err)}); it was not started, create it again`);
    }
    noteAudit(ctx, { details: { recipients } });
    ctx.status = 201;
    ctx.body = { id, recipients };
  });

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
    const lines = [
      'contact_id,status,wamid,error_code,reason,attempts,sent_at,delivered_at,read_at,failed_at,replied_at',
    ];
    for (let after: string | undefined; ;) {
      const rows = await listRecipients(db, campaign.id, { after, limit: EXPORT_PAGE });
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
    ctx.set('Content-Type', 'text/csv; charset=utf-8');
    ctx.set('Content-Disposition', `attachment; filename="${campaign.id}-recipients.csv"`);
    ctx.body = lines.join('\r\n') + '\r\n';
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    router.post(`/api/admin/campaigns/:id/${action}`, ...guard(`campaigns.${action}`, ADMIN_ONLY), async (ctx) => {
      const campaign = await campaignParam(ctx, db);
      if (temporal === undefined) throw unavailable('Campaigns need Temporal, which this server is not connected to');
      const answer = await controlCampaign(temporal, campaign.id, action).catch((err: unknown) => {
        throw unavailable(`Temporal did not answer (${errorName(err)}); retry later`);
      });
      const status = answer?.status ?? (await getCampaign(db, campaign.id))!.status;
      noteAudit(ctx, { details: { status } });
      if (answer?.changed !== true) throw refusedAction(action, status);
      ctx.body = { id: campaign.id, status };
    });
  }
}

const errorName = (err: unknown): string => (err instanceof Error ? err.name : 'error');

function refusedAction(action: CampaignAction, status: string): HttpError {
  return new HttpError(
    409,
    'invalid_state',
    `A ${status} campaign cannot be ${action === 'cancel' ? 'cancelled' : `${action}d`}`,
    {
      status,
    },
  );
}

async function campaignParam(
  ctx: { params: Record<string, string | undefined> } & Parameters<typeof noteAudit>[0],
  db: Db,
): Promise<Campaign> {
  const id = ctx.params.id ?? '';
  if (!CAMPAIGN_ID.test(id)) throw badRequest('invalid_campaign_id', 'A campaign id is cp_ and 20 hex digits');
  noteAudit(ctx, { details: { campaignId: id } });
  const campaign = await getCampaign(db, id);
  if (campaign === undefined) throw notFound('campaign_not_found', `No campaign ${id}`);
  return campaign;
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

/** The text the first student of the audience whose profile fills the template would read. */
async function previewSample(
  db: Db,
  audience: Audience,
  ignoreOptOut: boolean,
  values: Record<string, string>,
  template: Parameters<typeof renderTemplate>[0],
): Promise<{ contactId: string; text: string } | null> {
  for (const student of await sampleAudience(db, audience, ignoreOptOut, PREVIEW_SAMPLE)) {
    const filled = fillParameters(values, student);
    if (!filled.ok) continue;
    const rendered = renderTemplate(template, filled.values);
    if (rendered.ok) return { contactId: student.contactId, text: rendered.content.rendered };
  }
  return null;
}

function csvField(value: string | number | Date | null): string {
  if (value === null) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
