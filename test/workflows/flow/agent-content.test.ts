import type { MediaContent, TemplateContent } from '../../../domain/types';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../../domain/whatsapp-limits';
import { agentEvent, outsideWindow } from '../../../workflows/flow/agent';
import { TEMPLATE_REPLY_WAIT_MS } from '../../../workflows/flow/chat';
import type { FlowEvent } from '../../../workflows/flow/events';
import { step } from '../../../workflows/flow/step';
import { ctx, effectTypes, sends, states, text } from './fixtures';

// An agent's files and templates: what the student receives and what the chat does next.

const photo: MediaContent = { kind: 'media', mediaType: 'image', fileId: 7, mimeType: 'image/png', caption: 'Step 2' };
const followUp: TemplateContent = {
  kind: 'template',
  name: 'support_follow_up',
  language: 'en',
  parameters: [{ component: 'body', name: 'first_name', text: 'Ada' }],
  rendered: 'Hi Ada, our support team has an answer for you.',
};
const send = (message: string, attachment?: MediaContent): FlowEvent => ({
  type: 'agentSend',
  agent: 'Grace',
  message,
  ...(attachment ? { attachment } : {}),
});
const template = (content: TemplateContent = followUp, agentId?: number): FlowEvent => ({
  type: 'agentTemplate',
  agent: 'Grace',
  template: content,
  ...(agentId !== undefined ? { agentId } : {}),
});

describe('an agent sends a file', () => {
  it('sends the file alone, its caption starting like every agent message', () => {
    const result = step(states.chatRegistered(), send('', photo), ctx);
    expect(sends(result.effects)).toEqual([{ ...photo, caption: '🎧 Grace (Support Team): Step 2' }]);
    expect(result.effects[0]).toMatchObject({ type: 'send', agent: 'Grace' });
    expect(result.state.chat?.agentReplied).toBe(true);
  });

  it('names the agent without a caption, and sends the text after the file', () => {
    const { caption: _none, ...bare } = photo;
    const result = step(states.chatRegistered(), send('See the picture', bare), ctx);
    expect(sends(result.effects)).toEqual([
      { ...bare, caption: '🎧 Grace (Support Team)' },
      { kind: 'text', text: '🎧 Grace (Support Team): See the picture' },
    ]);
  });

  it('drops the caption of a voice note, which WhatsApp does not show', () => {
    const audio: MediaContent = { kind: 'media', mediaType: 'audio', fileId: 8, mimeType: 'audio/ogg', caption: 'x' };
    const { caption: _dropped, ...expected } = audio;
    expect(sends(step(states.chatRegistered(), send('', audio), ctx).effects)).toEqual([expected]);
  });

  it('refuses a caption over 1024 characters with the prefix, outside a chat, and with neither file nor text', () => {
    const long = { ...photo, caption: 'y'.repeat(1024) };
    for (const [state, event, code] of [
      [states.chatRegistered(), send('', long), 'invalid_message'],
      [states.registered(), send('', photo), 'not_in_chat_support'],
      [states.chatRegistered(), send('  '), 'invalid_message'],
    ] as const) {
      const result = step(state, event, ctx);
      expect(result.rejection?.code).toBe(code);
      expect(result.effects).toEqual([]);
      expect(result.state).toBe(state);
    }
  });
});

describe('an agent sends a template', () => {
  it('opens a chat when none is open and waits a day for the student, without a reminder', () => {
    const result = step(states.registered(), template(), ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.state.chat).toMatchObject({ startedBy: 'Grace', agentReplied: true });
    expect(sends(result.effects)).toEqual([followUp]);
    const timers = result.effects.filter((e) => e.type === 'startTimer' || e.type === 'cancelTimer');
    expect(timers[timers.length - 2]).toEqual({ type: 'cancelTimer', timer: 'chat_reminder' });
    expect(timers[timers.length - 1]).toEqual({
      type: 'startTimer',
      timer: 'chat_close',
      token: result.state.timers.chat_close,
      delayMs: TEMPLATE_REPLY_WAIT_MS,
    });
    expect(result.state.timers.chat_reminder).toBeUndefined();
  });

  it("goes into the open chat, and the student's answer brings the usual idle timers back", () => {
    const open = states.chatRegistered();
    const sent = step(open, template(), ctx);
    expect(sent.state.chat?.sessionKey).toBe(open.chat!.sessionKey);
    expect(effectTypes(sent.effects)).not.toContain('openChat');
    const answered = step(sent.state, text('Thanks, what is it?'), { ...ctx, now: ctx.now + 5 * 3_600_000 });
    expect(answered.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(answered.effects).toContainEqual(
      expect.objectContaining({ type: 'startTimer', timer: 'chat_close', delayMs: 30 * 60_000 }),
    );
    expect(answered.effects).toContainEqual(expect.objectContaining({ type: 'startTimer', timer: 'chat_reminder' }));
  });

  it('refuses a template in a chat another agent holds, and one that carries no template', () => {
    const held = step(states.chatRegistered(), { type: 'assign', agent: 'Bisi', agentId: 2 }, ctx).state;
    expect(step(held, template(followUp, 3), ctx).rejection?.code).toBe('held_by_other');
    const empty = { ...followUp, name: '', rendered: '' };
    expect(step(states.registered(), template(empty), ctx).rejection?.code).toBe('invalid_message');
  });
});

describe('the 24-hour window', () => {
  const command = (action: 'send' | 'template', content: MediaContent | TemplateContent) => ({
    action,
    agent: 'Grace',
    requestId: 'r1',
    content,
  });
  const old = ctx.now - CUSTOMER_SERVICE_WINDOW_MS - 1;

  it('lets a template through once the window has closed, but not a file', () => {
    expect(outsideWindow(command('template', followUp), old, ctx.now)).toBeUndefined();
    expect(outsideWindow(command('send', photo), old, ctx.now)).toMatchObject({
      code: 'outside_customer_service_window',
    });
  });

  it('turns the commands into their flow events', () => {
    expect(agentEvent(command('template', followUp))).toEqual(template());
    expect(agentEvent({ ...command('send', photo), message: 'hi' })).toEqual(send('hi', photo));
  });
});
