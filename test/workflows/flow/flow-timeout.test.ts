import type { FlowEvent } from '../../../workflows/flow/events';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import { after, bodyOf, ctx, drive, offeredIds, pick, reaction, sends, states, tap, text } from './fixtures';

const idleFired = (state: FlowState): FlowEvent => ({
  type: 'timer',
  timer: 'flow_idle',
  token: state.timers.flow_idle ?? 'none',
});

describe('sub-flow idle timeout', () => {
  it('starts on entering a sub-flow and restarts, under a new token, on every answer', () => {
    const results = drive([tap('register'), text('Ada Lovelace'), text('not-an-email')], states.idle());
    const tokens = results.map((r) => r.state.timers.flow_idle);
    expect(new Set(tokens).size).toBe(3);
    for (const r of results) {
      expect(r.effects).toContainEqual({
        type: 'startTimer',
        timer: 'flow_idle',
        token: r.state.timers.flow_idle,
        delayMs: 30 * 60_000,
      });
    }
  });

  it('is cancelled when the user reaches a resting state', () => {
    const result = step(states.registeringClass(), text('JSS 2'), ctx);
    expect(result.effects).toContainEqual({ type: 'cancelTimer', timer: 'flow_idle' });
    expect(result.state.timers).toEqual({});
  });

  it('returns a silent user to the welcome, dropping only the unsaved answers', () => {
    const waiting = states.registeringClass();
    const result = step(waiting, idleFired(waiting), ctx);
    expect(result.state.name).toBe('IDLE');
    expect(result.state.draft).toBeUndefined();
    expect(result.state.timers).toEqual({});
    expect(bodyOf(sends(result.effects)[0])).toMatch(/away for a while.*registration/s);
    expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'faq', 'support']);
  });

  it('keeps the saved profile and homework count when a registered user times out', () => {
    const waiting = after([text('Mathematics')], states.homeworkSubject());
    const result = step(waiting, idleFired(waiting), ctx);
    expect(result.state).toMatchObject({
      name: 'REGISTERED',
      registered: true,
      homeworkCount: 0,
      profile: waiting.profile,
    });
    expect(result.state.homework).toBeUndefined();
    expect(bodyOf(sends(result.effects)[0])).toContain('Hey Ada!');
  });

  it('keeps an old profile when an update times out', () => {
    const waiting = after([text('Someone Else')], states.updatingName());
    const result = step(waiting, idleFired(waiting), ctx);
    expect(result.state.profile).toEqual(states.registered().profile);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/profile update/);
  });

  it('ignores the firing of an earlier token', () => {
    const first = states.registeringName();
    const later = after([text('Ada Lovelace')], first);
    expect(step(later, idleFired(first), ctx)).toEqual({ state: later, effects: [] });
  });

  it('is not restarted by a reaction', () => {
    const waiting = states.homeworkType();
    expect(step(waiting, reaction(), ctx)).toEqual({ state: waiting, effects: [] });
  });

  it('times out an unconfirmed offer back to the menu', () => {
    const offered = states.paymentOffered();
    const result = step(offered, idleFired(offered), ctx);
    expect(result.state.name).toBe('REGISTERED');
    expect(result.state.payment).toBeUndefined();
  });

  it('keeps running across an agent-less event in the same sub-flow', () => {
    const linkSent = states.paymentLinkSent();
    const pending = after([tap('main_menu'), pick('update_profile')], linkSent);
    const reference = linkSent.payment!.reference!;
    const result = step(pending, { type: 'paymentConfirmed', reference, amount: 5000 }, ctx);
    expect(result.state.name).toBe('REGISTERING_NAME');
    expect(result.state.timers.flow_idle).toBe(pending.timers.flow_idle);
    expect(result.effects.map((e) => e.type)).toEqual(['confirmPayment', 'cancelTimer', 'send']);
  });
});
