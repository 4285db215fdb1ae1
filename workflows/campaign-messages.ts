import { defineQuery, defineUpdate } from '@temporalio/workflow';

// The campaign workflow's messages, shared with the admin API so the server imports no workflow logic.

export const CAMPAIGN_WORKFLOW_ID_PREFIX = 'campaign-';

export function campaignWorkflowId(campaignId: string): string {
  return `${CAMPAIGN_WORKFLOW_ID_PREFIX}${campaignId}`;
}

export type CampaignRunStatus = 'scheduled' | 'running' | 'paused' | 'done' | 'cancelled';

/** What pause, resume and cancel answer: the campaign's status once the action took effect. */
export interface CampaignControlResult {
  status: CampaignRunStatus;
  /** False when the action could not apply (resume of a running campaign, pause of a finished one). */
  changed: boolean;
}

export type CampaignAction = 'pause' | 'resume' | 'cancel';

/**
 * Pause, resume or cancel. Answered once it holds: a pause or a cancel waits for the slice of sends in
 * flight to end, so nothing more is sent after the answer.
 */
export const campaignControlUpdate = defineUpdate<CampaignControlResult, [CampaignAction]>('campaignControl');

export const campaignStatusQuery = defineQuery<CampaignRunStatus>('campaignStatus');
