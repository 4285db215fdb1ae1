import type { FlowEvent } from '../../../workflows/flow/events';
import { restore } from '../../../workflows/flow/restore';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import { bodyOf, ctx, drive, inbound, NOW, sends, states, text } from './fixtures';

// Campaign opt-out (SPEC §13): STOP or unsubscribe, exactly, in every state but a chat; START undoes it.

const optOutEffects = (events: FlowEvent[], start: FlowState) =>
  drive(events, start).map((r) => r.effects.filter((e) => e.type === 'campaignOptOut'));

describe('STOP', () => {
  it.each([
    ['INITIAL', states.initial, 'STOP'],
    ['IDLE', states.idle, 'stop'],
    ['REGISTERED', states.registered, '  Unsubscribe. '],
    ['HOMEWORK_SUBMITTED', states.homeworkSubmitted, 'STOP!'],
    ['PAYMENT_PENDING', states.paymentLinkSent, 'unsubscribe'],
  ] as const)('in %s: stored from now on, told what stops and that START undoes it', (_name, make, said) => {
    const before = make();
    const result = step(before, text(said), ctx);
    expect(result.state.campaignOptOut).toEqual({ since: NOW });
    expect(result.state.name).toBe(before.name);
    expect(result.effects).toContainEqual({ type: 'campaignOptOut', optedOut: true, at: NOW });
    const replies = sends(result.effects);
    expect(replies).toHaveLength(1);
    expect(bodyOf(replies[0])).toMatch(/no more announcements or reminders \(campaign messages\)/);
    expect(bodyOf(replies[0])).toContain('Send START');
  });

  it('keeps a step in progress where it was: "stop" is no name, and the next message goes on with it', () => {
    const [stopped, named] = drive([text('Stop'), text('Ada Lovelace')], states.registeringName());
    expect(stopped!.state.name).toBe('REGISTERING_NAME');
    expect(stopped!.state.campaignOptOut).toEqual({ since: NOW });
    expect(named!.state.name).toBe('REGISTERING_EMAIL');
    expect(named!.state.draft?.fullName).toBe('Ada Lovelace');
  });

  it('keeps the time of the first STOP when it comes again', () => {
    const first = step(states.registered(), text('STOP'), ctx).state;
    const later = NOW + 3_600_000;
    const again = step(first, text('stop'), { ...ctx, now: later, cause: 'in/wamid.again' });
    expect(again.state.campaignOptOut).toEqual({ since: NOW });
    expect(again.effects).toContainEqual({ type: 'campaignOptOut', optedOut: true, at: NOW });
  });

  it.each(['stop sending me homework reminders', 'please unsubscribe me', 'stopwatch', 'STOP CHAT'])(
    'is not "%s": only the whole message counts',
    (said) => {
      const result = step(states.registered(), text(said), ctx);
      expect(result.state.campaignOptOut).toBeUndefined();
      expect(result.effects.some((e) => e.type === 'campaignOptOut')).toBe(false);
    },
  );

  it('in a chat reaches the agent and opts out of nothing', () => {
    const open = states.chatRegistered();
    const result = step(open, text('STOP'), ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.state.campaignOptOut).toBeUndefined();
    expect(result.effects).toContainEqual({ type: 'chatUserMessage', sessionKey: open.chat!.sessionKey });
    expect(result.effects.some((e) => e.type === 'campaignOptOut')).toBe(false);
  });

  it('answers a campaign template\'s "Unsubscribe" quick reply too', () => {
    const tapped = inbound({ kind: 'template_button', payload: 'Unsubscribe', text: 'Unsubscribe' });
    expect(step(states.registered(), tapped, ctx).state.campaignOptOut).toEqual({ since: NOW });
  });
});

describe('START', () => {
  it('after STOP re-subscribes with a confirmation', () => {
    const [, started] = drive([text('STOP'), text('Start')], states.registered());
    expect(started!.state.campaignOptOut).toBeUndefined();
    expect(started!.state.name).toBe('REGISTERED');
    expect(started!.effects).toContainEqual({ type: 'campaignOptOut', optedOut: false, at: NOW });
    const replies = sends(started!.effects);
    expect(replies).toHaveLength(1);
    expect(bodyOf(replies[0])).toMatch(/announcements and reminders again/);
  });

  it('without an opt-out is the main menu, as it always was', () => {
    const result = step(states.registered(), text('start'), ctx);
    expect(result.effects.some((e) => e.type === 'campaignOptOut')).toBe(false);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/What would you like to do\?/);
  });

  it('STOP then START then STOP stores each change, in order', () => {
    const changes = optOutEffects([text('STOP'), text('START'), text('unsubscribe')], states.idle());
    expect(changes).toEqual([
      [{ type: 'campaignOptOut', optedOut: true, at: NOW }],
      [{ type: 'campaignOptOut', optedOut: false, at: NOW }],
      [{ type: 'campaignOptOut', optedOut: true, at: NOW }],
    ]);
  });
});

describe('a run that starts from Postgres', () => {
  it('knows the opt-out stored before, so START undoes it', () => {
    const since = NOW - 86_400_000;
    const restored = restore({ homeworkCount: 0, campaignOptedOutAt: since }, ctx).state;
    expect(restored.campaignOptOut).toEqual({ since });
    const started = step(restored, text('START'), ctx);
    expect(started.effects).toContainEqual({ type: 'campaignOptOut', optedOut: false, at: NOW });
    expect(started.state.campaignOptOut).toBeUndefined();
  });
});
