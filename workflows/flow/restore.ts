import type { StoredConversation } from '../../domain/types';
import { DEFAULT_PRIORITY } from '../../domain/support-policy';
import { startChatTimers } from './chat';
import { planSla, waitsForOpening } from './sla';
import type { FlowContext, StepResult } from './context';
import { restingName } from './menu';
import { linkFor } from './payment';
import { initialFlowState } from './state';
import { StepWork } from './step-work';

// A run that starts without an earlier run's state (the first run of a number, or one after an
// operator terminated or reset it) goes on from what Postgres knows: the student's profile and
// subscription, their homework count, an open chat (resumed, its idle timers started afresh) and a
// pending payment (its timer set to what is left of it). Nothing is sent: the student has seen it all.

/** The state to start from; `undefined` (a number never seen) is the initial state. */
export function restore(stored: StoredConversation | undefined, ctx: FlowContext): StepResult {
  const work = new StepWork(initialFlowState(), ctx);
  if (stored === undefined) return work.result();
  const { state } = work;
  state.homeworkCount = stored.homeworkCount;
  if (stored.profile) {
    state.profile = stored.profile;
    state.registered = true;
  }
  if (stored.subscriptionActiveUntil !== undefined) state.subscriptionActiveUntil = stored.subscriptionActiveUntil;
  if (stored.expiredPayments?.length) state.expiredPayments = stored.expiredPayments;
  if (stored.campaignOptedOutAt !== undefined) state.campaignOptOut = { since: stored.campaignOptedOutAt };
  work.moveTo(restingName(state));

  if (stored.pendingPayment) {
    const { reference, amount, createdAt } = stored.pendingPayment;
    state.payment = { reference, amount, link: linkFor(work, reference) };
    work.startTimer('payment', Math.max(0, createdAt + work.settings.timers.paymentTimeoutMs - ctx.now));
  }
  if (stored.priority !== undefined) state.priority = stored.priority;
  if (stored.openChat) {
    const { sessionKey, startedBy, startedAt, agentReplied, availableAt } = stored.openChat;
    // Acknowledged: the student may have had the one acknowledgement already, and never gets two.
    state.chat = { sessionKey, startedBy, startedAt, acknowledged: true, agentReplied };
    work.moveTo('CHAT_SUPPORT_ACTIVE');
    if (availableAt !== undefined) resumeClocks(work, stored.openChat, availableAt);
    startChatTimers(work);
  }
  return work.result();
}

/**
 * A chat the student asked for goes on waiting for its opening and runs its SLA clocks again, planned
 * from what the session row says (a breach stays a breach; a warning may be recorded only once).
 */
function resumeClocks(work: StepWork, open: NonNullable<StoredConversation['openChat']>, availableAt: number): void {
  const chat = work.state.chat!;
  chat.availableAt = availableAt;
  if (open.startedBy !== 'user') return;
  chat.sla = {
    priority: work.state.priority ?? DEFAULT_PRIORITY,
    ...(open.slaFirstResponse === undefined ? {} : { firstResponse: open.slaFirstResponse }),
    ...(open.slaResolution === 'breached' ? { resolution: 'breached' as const } : {}),
    ...(open.escalated === true ? { escalated: true } : {}),
  };
  planSla(work, chat);
  if (waitsForOpening(chat, work.ctx.now)) work.startTimer('chat_available', availableAt - work.ctx.now);
}
