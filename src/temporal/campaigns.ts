import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { GrpcStatus, grpcCode } from './grpc-status';
import {
  campaignControlUpdate,
  campaignWorkflowId,
  type CampaignAction,
  type CampaignControlResult,
} from '../../workflows/campaign-messages';
import type { CampaignInput, campaignWorkflow } from '../../workflows/campaign';

// Starting a campaign's workflow and steering it (the admin API).

export async function startCampaignWorkflow(client: Client, taskQueue: string, input: CampaignInput): Promise<void> {
  await client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
    workflowId: campaignWorkflowId(input.campaignId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Pause, resume or cancel; undefined when the workflow has ended (the stored status is then the truth). */
export async function controlCampaign(
  client: Client,
  campaignId: string,
  action: CampaignAction,
): Promise<CampaignControlResult | undefined> {
  try {
    return await client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(campaignControlUpdate, {
      args: [action],
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND) return undefined;
    // An update sent to a run that completed meanwhile.
    if (err instanceof Error && /workflow execution already completed/i.test(err.message)) return undefined;
    throw err;
  }
}
