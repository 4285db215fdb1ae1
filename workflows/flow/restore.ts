import type { StoredConversation } from '../../domain/types';
import { DEFAULT_PRIORITY } from '../../domain/support-policy';
import { startChatTimers } from './chat';
import { planSla, waitsForOpening } from './sla';
import type { FlowContext, StepResult } from './context';
import { restingName } from './menu';
import { linkFor } from './payment';
import { initialFlowState } from './state';
import { Turn } from './turn';

// A run that starts without an earlier run's state (the first run of a number, or one after an
// operator terminated or reset it) goes on from what Postgres knows: the student's profile and
// subscription, their homework count, an open chat (resumed, its idle timers started afresh) and a
// pending payment (its timer set to what is left of it). Nothing is sent: the student has seen it all.

/** The state to start from; `undefined` (a number never seen) is the initial state. */
export function restore(stored: StoredConversation | undefined, ctx: FlowContext): StepResult {
  const turn = new Turn(initialFlowState(), ctx);
  if (stored === undefined) return turn.result();
  const { state } = turn;
  state.homeworkCount = stored.homeworkCount;
  if (stored.profile) {
    state.profile = stored.profile;
    state.registered = true;
  }
  if (stored.subscriptionActiveUntil !== undefined) state.subscriptionActiveUntil = stored.subscriptionActiveUntil;
  if (stored.expiredPayments?.length) state.expiredPayments = stored.expiredPayments;
  if (stored.campaignOptedOutAt !== undefined) state.campaignOptOut = { since: stored.campaignOptedOutAt };
  turn.moveTo(restingName(state));

  if (stored.pendingPayment) {
    const { reference, amount, createdAt } = stored.pendingPayment;
    state.payment = { reference, amount, link: linkFor(turn, reference) };
    turn.startTimer('payment', Math.max(0, createdAt + turn.settings.timers.paymentTimeoutMs - ctx.now));
  }
  if (stored.priority !== undefined) state.priority = stored.priority;
  if (stored.openChat) {
    const { sessionKey, startedBy, startedAt, agentReplied, availableAt } = stored.openChat;
    // Acknowledged: the student may have had the one acknowledgement already, and never gets two.
    state.chat = { sessionKey, startedBy, startedAt, acknowledged: true, agentReplied };
    turn.moveTo('CHAT_SUPPORT_ACTIVE');
    if (availableAt !== undefined) resumeClocks(turn, stored.openChat, availableAt);
    startChatTimers(turn);
  }
  return turn.result();
}

/**
 * A chat the student asked for goes on waiting for its opening and runs its SLA clocks again, planned
 * from what the session row says (a breach stays a breach; a warning may be recorded only once).
 */
function resumeClocks(turn: Turn, open: NonNullable<StoredConversation['openChat']>, availableAt: number): void {
  const chat = turn.state.chat!;
  chat.availableAt = availableAt;
  if (open.startedBy !== 'user') return;
  chat.sla = {
    priority: turn.state.priority ?? DEFAULT_PRIORITY,
    ...(open.slaFirstResponse === undefined ? {} : { firstResponse: open.slaFirstResponse }),
    ...(open.slaResolution === 'breached' ? { resolution: 'breached' as const } : {}),
    ...(open.escalated === true ? { escalated: true } : {}),
  };
  planSla(turn, chat);
  if (waitsForOpening(chat, turn.ctx.now)) turn.startTimer('chat_available', availableAt - turn.ctx.now);
}
