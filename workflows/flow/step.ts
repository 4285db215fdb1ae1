import type { InboundMessage } from '../../domain/types';
import { agentRequestContactInfo } from './agent';
import {
  agentEnd,
  agentSend,
  agentStart,
  agentTemplate,
  handleChatInbound,
  onChatAvailable,
  onChatClose,
  onChatReminder,
} from './chat';
import type { FlowContext, Rejection, StepResult } from './context';
import type { FlowEvent } from './events';
import { assign, holderClaimed, requestAgent, unassign } from './holder';
import { handleHomework } from './homework';
import { isLeaveText, readInput, type Input } from './intents';
import { awaitsUser, isSubFlow, leaveFlow, leaveWithNote } from './menu';
import { handleOptOut } from './opt-out';
import { handlePaymentPending, onPaymentConfirmed, onPaymentTimeout } from './payment';
import { handleRating } from './rating';
import { handleRegistration } from './registration';
import { onPriority, onSlaTimer, waitsForOpening } from './sla';
import { handleResting } from './resting';
import type { StateName, TimerName } from '../../domain/conversation';
import type { FlowState } from './state';
import { NOTES } from './texts';
import { StepWork } from './step-work';

// The whole conversational behaviour as one pure function: (state, event, context) → (state, effects).
// No I/O, no clock, no randomness: the workflow passes the time in and carries the effects out, so
// this replays deterministically and is tested without Temporal.

/** Handles one event. Never throws for any state the flow produced and any event; see StepResult for rejections. */
export function step(state: FlowState, event: FlowEvent, ctx: FlowContext): StepResult {
  switch (event.type) {
    case 'inbound':
      return inbound(state, event.message, ctx);
    case 'timer':
      return timer(state, event.timer, event.token, ctx);
    case 'paymentConfirmed': {
      const work = new StepWork(state, ctx);
      return onPaymentConfirmed(work, event.reference) ? settle(work, state, false) : unchanged(state);
    }
    case 'agentStart':
      return agentAction(state, ctx, (work) => agentStart(work, event.agent, event.message, event));
    case 'agentSend':
      return agentAction(state, ctx, (work) => agentSend(work, event.agent, event.message, event, event.attachment));
    case 'agentTemplate':
      return agentAction(state, ctx, (work) => agentTemplate(work, event.agent, event.template, event));
    case 'agentEnd':
      return agentAction(state, ctx, (work) => agentEnd(work, event.agent, event.message, event));
    case 'agentRequestContactInfo':
      return agentAction(state, ctx, (work) => agentRequestContactInfo(work, event.agent, event.request, event));
    case 'assign':
      return agentAction(state, ctx, (work) => assign(work, event, event.agent, event.to));
    case 'unassign':
      return agentAction(state, ctx, (work) => unassign(work, event, event.agent));
    case 'claimAgent':
      return agentAction(state, ctx, (work) => {
        if (work.state.chat === undefined) return { code: 'not_in_chat_support', message: 'No chat is open.' };
        // Not before the opening a chat asked for outside business hours waits for.
        if (!waitsForOpening(work.state.chat, ctx.now)) requestAgent(work);
        return undefined;
      });
    case 'holderClaimed': {
      const work = new StepWork(state, ctx);
      holderClaimed(work, event.sessionKey, event.holder);
      return work.result();
    }
    case 'priority': {
      const work = new StepWork(state, ctx);
      work.state.priority = event.priority;
      onPriority(work);
      return settle(work, state, false);
    }
    default:
      // An event type this version does not know (a newer sender, an old history): nothing happens.
      return unchanged(state);
  }
}

const unchanged = (state: FlowState): StepResult => ({ state, effects: [] });

type SubFlowHandler = (work: StepWork, input: Input) => boolean;

function subFlowHandler(name: StateName): SubFlowHandler {
  if (name === 'PAYMENT_PENDING') return handlePaymentPending;
  if (name.startsWith('HOMEWORK_')) return handleHomework;
  return handleRegistration;
}

const isLeave = (input: Input): boolean =>
  (input.kind === 'tap' && input.tap.kind === 'intent' && input.tap.intent === 'main_menu') ||
  (input.kind === 'text' && isLeaveText(input.norm));

function inbound(state: FlowState, message: InboundMessage, ctx: FlowContext): StepResult {
  const input = readInput(message.content);
  // A reaction is a feeling about one of our messages, not a request: stored by the workflow, not answered.
  // In a chat it still reaches the agent.
  if (input.kind === 'reaction' && state.name !== 'CHAT_SUPPORT_ACTIVE') return unchanged(state);
  const work = new StepWork(state, ctx);
  if (input.kind !== 'reaction' && handleRating(work, input)) return settle(work, state, true);

  const { name } = work.state;
  if (name !== 'CHAT_SUPPORT_ACTIVE' && handleOptOut(work, input)) return settle(work, state, true);
  if (name === 'CHAT_SUPPORT_ACTIVE') {
    handleChatInbound(work, input);
  } else if (isSubFlow(name)) {
    if (isLeave(input)) leaveWithNote(work, NOTES.cancelled);
    else if (!subFlowHandler(name)(work, input)) {
      // A command from inside a flow (a tap, or a typed intent where text is not data): leave, then obey it.
      leaveFlow(work);
      handleResting(work, input);
    }
  } else {
    handleResting(work, input);
  }
  return settle(work, state, true);
}

function timer(state: FlowState, name: TimerName, token: string, ctx: FlowContext): StepResult {
  // Only the firing of a timer's latest start counts; any other is a leftover of a restart or a cancel.
  if (state.timers[name] === undefined || state.timers[name] !== token) return unchanged(state);
  const work = new StepWork(state, ctx);
  delete work.state.timers[name];
  switch (name) {
    case 'flow_idle':
      if (awaitsUser(work.state)) leaveWithNote(work, NOTES.flowTimedOut);
      break;
    case 'payment':
      onPaymentTimeout(work);
      break;
    case 'chat_reminder':
      onChatReminder(work);
      break;
    case 'chat_close':
      onChatClose(work);
      break;
    case 'chat_available':
      onChatAvailable(work);
      break;
    case 'sla_first_response_warning':
    case 'sla_first_response':
    case 'sla_resolution_warning':
    case 'sla_resolution':
      onSlaTimer(work, name);
      break;
  }
  return settle(work, state, false);
}

function agentAction(state: FlowState, ctx: FlowContext, act: (work: StepWork) => Rejection | undefined): StepResult {
  const work = new StepWork(state, ctx);
  const rejection = act(work);
  // A refused action leaves no trace: the caller's state object and no effects.
  if (rejection !== undefined) return { state, effects: [], rejection };
  return settle(work, state, false);
}

/**
 * Keeps the sub-flow idle timer in line with where the user ended up: (re)started on every message
 * inside a sub-flow and on entering one, cancelled on leaving. Timer-driven and agent-driven steps that
 * stay inside the same sub-flow leave it running, since the user has not done anything.
 */
function settle(work: StepWork, original: FlowState, userActivity: boolean): StepResult {
  const { state } = work;
  if (awaitsUser(state)) {
    if (userActivity || original.name !== state.name || state.timers.flow_idle === undefined) {
      work.startTimer('flow_idle', work.settings.timers.flowIdleTimeoutMs);
    }
  } else {
    work.cancelTimer('flow_idle');
  }
  return work.result();
}
