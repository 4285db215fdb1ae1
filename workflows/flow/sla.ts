import { ALWAYS_OPEN } from '../../domain/business-hours';
import { addBusinessTime, businessTimeBetween, nextOpening } from '../../domain/business-time';
import {
  DEFAULT_PRIORITY,
  NO_SLA,
  type SlaEventKind,
  type SlaKind,
  type SupportPolicy,
} from '../../domain/support-policy';
import type { TimerName } from '../../domain/conversation';
import type { SlaDue } from '../../domain/effects';
import type { ChatSla, FlowState } from './state';
import type { StepWork } from './step-work';

// Business hours and SLA clocks of a chat (SPEC §7.6), pure like the rest of the flow. A chat the
// student asks for reaches the team at once inside business hours, or at the next opening; its
// first-response and resolution clocks count business time from then. The due instants are computed
// once (at the opening of the chat, or when its priority changes) and kept in the state: a later build
// with other time zone rules never moves a deadline already promised. Each instant is a flow timer,
// served by the workflow's one alarm like every other.

type Chat = NonNullable<FlowState['chat']>;

/** The policy the flow works with: always open and no SLA when the worker handed none over. */
export function policyOf(work: StepWork): SupportPolicy {
  return work.settings.support ?? { hours: ALWAYS_OPEN, sla: NO_SLA };
}

/**
 * When a chat asked for now reaches the team: now inside business hours, else the next opening (now if
 * none is known). Undefined when the settings carry no policy (a worker from before business hours):
 * the chat then opens as it did, with no clocks and nothing recorded of them.
 */
export function availableFrom(work: StepWork): number | undefined {
  const { now } = work.ctx;
  if (work.settings.support === undefined) return undefined;
  return nextOpening(work.settings.support.hours, now) ?? now;
}

/** Whether the chat still waits for the opening. */
export function waitsForOpening(chat: Chat, now: number): boolean {
  return chat.availableAt !== undefined && chat.availableAt > now;
}

const CLOCKS: Record<
  SlaKind,
  { warning: TimerName; breach: TimerName; due: 'firstResponseDueAt' | 'resolutionDueAt' }
> = {
  first_response: { warning: 'sla_first_response_warning', breach: 'sla_first_response', due: 'firstResponseDueAt' },
  resolution: { warning: 'sla_resolution_warning', breach: 'sla_resolution', due: 'resolutionDueAt' },
};

/** Whether a clock still runs: not breached, and for the first response, not answered. */
function running(chat: Chat, sla: ChatSla, kind: SlaKind): boolean {
  if (kind === 'resolution') return sla.resolution === undefined;
  return sla.firstResponse === undefined && chat.agentReplied !== true;
}

/**
 * (Re)plans the clocks of a chat the student asked for, for the conversation's priority: the due
 * instants from the chat's availability in business time, a warning at the policy's share of each
 * target. A clock breached or answered stays so; a warning given is not given again.
 */
export function planSla(work: StepWork, chat: Chat): SlaDue {
  const { hours, sla: policy } = policyOf(work);
  const priority = work.state.priority ?? DEFAULT_PRIORITY;
  const from = chat.availableAt ?? chat.startedAt;
  const before = chat.sla;
  const sla: ChatSla = {
    priority,
    ...(before?.firstResponse ? { firstResponse: before.firstResponse } : {}),
    ...(before?.resolution ? { resolution: before.resolution } : {}),
    ...(before?.warned?.length ? { warned: before.warned } : {}),
    ...(before?.escalated ? { escalated: true } : {}),
  };
  for (const kind of ['first_response', 'resolution'] as const) {
    const clock = CLOCKS[kind];
    const target = (kind === 'first_response' ? policy.firstResponse : policy.resolution)[priority];
    // A breached clock keeps the instant it breached at; an answered first response needs none.
    const kept = before?.[clock.due];
    const dueAt = target === undefined ? undefined : addBusinessTime(hours, from, target);
    if (!running(chat, sla, kind) || dueAt === undefined) {
      work.cancelTimer(clock.warning);
      work.cancelTimer(clock.breach);
      if (!running(chat, sla, kind) && kept !== undefined) sla[clock.due] = kept;
      continue;
    }
    sla[clock.due] = dueAt;
    const warnAt = addBusinessTime(hours, from, Math.round(target! * policy.warnAt));
    if (warnAt !== undefined && !sla.warned?.includes(kind)) work.startTimer(clock.warning, delay(work, warnAt));
    else work.cancelTimer(clock.warning);
    work.startTimer(clock.breach, delay(work, dueAt));
  }
  chat.sla = sla;
  return { priority, firstResponseDueAt: sla.firstResponseDueAt ?? null, resolutionDueAt: sla.resolutionDueAt ?? null };
}

const delay = (work: StepWork, at: number): number => Math.max(0, at - work.ctx.now);

/** A chat an agent opened: no clock, only the conversation's priority, for the session row. */
export function agentChatSla(work: StepWork, chat: Chat): SlaDue {
  const priority = work.state.priority ?? DEFAULT_PRIORITY;
  chat.sla = { priority };
  return { priority, firstResponseDueAt: null, resolutionDueAt: null };
}

/** Stops every SLA clock of the chat (it ended). */
export function stopSla(work: StepWork): void {
  for (const { warning, breach } of Object.values(CLOCKS)) {
    work.cancelTimer(warning);
    work.cancelTimer(breach);
  }
}

/** The chat's priority changed: its clocks are planned again and the session row told. */
export function onPriority(work: StepWork): void {
  const chat = work.state.chat;
  if (chat === undefined || chat.sla === undefined) return;
  const due = chat.startedBy === 'user' ? planSla(work, chat) : agentChatSla(work, chat);
  work.emit({ type: 'chatSla', sessionKey: chat.sessionKey, ...due });
}

/** An SLA timer fired: a warning, or a breach (escalated when the policy says so). */
export function onSlaTimer(work: StepWork, timer: TimerName): void {
  const chat = work.state.chat;
  const sla = chat?.sla;
  if (chat === undefined || sla === undefined) return;
  const kind: SlaKind =
    timer === 'sla_first_response' || timer === 'sla_first_response_warning' ? 'first_response' : 'resolution';
  if (!running(chat, sla, kind)) return;
  const dueAt = sla[CLOCKS[kind].due];
  if (dueAt === undefined) return;
  const breach = timer === CLOCKS[kind].breach;
  const escalate = breach && policyOf(work).sla.escalate && sla.escalated !== true;
  if (breach) {
    if (kind === 'first_response') sla.firstResponse = 'breached';
    else sla.resolution = 'breached';
    work.cancelTimer(CLOCKS[kind].warning);
    if (escalate) sla.escalated = true;
  } else {
    sla.warned = [...(sla.warned ?? []), kind];
  }
  const event: SlaEventKind = `${kind}_${breach ? 'breach' : 'warning'}`;
  work.emit({ type: 'slaEvent', sessionKey: chat.sessionKey, kind: event, priority: sla.priority, dueAt, escalate });
}

/** Business seconds of the chat from its availability until now. */
function businessSecondsSince(work: StepWork, chat: Chat): number {
  const from = chat.availableAt ?? chat.startedAt;
  return businessTimeBetween(policyOf(work).hours, from, work.ctx.now) / 1000;
}

/**
 * The first agent reply in a chat the student asked for: its business time is recorded, and its clock
 * (if one ran) is met unless it breached already. Call before marking the chat replied.
 */
export function noteFirstResponse(work: StepWork, chat: Chat): void {
  if (chat.agentReplied === true || chat.startedBy !== 'user' || chat.availableAt === undefined) return;
  const sla = chat.sla;
  const outcome = sla?.firstResponseDueAt === undefined ? undefined : (sla.firstResponse ?? 'met');
  if (sla !== undefined && outcome !== undefined) sla.firstResponse = outcome;
  work.cancelTimer(CLOCKS.first_response.warning);
  work.cancelTimer(CLOCKS.first_response.breach);
  work.emit({
    type: 'chatFirstResponse',
    sessionKey: chat.sessionKey,
    businessSeconds: businessSecondsSince(work, chat),
    ...(outcome === undefined ? {} : { sla: outcome }),
  });
}

/** What the closing of the chat records: its business time, and the resolution clock's outcome when one ran. */
export function closingFigures(
  work: StepWork,
  chat: Chat,
): { resolutionBusinessSeconds?: number; slaResolution?: 'met' | 'breached' } {
  stopSla(work);
  work.cancelTimer('chat_available');
  if (chat.availableAt === undefined && work.settings.support === undefined) return {};
  const sla = chat.sla;
  const outcome = sla?.resolutionDueAt === undefined ? undefined : (sla.resolution ?? 'met');
  return {
    resolutionBusinessSeconds: businessSecondsSince(work, chat),
    ...(outcome === undefined ? {} : { slaResolution: outcome }),
  };
}
