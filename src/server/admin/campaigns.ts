import { noteAudit } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import { mountCampaignCreate } from './campaign-create';
import {
  campaignParam,
  errorName,
  requireTemporal,
  type CampaignRouteDeps,
  type CampaignRouter,
} from './campaign-params';
import { mountCampaignReads } from './campaign-reads';
import { getCampaign } from '../../db/campaigns';
import { controlCampaign } from '../../temporal/campaigns';
import { HttpError, unavailable } from '../errors';
import type { CampaignAction } from '../../../workflows/campaign-messages';

// Campaigns (SPEC §13), admins only: create (or preview) in campaign-create.ts; list, read with
// counts, the recipients page by page or as CSV in campaign-reads.ts; and here pause/resume/cancel,
// which the campaign's workflow answers with the status it reached. Audit rows name the campaign, the
// template and the audience's filters, never a student.

export { CreateBody, DEFAULT_CAMPAIGN_RATE } from './campaign-create';
export { ListQuery, RecipientsQuery, type CampaignJson } from './campaign-reads';

export function mountCampaignRoutes(router: CampaignRouter, deps: CampaignRouteDeps, guard: AdminGuard): void {
  mountCampaignCreate(router, deps, guard);
  mountCampaignReads(router, deps, guard);
  mountCampaignControls(router, deps, guard);
}

function mountCampaignControls(router: CampaignRouter, { db, temporal }: CampaignRouteDeps, guard: AdminGuard): void {
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    router.post(`/api/admin/campaigns/:id/${action}`, ...guard(`campaigns.${action}`, ADMIN_ONLY), async (ctx) => {
      const campaign = await campaignParam(ctx, db);
      const client = requireTemporal(temporal);
      const answer = await controlCampaign(client, campaign.id, action).catch((err: unknown) => {
        throw unavailable(`Temporal did not answer (${errorName(err)}); retry later`);
      });
      const status = answer?.status ?? (await getCampaign(db, campaign.id))!.status;
      noteAudit(ctx, { details: { status } });
      if (answer?.changed !== true) throw refusedAction(action, status);
      ctx.body = { id: campaign.id, status };
    });
  }
}

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
