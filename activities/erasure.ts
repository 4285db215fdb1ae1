import { WorkflowNotFoundError } from '@temporalio/client';
import { getClient, heartbeat, log, sleep } from '@temporalio/activity';
import { contactsToErase, eraseContacts, recordErasure, type Erasure, type ErasureRequester } from '../src/db/erase';
import type { Db } from '../src/db/pool';
import { GrpcStatus, grpcCode } from '../src/temporal/grpc-status';
import { conversationWorkflowId } from '../workflows/messages';

// The steps of eraseContactWorkflow (workflows/erase-contact.ts). Each is idempotent: Temporal retries
// any of them after a crash, and a repeated step finds its work done. Temporal is reached through the
// worker's own client (its connection, namespace and payload codec).

// How long deleteConversationRuns waits for Temporal to report the runs gone before it fails (and is retried).
const GONE_WAIT_ROUNDS = 120;
const GONE_POLL_MS = 500;

/** Temporal's "no such workflow" (an unknown id, or a run already closed for terminate). */
function notFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND;
}

export interface ErasureInput {
  contactIds: string[];
}

export interface RecordErasureInput {
  contactId: string;
  requestedBy: ErasureRequester;
  /** The erasure's workflow and run: a retried write of its audit row adds nothing. */
  erasureId: string;
  erasure: Erasure;
  runsDeleted: number;
}

/** The steps eraseContactWorkflow proxies. */
export interface ErasureActivities {
  findContactsToErase(input: { contactId: string }): Promise<string[]>;
  terminateConversations(input: ErasureInput): Promise<number>;
  eraseContactRows(input: ErasureInput): Promise<Erasure>;
  deleteConversationRuns(input: ErasureInput): Promise<number>;
  recordContactErasure(input: RecordErasureInput): Promise<void>;
}

export function createErasureActivities(db: Db): ErasureActivities {
  return {
    /** The contact and the contacts merged into it: all of them are the student's. */
    findContactsToErase: async (input: { contactId: string }): Promise<string[]> => {
      return contactsToErase(db, input.contactId);
    },

    /** Ends each contact's running conversation, if one runs. */
    terminateConversations: async (input: ErasureInput): Promise<number> => {
      const client = getClient();
      let terminated = 0;
      for (const contactId of input.contactIds) {
        try {
          await client.workflow.getHandle(conversationWorkflowId(contactId)).terminate('contact erased');
          terminated++;
        } catch (err) {
          if (!notFound(err)) throw err;
        }
      }
      return terminated;
    },

    /** Deletes every row about the contacts and anonymises their payments, in one transaction. */
    eraseContactRows: async (input: ErasureInput): Promise<Erasure> => {
      return eraseContacts(db, input.contactIds);
    },

    /**
     * Deletes every run of each contact's conversation workflow, closed ones included, and returns once
     * Temporal reports none (describe: not found; visibility: no run). Deletion is asynchronous in
     * Temporal, so this polls, heartbeating; a run Temporal has not removed in time fails the attempt,
     * and Temporal retries it.
     */
    deleteConversationRuns: async (input: ErasureInput): Promise<number> => {
      const client = getClient();
      const namespace = client.options.namespace;
      const deleted = new Set<string>();
      for (const contactId of input.contactIds) {
        const workflowId = conversationWorkflowId(contactId);
        for (let round = 0; ; round++) {
          const runs: string[] = [];
          for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
            runs.push(execution.runId);
          let latest: string | undefined;
          try {
            latest = (await client.workflow.getHandle(workflowId).describe()).runId;
          } catch (err) {
            if (!notFound(err)) throw err;
          }
          if (runs.length === 0 && latest === undefined) break;
          if (round >= GONE_WAIT_ROUNDS) throw new Error(`Temporal still holds ${runs.length} run(s) of ${workflowId}`);
          for (const runId of new Set([...runs, ...(latest === undefined ? [] : [latest])])) {
            try {
              await client.workflowService.deleteWorkflowExecution({
                namespace,
                workflowExecution: { workflowId, runId },
              });
            } catch (err) {
              // Gone between the listing and now: what this step wants.
              if (!notFound(err)) throw err;
            }
            deleted.add(`${workflowId}/${runId}`);
          }
          heartbeat({ contactId, round });
          await sleep(GONE_POLL_MS);
        }
      }
      log.info('conversation runs deleted', { contacts: input.contactIds.length, runs: deleted.size });
      return deleted.size;
    },

    /** The erasure's audit row; written once whatever the retries. */
    recordContactErasure: async (input: RecordErasureInput): Promise<void> => {
      await recordErasure(db, input);
    },
  };
}
