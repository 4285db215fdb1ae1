import * as wf from '@temporalio/workflow';
import type { ErasureActivities } from '../activities';
import type { ErasedRows, ErasureRequester } from '../src/db/erase';

// Erasing a student (SPEC §12), durably: each step is an idempotent activity that Temporal retries
// until it succeeds, so a crash of the worker, Postgres or Temporal's frontend at any point resumes
// the erasure where it stopped. One workflow id per contact: a second request joins the first.

export const ERASE_WORKFLOW_ID_PREFIX = 'erase-contact-';

export function eraseContactWorkflowId(contactId: string): string {
  return `${ERASE_WORKFLOW_ID_PREFIX}${contactId}`;
}

export interface EraseContactInput {
  contactId: string;
  requestedBy: ErasureRequester;
}

export interface EraseContactResult {
  /** The contacts erased: the one asked for, then any merged into it. */
  contactIds: string[];
  rows: ErasedRows;
  /** Runs of their conversation workflows deleted from Temporal. */
  temporalRunsDeleted: number;
}

// No attempt limit: an outage is waited out. The steps only ever delete, so repeating one is harmless.
const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 };

const steps = wf.proxyActivities<ErasureActivities>({ startToCloseTimeout: '2 minutes', retry });
const deletion = wf.proxyActivities<ErasureActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
});

export async function eraseContactWorkflow(input: EraseContactInput): Promise<EraseContactResult> {
  const contactIds = await steps.findContactsToErase({ contactId: input.contactId });
  // Stopped first, so the conversation writes nothing more while its rows go.
  await steps.terminateConversations({ contactIds });
  const erasure = await steps.eraseContactRows({ contactIds });
  const temporalRunsDeleted = await deletion.deleteConversationRuns({ contactIds });
  // Once more: a webhook that resolved the contact just before the rows went may have started a run
  // that stored its message before that run was deleted. Nothing can reach the contact after this.
  const swept = await steps.eraseContactRows({ contactIds });
  const rows = { ...erasure.rows };
  for (const [table, count] of Object.entries(swept.rows)) rows[table] = (rows[table] ?? 0) + count;
  const { workflowId, runId } = wf.workflowInfo();
  await steps.recordContactErasure({
    contactId: input.contactId,
    requestedBy: input.requestedBy,
    erasureId: `${workflowId}/${runId}`,
    erasure: { contactIds, rows },
    runsDeleted: temporalRunsDeleted,
  });
  return { contactIds, rows, temporalRunsDeleted };
}

// Short-lived: a run moves to the current build at its next task instead of pinning an old one.
wf.setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, eraseContactWorkflow);
