import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ErasureRequester } from '../db/erase';
import { GrpcStatus, grpcCode } from './grpc-status';
import {
  eraseContactWorkflowId,
  type EraseContactInput,
  type EraseContactResult,
  type eraseContactWorkflow,
} from '../../workflows/erase-contact';

// Asking for a student's erasure (the admin route and `npm run admin -- erase`): starts the durable
// erasure, or joins the one already running or done for that contact, and waits a while for its end.

export type ErasureOutcome = { done: true; result: EraseContactResult } | { done: false; workflowId: string };

function notFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND;
}

/** Starts the contact's erasure (a second request joins the first) and waits up to `waitMs` for it. */
export async function requestErasure(
  client: Client,
  taskQueue: string,
  contactId: string,
  requestedBy: ErasureRequester,
  waitMs: number,
): Promise<ErasureOutcome> {
  const workflowId = eraseContactWorkflowId(contactId);
  const input: EraseContactInput = { contactId, requestedBy };
  try {
    await client.workflow.start<typeof eraseContactWorkflow>('eraseContactWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      // Running: this request joins it. Done: the erasure has happened (joined below). Failed or
      // terminated by an operator: a new request starts it again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return awaitErasure(client, workflowId, waitMs);
}

/**
 * Whether Temporal knows an erasure of this contact (running, done, or stopped half way): asked for a
 * contact no longer in Postgres, to tell an erased one (whose erasure a new request joins, or resumes)
 * from one that never existed, or whose erasure's record has expired with the namespace's retention.
 */
export async function erasureKnown(client: Client, contactId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(eraseContactWorkflowId(contactId)).describe();
    return true;
  } catch (err) {
    if (notFound(err)) return false;
    throw err;
  }
}

async function awaitErasure(client: Client, workflowId: string, waitMs: number): Promise<ErasureOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const result = await client.withAbortSignal(abort.signal, () =>
      client.workflow.getHandle<typeof eraseContactWorkflow>(workflowId).result(),
    );
    return { done: true, result };
  } catch (err) {
    if (abort.signal.aborted) return { done: false, workflowId };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
