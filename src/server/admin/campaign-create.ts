import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import { errorName, requireTemporal, type CampaignRouteDeps, type CampaignRouter } from './campaign-params';
import { parse, readJsonBody } from './params';
import { SendTemplateBody } from './templates';
import { Audience, fillParameters, unknownFields } from '../../campaigns/audience';
import { countAudience, insertCampaign, newCampaignId, sampleAudience, setCampaignStatus } from '../../db/campaigns';
import type { Db } from '../../db/pool';
import { getTemplate } from '../../db/templates';
import { startCampaignWorkflow } from '../../temporal/campaigns';
import { isSendable, renderTemplate } from '../../templates/template';
import type { MessageTemplate } from '../../../domain/message-template';
import { badRequest, HttpError, notFound, unavailable } from '../errors';

// POST /api/admin/campaigns: checks the request against the template and WHATSAPP_MPS, then either
// previews it (the audience's size and one student's text) or stores the campaign and starts its workflow.

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
type CreateBody = z.infer<typeof CreateBody>;

/** The rate a campaign gets unless it asks for another: leaves most of the number to the bot. */
export const DEFAULT_CAMPAIGN_RATE = 20;
const PREVIEW_SAMPLE = 20;

/** A create request that passed every check: what storing or previewing it needs. */
interface CheckedCampaign {
  body: CreateBody;
  values: Record<string, string>;
  rate: number;
  template: MessageTemplate;
  ignoreOptOut: boolean;
  startAt: Date;
}

export function mountCampaignCreate(router: CampaignRouter, deps: CampaignRouteDeps, guard: AdminGuard): void {
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
    const checked = await checkCampaign(deps, body, values);
    if (body.preview === true) {
      const { audience } = body;
      const recipients = await countAudience(deps.db, audience, checked.ignoreOptOut);
      ctx.status = 200;
      ctx.body = { recipients, sample: await previewSample(deps.db, audience, checked) };
      return;
    }
    const { id, recipients } = await createCampaign(ctx, deps, checked);
    noteAudit(ctx, { details: { recipients } });
    ctx.status = 201;
    ctx.body = { id, recipients };
  });
}

/** The request's rate, parameters and template, checked; throws the answer a wrong one gets. */
async function checkCampaign(
  { db, config }: CampaignRouteDeps,
  body: CreateBody,
  values: Record<string, string>,
): Promise<CheckedCampaign> {
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
  return { body, values, rate, template, ignoreOptOut, startAt };
}

/** Stores the campaign (its snapshot too when it starts now) and starts its workflow. */
async function createCampaign(
  ctx: ParameterizedContext<AdminState>,
  { db, temporal, config }: CampaignRouteDeps,
  { body, values, rate, template, ignoreOptOut, startAt }: CheckedCampaign,
): Promise<{ id: string; recipients: number }> {
  const client = requireTemporal(temporal);
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
    await startCampaignWorkflow(client, config.taskQueue, {
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
  return { id, recipients };
}

/** The text the first student of the audience whose profile fills the template would read. */
async function previewSample(
  db: Db,
  audience: Audience,
  { ignoreOptOut, values, template }: CheckedCampaign,
): Promise<{ contactId: string; text: string } | null> {
  for (const student of await sampleAudience(db, audience, ignoreOptOut, PREVIEW_SAMPLE)) {
    const filled = fillParameters(values, student);
    if (!filled.ok) continue;
    const rendered = renderTemplate(template, filled.values);
    if (rendered.ok) return { contactId: student.contactId, text: rendered.content.rendered };
  }
  return null;
}
