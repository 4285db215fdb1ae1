import { checkOutboundLimits } from '../../../src/whatsapp/outbound';
import type { FlowEvent } from '../../../workflows/flow/events';
import { step } from '../../../workflows/flow/step';
import type { StateName } from '../../../domain/conversation';
import { SUBJECTS } from '../../../workflows/flow/subjects';
import { ctx, image, location, other, reaction, sends, states, tap, text, type NamedState } from './fixtures';

// Every state × every kind of input: the next state and exactly what the last message offers.
// 'text' = the last message is plain text; 'none' = nothing is sent.

const WELCOME = ['register', 'faq', 'support'];
const MENU = ['homework', 'pay', 'status', 'faq', 'support', 'help', 'update_profile'];
const FAQ = ['faq_registration', 'faq_homework', 'faq_payment', 'faq_support', 'faq_data'];
const SUBJECT_LIST = SUBJECTS.map((s) => `subject_${s.toLowerCase().replace(/ /g, '_')}`);
const TYPE = ['homework_text', 'homework_image', 'main_menu'];
const SUBMITTED = ['faq', 'support', 'main_menu'];
const OFFER = ['payment_confirm', 'main_menu'];
const END = ['end_chat'];

type Offered = string[] | 'text' | 'none';
type Row = readonly [StateName, Offered];

const INPUTS = {
  'tap main_menu': () => tap('main_menu', '📍 Main Menu'),
  'tap support': () => tap('support', '💬 Chat Support'),
  'typed keyword "faq"': () => text('FAQ'),
  'free text "Howard Smith"': () => text('Howard Smith'),
  image: () => image(),
  location: () => location(),
  'unsupported/other': () => other(),
  reaction: () => reaction(),
} satisfies Record<string, () => FlowEvent>;
type InputName = keyof typeof INPUTS;

const TABLE: Record<NamedState, Record<InputName, Row>> = {
  initial: {
    'tap main_menu': ['IDLE', WELCOME],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    // The first message ever gets the welcome, whatever it says; taps still obey.
    'typed keyword "faq"': ['IDLE', WELCOME],
    'free text "Howard Smith"': ['IDLE', WELCOME],
    image: ['IDLE', WELCOME],
    location: ['IDLE', WELCOME],
    'unsupported/other': ['IDLE', WELCOME],
    reaction: ['INITIAL', 'none'],
  },
  idle: {
    'tap main_menu': ['IDLE', WELCOME],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['IDLE', FAQ],
    'free text "Howard Smith"': ['IDLE', WELCOME],
    image: ['IDLE', WELCOME],
    location: ['IDLE', WELCOME],
    'unsupported/other': ['IDLE', WELCOME],
    reaction: ['IDLE', 'none'],
  },
  registered: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', FAQ],
    'free text "Howard Smith"': ['REGISTERED', MENU],
    image: ['REGISTERED', MENU],
    location: ['REGISTERED', MENU],
    'unsupported/other': ['REGISTERED', MENU],
    reaction: ['REGISTERED', 'none'],
  },
  registeringName: {
    'tap main_menu': ['IDLE', WELCOME],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERING_EMAIL', 'text'],
    'free text "Howard Smith"': ['REGISTERING_EMAIL', 'text'],
    image: ['REGISTERING_NAME', 'text'],
    location: ['REGISTERING_NAME', 'text'],
    'unsupported/other': ['REGISTERING_NAME', 'text'],
    reaction: ['REGISTERING_NAME', 'none'],
  },
  registeringEmail: {
    'tap main_menu': ['IDLE', WELCOME],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERING_EMAIL', 'text'],
    'free text "Howard Smith"': ['REGISTERING_EMAIL', 'text'],
    image: ['REGISTERING_EMAIL', 'text'],
    location: ['REGISTERING_EMAIL', 'text'],
    'unsupported/other': ['REGISTERING_EMAIL', 'text'],
    reaction: ['REGISTERING_EMAIL', 'none'],
  },
  registeringClass: {
    'tap main_menu': ['IDLE', WELCOME],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', MENU],
    'free text "Howard Smith"': ['REGISTERED', MENU],
    image: ['REGISTERING_CLASS', 'text'],
    location: ['REGISTERING_CLASS', 'text'],
    'unsupported/other': ['REGISTERING_CLASS', 'text'],
    reaction: ['REGISTERING_CLASS', 'none'],
  },
  updatingName: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERING_EMAIL', 'text'],
    'free text "Howard Smith"': ['REGISTERING_EMAIL', 'text'],
    image: ['REGISTERING_NAME', 'text'],
    location: ['REGISTERING_NAME', 'text'],
    'unsupported/other': ['REGISTERING_NAME', 'text'],
    reaction: ['REGISTERING_NAME', 'none'],
  },
  homeworkSubject: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['HOMEWORK_TYPE', TYPE],
    'free text "Howard Smith"': ['HOMEWORK_TYPE', TYPE],
    image: ['HOMEWORK_SUBJECT', SUBJECT_LIST],
    location: ['HOMEWORK_SUBJECT', SUBJECT_LIST],
    'unsupported/other': ['HOMEWORK_SUBJECT', SUBJECT_LIST],
    reaction: ['HOMEWORK_SUBJECT', 'none'],
  },
  homeworkType: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', FAQ],
    'free text "Howard Smith"': ['HOMEWORK_TYPE', TYPE],
    image: ['HOMEWORK_SUBMITTED', SUBMITTED],
    location: ['HOMEWORK_TYPE', TYPE],
    'unsupported/other': ['HOMEWORK_TYPE', TYPE],
    reaction: ['HOMEWORK_TYPE', 'none'],
  },
  homeworkText: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['HOMEWORK_SUBMITTED', SUBMITTED],
    'free text "Howard Smith"': ['HOMEWORK_SUBMITTED', SUBMITTED],
    image: ['HOMEWORK_CONTENT', ['homework_image', 'main_menu']],
    location: ['HOMEWORK_CONTENT', 'text'],
    'unsupported/other': ['HOMEWORK_CONTENT', 'text'],
    reaction: ['HOMEWORK_CONTENT', 'none'],
  },
  homeworkImage: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['HOMEWORK_CONTENT', ['homework_text', 'main_menu']],
    'free text "Howard Smith"': ['HOMEWORK_CONTENT', ['homework_text', 'main_menu']],
    image: ['HOMEWORK_SUBMITTED', SUBMITTED],
    location: ['HOMEWORK_CONTENT', ['homework_text', 'main_menu']],
    'unsupported/other': ['HOMEWORK_CONTENT', ['homework_text', 'main_menu']],
    reaction: ['HOMEWORK_CONTENT', 'none'],
  },
  homeworkSubmitted: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', FAQ],
    'free text "Howard Smith"': ['REGISTERED', MENU],
    image: ['REGISTERED', MENU],
    location: ['REGISTERED', MENU],
    'unsupported/other': ['REGISTERED', MENU],
    reaction: ['HOMEWORK_SUBMITTED', 'none'],
  },
  paymentOffered: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', FAQ],
    'free text "Howard Smith"': ['PAYMENT_PENDING', OFFER],
    image: ['PAYMENT_PENDING', OFFER],
    location: ['PAYMENT_PENDING', OFFER],
    'unsupported/other': ['PAYMENT_PENDING', OFFER],
    reaction: ['PAYMENT_PENDING', 'none'],
  },
  paymentLinkSent: {
    'tap main_menu': ['REGISTERED', MENU],
    'tap support': ['CHAT_SUPPORT_ACTIVE', END],
    'typed keyword "faq"': ['REGISTERED', FAQ],
    'free text "Howard Smith"': ['PAYMENT_PENDING', 'text'],
    image: ['PAYMENT_PENDING', 'text'],
    location: ['PAYMENT_PENDING', 'text'],
    'unsupported/other': ['PAYMENT_PENDING', 'text'],
    reaction: ['PAYMENT_PENDING', 'none'],
  },
  // In a chat everything goes to the agent; the user's first message gets the one acknowledgement.
  chatRegistered: {
    'tap main_menu': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'tap support': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'typed keyword "faq"': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'free text "Howard Smith"': ['CHAT_SUPPORT_ACTIVE', 'text'],
    image: ['CHAT_SUPPORT_ACTIVE', 'text'],
    location: ['CHAT_SUPPORT_ACTIVE', 'text'],
    'unsupported/other': ['CHAT_SUPPORT_ACTIVE', 'text'],
    reaction: ['CHAT_SUPPORT_ACTIVE', 'none'],
  },
  chatUnregistered: {
    'tap main_menu': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'tap support': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'typed keyword "faq"': ['CHAT_SUPPORT_ACTIVE', 'text'],
    'free text "Howard Smith"': ['CHAT_SUPPORT_ACTIVE', 'text'],
    image: ['CHAT_SUPPORT_ACTIVE', 'text'],
    location: ['CHAT_SUPPORT_ACTIVE', 'text'],
    'unsupported/other': ['CHAT_SUPPORT_ACTIVE', 'text'],
    reaction: ['CHAT_SUPPORT_ACTIVE', 'none'],
  },
  // An agent opened it and is present: nothing is acknowledged, the bot says nothing.
  chatByAgent: {
    'tap main_menu': ['CHAT_SUPPORT_ACTIVE', 'none'],
    'tap support': ['CHAT_SUPPORT_ACTIVE', 'none'],
    'typed keyword "faq"': ['CHAT_SUPPORT_ACTIVE', 'none'],
    'free text "Howard Smith"': ['CHAT_SUPPORT_ACTIVE', 'none'],
    image: ['CHAT_SUPPORT_ACTIVE', 'none'],
    location: ['CHAT_SUPPORT_ACTIVE', 'none'],
    'unsupported/other': ['CHAT_SUPPORT_ACTIVE', 'none'],
    reaction: ['CHAT_SUPPORT_ACTIVE', 'none'],
  },
};

const rows = (Object.keys(TABLE) as NamedState[]).flatMap((from) =>
  (Object.keys(INPUTS) as InputName[]).map((input) => [from, input, ...TABLE[from][input]] as const),
);

describe('every state × every kind of input', () => {
  it.each(rows)('%s + %s → %s offering %j', (from, input, next, offered) => {
    const before = states[from]();
    const result = step(before, INPUTS[input](), ctx);
    expect(result.state.name).toBe(next);
    expect(result.rejection).toBeUndefined();
    const sent = sends(result.effects);
    for (const content of sent) expect(checkOutboundLimits(content)).toEqual([]);
    const last = sent[sent.length - 1];
    if (offered === 'none') expect(sent).toEqual([]);
    else if (offered === 'text') expect(last?.kind).toBe('text');
    else {
      const ids =
        last?.kind === 'buttons'
          ? last.buttons.map((b) => b.id)
          : last?.kind === 'list'
            ? last.sections.flatMap((s) => s.rows.map((r) => r.id))
            : [];
      expect(ids).toEqual(offered);
    }
    // Nothing saved is ever lost by a message.
    if (before.registered) expect(result.state.profile).toEqual(before.profile);
    // Every user message in a chat reaches the agent.
    if (before.name === 'CHAT_SUPPORT_ACTIVE') expect(result.effects.map((e) => e.type)).toContain('chatUserMessage');
  });

  it('covers every conversation state', () => {
    const reached = new Set(Object.values(states).map((make) => make().name));
    expect([...reached].sort()).toEqual(
      [
        'INITIAL',
        'IDLE',
        'REGISTERED',
        'REGISTERING_NAME',
        'REGISTERING_EMAIL',
        'REGISTERING_CLASS',
        'HOMEWORK_SUBJECT',
        'HOMEWORK_TYPE',
        'HOMEWORK_CONTENT',
        'HOMEWORK_SUBMITTED',
        'PAYMENT_PENDING',
        'CHAT_SUPPORT_ACTIVE',
      ].sort(),
    );
  });
});
