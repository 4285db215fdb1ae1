import type { BusinessHours } from '../../../domain/business-hours';
import { addBusinessTime, businessTimeBetween } from '../../../domain/business-time';
import { NO_SLA, type SlaPolicy } from '../../../domain/support-policy';
import type { ConversationSettings } from '../../../domain/types';
import type { FlowContext, StepResult } from '../../../workflows/flow/context';
import type { TimerName } from '../../../domain/conversation';
import type { Effect } from '../../../domain/effects';
import type { FlowEvent } from '../../../workflows/flow/events';
import type { FlowState } from '../../../workflows/flow/state';
import { restore } from '../../../workflows/flow/restore';
import { step } from '../../../workflows/flow/step';
import { bodyOf, ctx, effectTypes, REGISTER_EVENTS, sends, settings, drive, text } from './fixtures';

// Business hours and SLA clocks in the pure flow: the away message and the wait for the opening, the
// due instants in business time, warnings, breaches and escalation, the first reply and the close.

const HOURS: BusinessHours = {
  timezone: 'UTC',
  weekly: {
    mon: [['08:00', '17:00']],
    tue: [['08:00', '17:00']],
    wed: [['08:00', '17:00']],
    thu: [['08:00', '17:00']],
    fri: [['08:00', '17:00']],
    sat: [],
    sun: [],
  },
  holidays: [],
};
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Friday 25 December 2026 (a working day in this schedule).
const FRIDAY_1630 = Date.UTC(2026, 11, 25, 16, 30);
const FRIDAY_1800 = Date.UTC(2026, 11, 25, 18, 0);
const MONDAY_0800 = Date.UTC(2026, 11, 28, 8, 0);

const SLA: SlaPolicy = {
  firstResponse: { normal: HOUR, urgent: 20 * MINUTE },
  resolution: { normal: 4 * HOUR },
  warnAt: 0.5,
  escalate: true,
};

const withPolicy = (sla: SlaPolicy = SLA, extra: Partial<ConversationSettings> = {}): ConversationSettings => ({
  ...settings,
  ...extra,
  support: { hours: HOURS, sla },
});

let causes = 0;
const at = (now: number, s: ConversationSettings = withPolicy()): FlowContext => ({
  ...ctx,
  settings: s,
  now,
  cause: `test/${++causes}`,
});

/** A registered student (registered under the same settings) asks for support at `now`. */
function askSupport(now: number, s: ConversationSettings = withPolicy()): StepResult {
  const registered = drive(REGISTER_EVENTS, undefined, at(now, s)).at(-1)!.state;
  return step(registered, text('support'), at(now, s));
}

const fire = (state: FlowState, timer: TimerName): FlowEvent => ({ type: 'timer', timer, token: state.timers[timer]! });
const startOf = (effects: Effect[], timer: TimerName) =>
  effects.find((e): e is Extract<Effect, { type: 'startTimer' }> => e.type === 'startTimer' && e.timer === timer);
const ofType = <T extends Effect['type']>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

describe('a chat asked for outside business hours', () => {
  it('tells the student when agents are back, waits for the opening and is not connected', () => {
    const s = withPolicy(NO_SLA, { autoAssign: { capacity: 3 } });
    const result = askSupport(FRIDAY_1800, s);
    const chat = result.state.chat!;
    expect(chat.availableAt).toBe(MONDAY_0800);
    expect(ofType(result.effects, 'openChat')[0]).toMatchObject({ startedBy: 'user', availableAt: MONDAY_0800 });
    const [away] = sends(result.effects);
    expect(bodyOf(away)).toContain('An agent will be with you on Monday at 08:00 (UTC time)');
    expect(bodyOf(away)).not.toMatch(/connected/);
    // No agent before the opening, and no idle close while waiting for it.
    expect(effectTypes(result.effects)).not.toContain('claimAgent');
    expect(startOf(result.effects, 'chat_available')!.delayMs).toBe(MONDAY_0800 - FRIDAY_1800);
    expect(startOf(result.effects, 'chat_close')!.delayMs).toBe(MONDAY_0800 - FRIDAY_1800 + 30 * MINUTE);

    // What the student writes meanwhile reaches the agent, with no second "we got it".
    const written = step(result.state, text('My homework upload fails'), at(FRIDAY_1800 + MINUTE, s));
    expect(effectTypes(written.effects)).toContain('chatUserMessage');
    expect(sends(written.effects)).toEqual([]);

    // An agent becoming available before the opening takes nothing.
    const early = step(written.state, { type: 'claimAgent' }, at(FRIDAY_1800 + 2 * MINUTE, s));
    expect(early.effects).toEqual([]);

    // At the opening the chat reaches the team: the queue hears of it, automatic assignment is asked.
    const opened = step(written.state, fire(written.state, 'chat_available'), at(MONDAY_0800, s));
    expect(effectTypes(opened.effects)).toEqual(['chatAvailable', 'claimAgent']);
  });

  it('opens at once inside business hours, with the usual connected message', () => {
    const result = askSupport(FRIDAY_1630, withPolicy(NO_SLA));
    expect(result.state.chat!.availableAt).toBe(FRIDAY_1630);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/connected/);
    expect(result.state.timers.chat_available).toBeUndefined();
  });

  it('opens as before when the settings carry no policy (a worker from before business hours)', () => {
    const result = askSupport(FRIDAY_1800, settings);
    expect(result.state.chat).not.toHaveProperty('availableAt');
    expect(ofType(result.effects, 'openChat')[0]).toEqual({
      type: 'openChat',
      sessionKey: result.state.chat!.sessionKey,
      startedBy: 'user',
    });
  });
});

describe('SLA clocks', () => {
  it('plans the due instants in business time across the closed weekend', () => {
    const result = askSupport(FRIDAY_1630);
    const sla = result.state.chat!.sla!;
    const firstDue = addBusinessTime(HOURS, FRIDAY_1630, HOUR)!;
    const resolutionDue = addBusinessTime(HOURS, FRIDAY_1630, 4 * HOUR)!;
    // Half an hour on Friday, the rest on Monday morning.
    expect(firstDue).toBe(Date.UTC(2026, 11, 28, 8, 30));
    expect(sla).toEqual({ priority: 'normal', firstResponseDueAt: firstDue, resolutionDueAt: resolutionDue });
    expect(ofType(result.effects, 'openChat')[0]!.sla).toEqual({
      priority: 'normal',
      firstResponseDueAt: firstDue,
      resolutionDueAt: resolutionDue,
    });
    // The warning at half the target: the end of Friday's hours.
    expect(startOf(result.effects, 'sla_first_response_warning')!.delayMs).toBe(
      Date.UTC(2026, 11, 25, 17, 0) - FRIDAY_1630,
    );
    expect(startOf(result.effects, 'sla_first_response')!.delayMs).toBe(firstDue - FRIDAY_1630);
    expect(startOf(result.effects, 'sla_resolution')!.delayMs).toBe(resolutionDue - FRIDAY_1630);
  });

  it('warns, breaches and escalates once; a late first reply keeps the breach', () => {
    const open = askSupport(FRIDAY_1630).state;
    const due = open.chat!.sla!.firstResponseDueAt!;
    const warned = step(open, fire(open, 'sla_first_response_warning'), at(Date.UTC(2026, 11, 25, 17, 0)));
    expect(ofType(warned.effects, 'slaEvent')).toEqual([
      {
        type: 'slaEvent',
        sessionKey: open.chat!.sessionKey,
        kind: 'first_response_warning',
        priority: 'normal',
        dueAt: due,
        escalate: false,
      },
    ]);
    const breached = step(warned.state, fire(warned.state, 'sla_first_response'), at(due));
    expect(ofType(breached.effects, 'slaEvent')).toEqual([
      expect.objectContaining({ kind: 'first_response_breach', dueAt: due, escalate: true }),
    ]);
    expect(breached.state.chat!.sla).toMatchObject({ firstResponse: 'breached', escalated: true });

    const reply = step(
      breached.state,
      { type: 'agentSend', agent: 'Grace', message: 'Sorry!', agentId: 1 },
      at(due + 5 * MINUTE),
    );
    expect(ofType(reply.effects, 'chatFirstResponse')).toEqual([
      {
        type: 'chatFirstResponse',
        sessionKey: open.chat!.sessionKey,
        businessSeconds: businessTimeBetween(HOURS, FRIDAY_1630, due + 5 * MINUTE) / 1000,
        sla: 'breached',
      },
    ]);
    expect(reply.state.chat!.sla!.firstResponse).toBe('breached');
  });

  it('meets the first response when an agent answers in time, and stops its clock', () => {
    const open = askSupport(FRIDAY_1630).state;
    const reply = step(
      open,
      { type: 'agentSend', agent: 'Grace', message: 'Hi', agentId: 1 },
      at(FRIDAY_1630 + 10 * MINUTE),
    );
    expect(ofType(reply.effects, 'chatFirstResponse')[0]).toMatchObject({ businessSeconds: 600, sla: 'met' });
    expect(reply.state.timers.sla_first_response).toBeUndefined();
    expect(reply.state.timers.sla_first_response_warning).toBeUndefined();
    // A stale firing of the stopped clock records nothing.
    const stale = step(reply.state, fire(open, 'sla_first_response'), at(open.chat!.sla!.firstResponseDueAt!));
    expect(stale.effects).toEqual([]);
    // The second reply is no first response.
    const again = step(
      reply.state,
      { type: 'agentSend', agent: 'Grace', message: 'More', agentId: 1 },
      at(FRIDAY_1630 + 11 * MINUTE),
    );
    expect(ofType(again.effects, 'chatFirstResponse')).toEqual([]);
  });

  it('plans the clocks again when the priority changes, keeping a warning given', () => {
    const open = askSupport(FRIDAY_1630).state;
    const warned = step(open, fire(open, 'sla_first_response_warning'), at(Date.UTC(2026, 11, 25, 17, 0))).state;
    const now = Date.UTC(2026, 11, 25, 17, 30);
    const urgent = step(warned, { type: 'priority', priority: 'urgent' }, at(now));
    const due = addBusinessTime(HOURS, FRIDAY_1630, 20 * MINUTE)!;
    expect(urgent.state.priority).toBe('urgent');
    expect(ofType(urgent.effects, 'chatSla')).toEqual([
      // Urgent has no resolution target here: that clock stops.
      {
        type: 'chatSla',
        sessionKey: open.chat!.sessionKey,
        priority: 'urgent',
        firstResponseDueAt: due,
        resolutionDueAt: null,
      },
    ]);
    // Already past: it breaches at once, with no second warning.
    expect(startOf(urgent.effects, 'sla_first_response')!.delayMs).toBe(0);
    expect(startOf(urgent.effects, 'sla_first_response_warning')).toBeUndefined();
    expect(urgent.state.timers.sla_resolution).toBeUndefined();
  });

  it('records the resolution at the close, met or breached', () => {
    const open = askSupport(FRIDAY_1630).state;
    const closeAt = Date.UTC(2026, 11, 28, 9, 0);
    const closed = step(open, text('end chat'), at(closeAt));
    expect(ofType(closed.effects, 'closeChat')[0]).toMatchObject({
      endedBy: 'user',
      resolutionBusinessSeconds: 90 * 60,
      slaResolution: 'met',
    });
    for (const timer of [
      'sla_first_response',
      'sla_first_response_warning',
      'sla_resolution',
      'sla_resolution_warning',
    ] as const)
      expect(closed.state.timers[timer]).toBeUndefined();

    const due = open.chat!.sla!.resolutionDueAt!;
    const breached = step(open, fire(open, 'sla_resolution'), at(due));
    expect(ofType(breached.effects, 'slaEvent')[0]).toMatchObject({ kind: 'resolution_breach', escalate: true });
    const late = step(breached.state, text('end chat'), at(due + HOUR));
    expect(ofType(late.effects, 'closeChat')[0]).toMatchObject({ slaResolution: 'breached' });
  });

  it('runs no clock for a priority without targets, but still records the business time', () => {
    const open = askSupport(FRIDAY_1630, withPolicy(NO_SLA)).state;
    expect(open.chat!.sla).toEqual({ priority: 'normal' });
    const reply = step(
      open,
      { type: 'agentSend', agent: 'Grace', message: 'Hi', agentId: 1 },
      at(FRIDAY_1800, withPolicy(NO_SLA)),
    );
    // Only the open half hour of Friday counts.
    expect(ofType(reply.effects, 'chatFirstResponse')).toEqual([
      { type: 'chatFirstResponse', sessionKey: open.chat!.sessionKey, businessSeconds: 1800 },
    ]);
  });
});

describe('a chat an agent opens', () => {
  it('runs no clock but carries the conversation priority, and follows its changes', () => {
    const registered = drive(REGISTER_EVENTS, undefined, at(FRIDAY_1630)).at(-1)!.state;
    const urgent = step(registered, { type: 'priority', priority: 'urgent' }, at(FRIDAY_1630));
    expect(urgent.effects).toEqual([]);
    const opened = step(urgent.state, { type: 'agentStart', agent: 'Grace', agentId: 1 }, at(FRIDAY_1800));
    const sessionKey = opened.state.chat!.sessionKey;
    expect(ofType(opened.effects, 'openChat')).toEqual([
      {
        type: 'openChat',
        sessionKey,
        startedBy: 'Grace',
        sla: { priority: 'urgent', firstResponseDueAt: null, resolutionDueAt: null },
      },
    ]);
    expect(Object.keys(opened.state.timers).filter((t) => t.startsWith('sla_'))).toEqual([]);
    const low = step(opened.state, { type: 'priority', priority: 'low' }, at(FRIDAY_1800 + MINUTE));
    expect(low.effects).toEqual([
      { type: 'chatSla', sessionKey, priority: 'low', firstResponseDueAt: null, resolutionDueAt: null },
    ]);
  });
});

describe('a run restored from Postgres', () => {
  it('goes on waiting for the opening and runs the clocks again, a breach staying a breach', () => {
    const openChat = {
      sessionKey: 'chat-restored-1',
      startedBy: 'user',
      startedAt: FRIDAY_1800,
      agentReplied: false,
      availableAt: MONDAY_0800,
      slaFirstResponse: 'breached' as const,
      escalated: true,
    };
    const now = FRIDAY_1800 + HOUR;
    const { state, effects } = restore({ homeworkCount: 0, openChat, priority: 'urgent' }, at(now));
    expect(state.priority).toBe('urgent');
    expect(state.chat).toMatchObject({
      availableAt: MONDAY_0800,
      sla: { priority: 'urgent', firstResponse: 'breached', escalated: true },
    });
    // The breached clock does not run again; the chat still joins the queue at the opening.
    expect(state.timers.sla_first_response).toBeUndefined();
    expect(startOf(effects, 'chat_available')!.delayMs).toBe(MONDAY_0800 - now);
    expect(startOf(effects, 'chat_close')!.delayMs).toBe(MONDAY_0800 - now + 30 * MINUTE);
  });

  it('plans a running clock from the stored availability', () => {
    const openChat = {
      sessionKey: 'chat-restored-2',
      startedBy: 'user',
      startedAt: FRIDAY_1630,
      agentReplied: false,
      availableAt: FRIDAY_1630,
    };
    const now = FRIDAY_1630 + 10 * MINUTE;
    const { state, effects } = restore({ homeworkCount: 0, openChat }, at(now));
    const due = addBusinessTime(HOURS, FRIDAY_1630, HOUR)!;
    expect(state.chat!.sla).toMatchObject({ priority: 'normal', firstResponseDueAt: due });
    expect(startOf(effects, 'sla_first_response')!.delayMs).toBe(due - now);
  });
});
