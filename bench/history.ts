import type { Client } from '@temporalio/client';
import { conversationWorkflowId } from '../workflows/messages';

// Every run of one long-lived conversation, with its history length and size, to show that
// continue-as-new keeps each run under what Temporal suggests (the server sets
// continueAsNewSuggested from limit.historyCount.suggestContinueAsNew and
// limit.historySize.suggestContinueAsNew) and far under its hard limits (51,200 events, 50 MB).

export interface RunHistory {
  runId: string;
  status: string;
  historyLength: number;
  historySizeBytes?: number;
}

export async function longLivedHistory(client: Client, phone: string): Promise<{ phone: string; runs: RunHistory[] }> {
  const workflowId = conversationWorkflowId(phone);
  const runs: RunHistory[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    // describe() reads the run's own record, which is exact; visibility rows can lag.
    const description = await client.workflow.getHandle(workflowId, execution.runId).describe();
    runs.push({
      runId: execution.runId,
      status: description.status.name,
      historyLength: description.historyLength,
      ...(description.historySize === undefined ? {} : { historySizeBytes: description.historySize }),
    });
  }
  return { phone, runs: runs.reverse() };
}
