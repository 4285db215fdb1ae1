import type { Client } from '@temporalio/client';
import pg from 'pg';
import { conversationWorkflowId } from '../../workflows/messages';

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

/**
 * The workflow of the contact the product resolved a bench phone number to (the webhook made it on the
 * number's first message), or undefined when it never saw the number.
 */
export async function workflowIdOfPhone(
  db: Pick<pg.Client, 'query'> | string,
  phone: string,
): Promise<string | undefined> {
  if (typeof db === 'string') {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      return await workflowIdOfPhone(client, phone);
    } finally {
      await client.end();
    }
  }
  const { rows } = await db.query<{ contact_id: string }>(
    `select contact_id from contact_identities where kind = 'phone' and value = $1`,
    [phone],
  );
  return rows[0] === undefined ? undefined : conversationWorkflowId(rows[0].contact_id);
}

export async function longLivedHistory(
  client: Client,
  databaseUrl: string,
  phone: string,
): Promise<{ phone: string; runs: RunHistory[] }> {
  const workflowId = await workflowIdOfPhone(databaseUrl, phone);
  if (workflowId === undefined) return { phone, runs: [] };
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
