import { setCampaignStatus, takeSnapshot, type CampaignStatus } from '../src/db/campaigns';
import type { Db } from '../src/db/pool';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import { runCampaignSlice, type CampaignSliceInput, type CampaignSliceResult } from './campaign-slice';

// A campaign's activities (SPEC §13), called by workflows/campaign.ts: the audience snapshot, the
// status, and the sends one slice (a few seconds) at a time. The pacing is in campaign-slice.ts and
// campaign-pacing.ts, one recipient's exactly-once send in campaign-send.ts.

export { CAMPAIGN_LEASE_MS, type CampaignSliceInput, type CampaignSliceResult } from './campaign-slice';

export interface CampaignActivities {
  startCampaign(input: { campaignId: string }): Promise<number>;
  setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void>;
  runCampaignSlice(input: CampaignSliceInput): Promise<CampaignSliceResult>;
}

export function createCampaignActivities(db: Db, whatsapp: WhatsAppClient): CampaignActivities {
  return {
    /** Takes the audience snapshot (once) and returns its size. */
    async startCampaign(input: { campaignId: string }): Promise<number> {
      return takeSnapshot(db, input.campaignId);
    },

    /** Stores the status the workflow decided. */
    async setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await setCampaignStatus(db, input.campaignId, input.status);
    },

    /** Sends for up to `seconds` seconds at the campaign's pace; see campaign-slice.ts. */
    async runCampaignSlice(input: CampaignSliceInput): Promise<CampaignSliceResult> {
      return runCampaignSlice(db, whatsapp, input);
    },
  };
}
