import type { FlowContext } from '../../../workflows/flow/context';
import { step } from '../../../workflows/flow/step';
import { bodyOf, ctx, inbound, NOW, offeredIds, sends, settings, states, text } from './fixtures';

// The rating question after a chat (SPEC §7): a list inside WhatsApp's 24-hour window; past it, the
// approved rating template (CSAT_TEMPLATE_NAME), whose quick replies and a typed 1–5 count as today.

const DAY = 24 * 3_600_000;
const csatTemplate = { name: 'chat_rating', language: 'en' };
const agentEnd = { type: 'agentEnd', agent: 'Grace' } as const;
const at = (lastInboundAt: number | undefined, withTemplate = true): FlowContext => ({
  ...ctx,
  settings: withTemplate ? { ...settings, csatTemplate } : settings,
  ...(lastInboundAt === undefined ? {} : { lastInboundAt }),
});

describe('the rating question', () => {
  it('is the approved template, with csat_1 … csat_5 quick replies, when an agent ends the chat past the window', () => {
    const open = states.chatRegistered();
    const ended = step(open, agentEnd, at(NOW - DAY - 1));
    const question = sends(ended.effects).at(-1);
    expect(question).toEqual({
      kind: 'template',
      name: 'chat_rating',
      language: 'en',
      parameters: [],
      rendered: expect.stringMatching(/How was your chat/),
      quickReplies: ['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'],
    });
    expect(ended.state.awaitingRating).toEqual({ sessionKey: open.chat!.sessionKey });
  });

  it.each([
    ['inside the window', at(NOW - DAY)],
    ['when the last message is unknown', at(undefined)],
    ['when no template is configured', at(NOW - 2 * DAY, false)],
  ])('is the list %s', (_case, context) => {
    const question = sends(step(states.chatRegistered(), agentEnd, context).effects).at(-1);
    expect(question?.kind).toBe('list');
    expect(offeredIds(question)).toEqual(['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5']);
  });

  it('goes as the template when the idle timeout closes a chat a template opened a day ago', () => {
    const open = states.chatRegistered();
    const token = open.timers.chat_close!;
    const closed = step(open, { type: 'timer', timer: 'chat_close', token }, at(NOW - DAY - 60_000));
    expect(sends(closed.effects).at(-1)?.kind).toBe('template');
  });
});

describe('the answer to the template', () => {
  const waiting = () => step(states.chatRegistered(), agentEnd, at(NOW - DAY - 1)).state;

  it('a tapped quick reply (its csat_N payload) is stored as the rating', () => {
    const tapped = inbound({ kind: 'template_button', payload: 'csat_4', text: '4 Very good' });
    const asked = waiting();
    const answered = step(asked, tapped, ctx);
    const { sessionKey } = asked.awaitingRating!;
    expect(answered.effects).toContainEqual({ type: 'recordRating', sessionKey, rating: 4 });
    expect(bodyOf(sends(answered.effects)[0])).toMatch(/Thank you for your feedback/);
    expect(answered.state.awaitingRating).toBeUndefined();
  });

  it('a typed number is stored as the rating', () => {
    const asked = waiting();
    const answered = step(asked, text('2'), ctx);
    const { sessionKey } = asked.awaitingRating!;
    expect(answered.effects).toContainEqual({ type: 'recordRating', sessionKey, rating: 2 });
  });
});
