import * as wf from '@temporalio/workflow';
import { Conversation } from './conversation-entity';
import { CARRIED } from './flow/agent';
import {
  agentCommandUpdate,
  checkVersionSignal,
  conversationQuery,
  inboundSignal,
  paymentConfirmedSignal,
  prioritySignal,
  type AgentCommand,
} from './messages';
import { emptySnapshot, readSnapshot, type ConversationSnapshot } from './snapshot';
import { MAX_TEXT_CHARS } from '../domain/whatsapp-limits';

export interface ConversationInput {
  contactId: string;
  /** The state an earlier run handed over (any snapshot version this build reads); absent: restored from Postgres. */
  snapshot?: ConversationSnapshot;
  /** Continue as new after this many history events (tests); otherwise when the server suggests it. */
  maxHistoryEvents?: number;
}

/**
 * One long-lived workflow per contact (a student): the only writer of that conversation. A run is
 * pinned to the Worker Deployment Version (build) it started on, so code changes never meet its
 * history; once a newer version is current it continues as new onto it at its next idle point.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const { contactId } = input;
  const conversation = new Conversation(
    contactId,
    input.snapshot === undefined ? emptySnapshot() : readSnapshot(input.snapshot),
  );

  // Handlers only queue: the loop below handles one item at a time, in arrival order, so events never
  // interleave; a burst that arrives together is handled in one workflow task.
  wf.setHandler(inboundSignal, (message) => conversation.accept(message));
  wf.setHandler(paymentConfirmedSignal, (confirmation) => conversation.confirmPayment(confirmation));
  wf.setHandler(prioritySignal, ({ priority }) => conversation.setPriority(priority));
  wf.setHandler(agentCommandUpdate, (command) => conversation.command(command), { validator: validateCommand });
  wf.setHandler(conversationQuery, () => conversation.view());
  // Only wakes the run (`npm run admin -- drain`): the loop then sees whether its version is still the target.
  wf.setHandler(checkVersionSignal, () => undefined);

  if (input.snapshot === undefined) await conversation.restoreFromPostgres();

  const versionChanged = () => wf.workflowInfo().targetWorkerDeploymentVersionChanged;
  const historyFull = (): boolean =>
    input.maxHistoryEvents !== undefined
      ? wf.workflowInfo().historyLength >= input.maxHistoryEvents
      : wf.workflowInfo().continueAsNewSuggested;
  const shouldMove = () => versionChanged() || historyFull();

  for (;;) {
    // Awaited only when there is something to wait for: each promise costs (Conversation.handleWork says why).
    const waiting = conversation.waitFor(() => conversation.hasWork() || shouldMove());
    if (waiting) await waiting;
    await conversation.handleWork();
    if (!shouldMove()) continue;
    // Drained first: an update that arrived meanwhile waits for the loop, so handle it before moving on.
    await wf.condition(() => wf.allHandlersFinished() || conversation.hasWork());
    if (conversation.hasWork()) continue;
    const next: ConversationInput = { contactId, snapshot: conversation.snapshot() };
    if (input.maxHistoryEvents !== undefined) next.maxHistoryEvents = input.maxHistoryEvents;
    // Onto the current version when it changed; otherwise the next run stays on this one.
    const moveOn = wf.makeContinueAsNewFunc<typeof conversationWorkflow>(
      versionChanged() ? { initialVersioningBehavior: 'AUTO_UPGRADE' } : {},
    );
    await moveOn(next);
  }
}

wf.setWorkflowOptions({ versioningBehavior: 'PINNED' }, conversationWorkflow);

/** Refuses a command before it enters the history: the admin API answers 400 with the message. */
function validateCommand(command: AgentCommand): void {
  if (command.agent.trim() === '') throw new Error('agent name is required');
  if (command.message !== undefined && [...command.message].length > MAX_TEXT_CHARS)
    throw new Error(`message is longer than ${MAX_TEXT_CHARS} characters`);
  if (command.action === 'template' && command.content?.kind !== 'template')
    throw new Error('a template command carries its template');
  if (command.action === 'request_contact_info' && command.content?.kind !== 'contact_request')
    throw new Error('a contact-info request carries its text');
  const carries = CARRIED[command.action];
  if (command.content !== undefined && command.content.kind !== carries)
    throw new Error(`a ${command.action} command carries no ${command.content.kind}`);
}
