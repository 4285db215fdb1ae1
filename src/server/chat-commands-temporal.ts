import crypto from 'node:crypto';
import {
  ApplicationFailure,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { agentCommandUpdate, conversationWorkflowId, type AgentCommand } from '../../workflows/messages';
import type { ChatCommandResult, ChatCommands } from './chat-commands';
import { unavailable } from './errors';

// Agents' chat commands as Temporal updates on the conversation workflow: the workflow decides (it is
// the only writer of the conversation) and the update returns only after WhatsApp answered the send.

/**
 * An update waits for a worker; past this the HTTP request answers 503 rather than hang. The command
 * may still be carried out: a retry with the same Idempotency-Key returns its answer instead of
 * doing it twice.
 */
const UPDATE_DEADLINE_MS = 10_000;

/** The server's refusal of an update the workflow never saw, e.g. because its run was ending. */
const UNPROCESSED_UPDATE = 'UnprocessedUpdate';
const RETRY_PAUSE_MS = 100;

function unprocessed(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === UNPROCESSED_UPDATE
  );
}

export function temporalChatCommands(temporal: Client): ChatCommands {
  const run = async (
    contactId: string,
    command: Omit<AgentCommand, 'requestId'>,
    idempotencyKey?: string,
  ): Promise<ChatCommandResult> => {
    // The update id makes a retried request with the same key one update, within a run; the workflow
    // remembers recent keys across runs.
    const requestId = idempotencyKey ? `idem-${contactId}-${idempotencyKey}` : crypto.randomUUID();
    // What the request asked for: the same key with another command or text is refused, not answered
    // with the first request's result as if it had been done.
    const fingerprint = crypto
      .createHash('sha256')
      .update(
        JSON.stringify([command.action, command.message ?? null, command.to?.agentId ?? null, command.content ?? null]),
      )
      .digest('hex')
      .slice(0, 32);
    const deadline = Date.now() + UPDATE_DEADLINE_MS;
    const execute = async () => {
      for (;;) {
        try {
          return await temporal.withDeadline(deadline, () =>
            temporal.workflow.getHandle(conversationWorkflowId(contactId)).executeUpdate(agentCommandUpdate, {
              args: [{ ...command, requestId, fingerprint }],
              updateId: requestId,
            }),
          );
        } catch (err) {
          // An update that reaches a run as it continues as new can be refused unseen by the server
          // (nothing was done): the next run takes it.
          if (!(unprocessed(err) && Date.now() + RETRY_PAUSE_MS < deadline)) throw err;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
      }
    };
    try {
      const result = await execute();
      if (result.fingerprint !== undefined && result.fingerprint !== fingerprint) {
        return {
          ok: false,
          code: 'idempotency_key_reused',
          message: 'This Idempotency-Key was used for another command or message; use a new key',
        };
      }
      if (result.ok)
        return {
          ok: true,
          state: result.state,
          waMessageId: result.waMessageId,
          timestamp: new Date(result.at).toISOString(),
          ...(result.holder !== undefined ? { holder: result.holder } : {}),
        };
      return {
        ok: false,
        code: result.code,
        message: result.message,
        whatsappCode: result.whatsappCode,
        state: result.state,
        holder: result.holder,
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return { ok: false, code: 'conversation_not_found', message: 'No conversation with this number' };
      }
      if (unprocessed(err)) {
        throw unavailable('The conversation did not take the command in time; retry with the same Idempotency-Key');
      }
      // The validator refused the command before it reached the workflow's history.
      if (err instanceof WorkflowUpdateFailedError) return { ok: false, code: 'invalid_message', message: err.message };
      // No worker answered before the deadline, or Temporal itself is unreachable.
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || err instanceof ServiceError) {
        throw unavailable('The conversation did not answer in time; retry with the same Idempotency-Key');
      }
      throw err;
    }
  };
  const command = (
    action: AgentCommand['action'],
    {
      contactId,
      idempotencyKey,
      ...rest
    }: Parameters<ChatCommands['assign']>[0] & { message?: string; content?: AgentCommand['content'] },
  ) => run(contactId, { action, ...rest }, idempotencyKey);
  return {
    start: (input) => command('start', input),
    send: ({ attachment, ...input }) => command('send', { ...input, ...(attachment ? { content: attachment } : {}) }),
    template: ({ template, ...input }) => command('template', { ...input, content: template }),
    end: (input) => command('end', input),
    assign: (input) => command('assign', input),
    unassign: (input) => command('unassign', input),
    claim: (input) => command('claim', input),
    requestContactInfo: ({ request, ...input }) => command('request_contact_info', { ...input, content: request }),
  };
}
