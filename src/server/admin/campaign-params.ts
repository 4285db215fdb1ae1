import type Router from '@koa/router';
import type { Client } from '@temporalio/client';
import { noteAudit, type AdminState } from './audit';
import type { Config } from '../../config';
import { CAMPAIGN_ID, getCampaign, type Campaign } from '../../db/campaigns';
import type { Db } from '../../db/pool';
import { badRequest, notFound, unavailable } from '../errors';

// What the campaign routes (campaigns.ts, campaign-create.ts, campaign-reads.ts) share: their
// dependencies, the campaign a path names, and Temporal, which starting and steering a campaign need.

export type CampaignRouter = Router<AdminState>;

export interface CampaignRouteDeps {
  db: Db;
  temporal?: Client;
  config: Pick<Config, 'taskQueue' | 'whatsappMps'>;
}

/** The campaign of the path's `:id`, noted in the audit row; 400 or 404 when there is none. */
export async function campaignParam(
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

/** The Temporal client, or 503 when this server runs without one. */
export function requireTemporal(temporal: Client | undefined): Client {
  if (temporal === undefined) throw unavailable('Campaigns need Temporal, which this server is not connected to');
  return temporal;
}

/** A failure's class name, as the answers quote it. */
export const errorName = (err: unknown): string => (err instanceof Error ? err.name : 'error');
