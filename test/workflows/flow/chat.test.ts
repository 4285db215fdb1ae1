import type { FlowEvent } from '../../../workflows/flow/events';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import {
  CONTACT_ID,
  after,
  bodyOf,
  ctx,
  drive,
  effectTypes,
  image,
  inbound,
  offeredIds,
  reaction,
  sends,
  states,
  tap,
  text,
} from './fixtures';

const RATING = ['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'];
const agentSend = (message: string, agent = 'Grace'): FlowEvent => ({ type: 'agentSend', agent, message });
const fire = (state: FlowState, timer: 'chat_reminder' | 'chat_close'): FlowEvent => ({
  type: 'timer',
  timer,
  token: state.timers[timer] ?? 'none',
});

describe('chat support, user side', () => {
  it.each([
    ['IDLE', states.idle, text('support')],
    ['REGISTERED', states.registered, text('I want to talk to someone')],
    ['HOMEWORK_SUBMITTED', states.homeworkSubmitted, tap('support', '💬 Support')],
    ['INITIAL (by tap)', states.initial, tap('support', '💬 Chat Support')],
  ] as const)('opens from %s: session, timers and the End Chat button', (_from, make, event) => {
    const result = step(make(), event, ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    const sessionKey = result.state.chat!.sessionKey;
    expect(sessionKey).toMatch(new RegExp(`^chat-${CONTACT_ID}-[0-9A-Z]{8}$`));
    expect(result.state.chat).toEqual({ sessionKey, startedBy: 'user', startedAt: ctx.now, acknowledged: false });
    expect(result.effects).toEqual([
      { type: 'openChat', sessionKey, startedBy: 'user' },
      { type: 'startTimer', timer: 'chat_reminder', token: result.state.timers.chat_reminder, delayMs: 15 * 60_000 },
      { type: 'startTimer', timer: 'chat_close', token: result.state.timers.chat_close, delayMs: 30 * 60_000 },
      expect.objectContaining({ type: 'send' }),
    ]);
    const connected = sends(result.effects)[0];
    expect(connected?.kind === 'buttons' && connected.buttons).toEqual([{ id: 'end_chat', title: '❌ End Chat' }]);
    expect(bodyOf(connected)).toMatch(/connected/);
    expect(bodyOf(connected)).toContain('30 minutes');
  });

  it('forwards every message, acknowledging only the first, and restarts both timers each time', () => {
    const open = states.chatRegistered();
    const results = drive([text('hello?'), image(), text("I'm done with question 3")], open);
    expect(results.map((r) => sends(r.effects).length)).toEqual([1, 0, 0]);
    expect(results[0]!.state.chat?.acknowledged).toBe(true);
    let previous = open;
    for (const r of results) {
      expect(r.state.name).toBe('CHAT_SUPPORT_ACTIVE');
      expect(r.effects).toContainEqual({ type: 'chatUserMessage', sessionKey: open.chat!.sessionKey });
      expect(r.state.timers.chat_reminder).not.toBe(previous.timers.chat_reminder);
      expect(r.state.timers.chat_close).not.toBe(previous.timers.chat_close);
      previous = r.state;
    }
  });

  it('sends no acknowledgement once an agent has written', () => {
    const [, user] = drive(
      [agentSend('Hi Ada, how can I help?'), text('my homework is missing')],
      states.chatRegistered(),
    );
    expect(sends(user!.effects)).toEqual([]);
  });

  it('forwards a reaction without answering it', () => {
    const result = step(states.chatRegistered(), reaction(), ctx);
    expect(effectTypes(result.effects)).toEqual(['chatUserMessage', 'startTimer', 'startTimer']);
  });

  it.each(['end chat', 'End Chat', 'END_CHAT', 'close', 'Done!', 'done', 'quit chat', 'exit', '❌ End Chat'])(
    'ends on exactly %j',
    (typed) => {
      expect(step(states.chatRegistered(), text(typed), ctx).state.name).toBe('REGISTERED');
    },
  );

  it.each(["I'm done with question 3", 'Closeup', 'close the ticket please', 'exit exam', 'end', 'chat'])(
    'does not end on %j',
    (typed) => {
      const result = step(states.chatRegistered(), text(typed), ctx);
      expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
      expect(effectTypes(result.effects)).toContain('chatUserMessage');
    },
  );

  it('ends on the End Chat button and on a template quick reply carrying end_chat', () => {
    expect(step(states.chatRegistered(), tap('end_chat', 'Register'), ctx).state.name).toBe('REGISTERED');
    expect(
      step(states.chatRegistered(), inbound({ kind: 'template_button', payload: 'end_chat', text: 'End' }), ctx).state
        .name,
    ).toBe('REGISTERED');
  });

  it("ends a registered user's chat with the main menu and a rating question", () => {
    const open = states.chatRegistered();
    const result = step(open, tap('end_chat'), ctx);
    const sessionKey = open.chat!.sessionKey;
    expect(result.effects.slice(0, 3)).toEqual([
      { type: 'closeChat', sessionKey, endedBy: 'user' },
      { type: 'cancelTimer', timer: 'chat_reminder' },
      { type: 'cancelTimer', timer: 'chat_close' },
    ]);
    const [menu, rating] = sends(result.effects);
    expect(bodyOf(menu)).toContain('Hey Ada! What would you like to do?');
    expect(offeredIds(rating)).toEqual(RATING);
    expect(result.state).toMatchObject({ name: 'REGISTERED', awaitingRating: { sessionKey }, timers: {} });
    expect(result.state.chat).toBeUndefined();
  });

  it("ends an unregistered user's chat with the welcome", () => {
    const result = step(states.chatUnregistered(), text('exit'), ctx);
    expect(result.state.name).toBe('IDLE');
    expect(bodyOf(sends(result.effects)[0])).toContain('Welcome to EduBot');
    expect(offeredIds(sends(result.effects)[1])).toEqual(RATING);
  });

  it('tells a user typing "end chat" outside a chat that there is none', () => {
    const result = step(states.registered(), text('end chat'), ctx);
    expect(result.state.name).toBe('REGISTERED');
    expect(bodyOf(sends(result.effects)[0])).toMatch(/not in a chat/);
  });
});

describe('rating', () => {
  const ended = (): FlowState => after([tap('end_chat')], states.chatRegistered());

  it.each([
    [tap('csat_5'), 5],
    [text('4'), 4],
    [text('1️⃣'), 1],
    [text('⭐⭐⭐'), 3],
  ] as const)('records a rating on the session that asked', (event, rating) => {
    const state = ended();
    const result = step(state, event, ctx);
    expect(result.effects[0]).toEqual({ type: 'recordRating', sessionKey: state.awaitingRating!.sessionKey, rating });
    expect(bodyOf(sends(result.effects)[0])).toMatch(/Thank you/);
    expect(result.state.awaitingRating).toBeUndefined();
    expect(result.state.name).toBe('REGISTERED');
  });

  it('goes on normally when the user types something else', () => {
    const result = step(ended(), text('faq'), ctx);
    expect(effectTypes(result.effects)).not.toContain('recordRating');
    expect(result.state.awaitingRating).toBeUndefined();
    expect(offeredIds(sends(result.effects)[0])).toContain('faq_registration');
    // A late rating after that is not stored.
    expect(effectTypes(step(result.state, text('5'), ctx).effects)).not.toContain('recordRating');
  });

  it('keeps the question open across a reaction', () => {
    const state = ended();
    expect(step(state, reaction(), ctx)).toEqual({ state, effects: [] });
  });
});

describe('chat idle timers', () => {
  it('reminds the user and keeps the close timer running', () => {
    const open = states.chatRegistered();
    const result = step(open, fire(open, 'chat_reminder'), ctx);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/still there/);
    expect(bodyOf(sends(result.effects)[0])).toContain('15 minutes');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['end_chat']);
    expect(result.state.timers).toEqual({ chat_close: open.timers.chat_close });
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
  });

  it('closes an idle chat as an agent end would, ended by timeout', () => {
    const open = states.chatRegistered();
    const result = step(open, fire(open, 'chat_close'), ctx);
    expect(effectTypes(result.effects)).toEqual(['send', 'closeChat', 'cancelTimer', 'send', 'send']);
    expect(result.effects[1]).toEqual({ type: 'closeChat', sessionKey: open.chat!.sessionKey, endedBy: 'timeout' });
    expect(bodyOf(sends(result.effects)[0])).toMatch(/closed because nobody wrote for 30 minutes/);
    expect(result.state.name).toBe('REGISTERED');
    expect(result.state.awaitingRating).toEqual({ sessionKey: open.chat!.sessionKey });
  });

  it('ignores timers from before the last message', () => {
    const open = states.chatRegistered();
    const later = after([text('still here')], open);
    expect(step(later, fire(open, 'chat_close'), ctx)).toEqual({ state: later, effects: [] });
    expect(step(later, fire(open, 'chat_reminder'), ctx)).toEqual({ state: later, effects: [] });
  });

  it('starts no reminder when it would come at or after the close', () => {
    const timers = { ...ctx.settings.timers, chatIdleReminderMs: 60_000, chatIdleTimeoutMs: 60_000 };
    const result = step(states.registered(), text('support'), { ...ctx, settings: { ...ctx.settings, timers } });
    expect(result.state.timers.chat_reminder).toBeUndefined();
    expect(result.state.timers.chat_close).toBeDefined();
  });
});

describe('agent events', () => {
  it('lets an agent open a chat with an opening message', () => {
    const before = states.registered();
    const result = step(before, { type: 'agentStart', agent: 'Grace', message: 'Hello Ada, about your payment…' }, ctx);
    expect(result.rejection).toBeUndefined();
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.state.chat).toMatchObject({ startedBy: 'Grace', agentReplied: true });
    expect(result.effects[0]).toEqual({
      type: 'openChat',
      sessionKey: result.state.chat!.sessionKey,
      startedBy: 'Grace',
    });
    const agentMessages = result.effects.filter((e) => e.type === 'send' && e.agent === 'Grace');
    expect(agentMessages).toEqual([
      {
        type: 'send',
        agent: 'Grace',
        content: { kind: 'text', text: '🎧 Grace (Support Team): Hello Ada, about your payment…' },
      },
    ]);
    expect(offeredIds(sends(result.effects)[1])).toEqual(['end_chat']);
    expect(effectTypes(result.effects).filter((t) => t === 'startTimer')).toHaveLength(2);
  });

  it('says an agent joined when there is no opening message', () => {
    const result = step(states.idle(), { type: 'agentStart', agent: 'Grace' }, ctx);
    expect(sends(result.effects)).toHaveLength(1);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/support team is with you/);
  });

  it('takes over from a sub-flow, dropping the unsaved answers and the idle timer', () => {
    const result = step(states.registeringEmail(), { type: 'agentStart', agent: 'Grace' }, ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.state.draft).toBeUndefined();
    expect(result.state.timers.flow_idle).toBeUndefined();
    expect(result.effects).toContainEqual({ type: 'cancelTimer', timer: 'flow_idle' });
  });

  it('refuses a second start while a chat is open, changing nothing', () => {
    const open = states.chatRegistered();
    const result = step(open, { type: 'agentStart', agent: 'Grace' }, ctx);
    expect(result).toEqual({
      state: open,
      effects: [],
      rejection: expect.objectContaining({ code: 'chat_already_active' }),
    });
    expect(result.state).toBe(open);
  });

  it('delivers an agent message as one send with the agent, restarting the timers', () => {
    const open = states.chatRegistered();
    const result = step(open, agentSend('  We found it!  '), ctx);
    expect(result.effects[0]).toEqual({
      type: 'send',
      agent: 'Grace',
      content: { kind: 'text', text: '🎧 Grace (Support Team): We found it!' },
    });
    expect(sends(result.effects)).toHaveLength(1);
    expect(effectTypes(result.effects)).toEqual(['send', 'startTimer', 'startTimer']);
    expect(result.state.chat?.agentReplied).toBe(true);
  });

  it.each([
    ['not in a chat', states.registered, 'hello', 'not_in_chat_support'],
    ['empty', states.chatRegistered, '', 'invalid_message'],
    ['whitespace', states.chatRegistered, ' \n\t ', 'invalid_message'],
    ['too long', states.chatRegistered, 'x'.repeat(4096), 'invalid_message'],
  ] as const)('refuses a send that is %s', (_why, make, message, code) => {
    const before = make();
    const result = step(before, agentSend(message), ctx);
    expect(result.rejection?.code).toBe(code);
    expect(result.state).toBe(before);
    expect(result.effects).toEqual([]);
  });

  it('accepts the longest message that fits WhatsApp with the prefix', () => {
    const max = 4096 - [...'🎧 Grace (Support Team): '].length;
    expect(step(states.chatRegistered(), agentSend('y'.repeat(max)), ctx).rejection).toBeUndefined();
    expect(step(states.chatRegistered(), agentSend('y'.repeat(max + 1)), ctx).rejection?.code).toBe('invalid_message');
  });

  it('ends with the default closing line from the agent, then the menu and the rating question', () => {
    const open = states.chatRegistered();
    const result = step(open, { type: 'agentEnd', agent: 'Grace' }, ctx);
    expect(result.effects[0]).toEqual({
      type: 'send',
      agent: 'Grace',
      content: { kind: 'text', text: '🎧 Grace (Support Team): Thank you for contacting support!' },
    });
    expect(result.effects[1]).toEqual({ type: 'closeChat', sessionKey: open.chat!.sessionKey, endedBy: 'Grace' });
    const [, menu, rating] = sends(result.effects);
    expect(bodyOf(menu)).toContain('Hey Ada! What would you like to do?');
    expect(offeredIds(rating)).toEqual(RATING);
    expect(result.state).toMatchObject({ name: 'REGISTERED', awaitingRating: { sessionKey: open.chat!.sessionKey } });
  });

  it("ends with the agent's own closing text, and an unregistered user gets the welcome", () => {
    const result = step(states.chatUnregistered(), { type: 'agentEnd', agent: 'Grace', message: 'Bye for now' }, ctx);
    expect(bodyOf(sends(result.effects)[0])).toBe('🎧 Grace (Support Team): Bye for now');
    expect(result.state.name).toBe('IDLE');
    expect(bodyOf(sends(result.effects)[1])).toContain('Welcome to EduBot');
  });

  it('refuses an end outside a chat', () => {
    const before = states.homeworkType();
    expect(step(before, { type: 'agentEnd', agent: 'Grace' }, ctx)).toEqual({
      state: before,
      effects: [],
      rejection: expect.objectContaining({ code: 'not_in_chat_support' }),
    });
  });

  it('runs the whole story: support, two messages, two replies, End Chat, rating', () => {
    const results = drive(
      [
        text('support'),
        text('My homework upload failed'),
        text("I'm done with question 3"),
        agentSend('Sorry about that!'),
        agentSend('It is fixed now.'),
        tap('end_chat'),
        tap('csat_5'),
      ],
      states.registered(),
    );
    expect(results.map((r) => r.state.name)).toEqual([
      'CHAT_SUPPORT_ACTIVE',
      'CHAT_SUPPORT_ACTIVE',
      'CHAT_SUPPORT_ACTIVE',
      'CHAT_SUPPORT_ACTIVE',
      'CHAT_SUPPORT_ACTIVE',
      'REGISTERED',
      'REGISTERED',
    ]);
    const botSendsInChat = results
      .slice(1, 5)
      .flatMap((r) => r.effects.filter((e) => e.type === 'send' && e.agent === undefined));
    expect(botSendsInChat).toHaveLength(1);
    expect(results[6]!.effects[0]).toMatchObject({ type: 'recordRating', rating: 5 });
  });
});
