import {
  isEndChatText,
  isLeaveText,
  matchIntent,
  parseTapId,
  readInput,
  readRating,
} from '../../../workflows/flow/intents';
import { cleanData, normalize, words } from '../../../workflows/flow/normalize';

describe('normalize', () => {
  it.each([
    ['  HeLLo   World!! ', 'hello world'],
    ['💬 Chat Support', 'chat support'],
    ['📍 Main Menu', 'main menu'],
    ['Done ✅', 'done'],
    ['...support???', 'support'],
    ['ＨＥＬＰ', 'help'],
    ['1️⃣', '1'],
    ['I\u2019m done', "i'm done"],
    ['\u201cend chat\u201d', 'end chat'],
    ['end\u00a0\u00a0chat', 'end chat'],
    ['\u200bsupport\ufeff', 'support'],
    ['Café 👍🏽', 'café'],
    ['', ''],
    ['🙂🙂', ''],
  ])('normalize(%j) is %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  it('keeps case, accents and inner punctuation for data', () => {
    expect(cleanData('  Ngũgĩ   wa Thiong\u2019o ')).toBe("Ngũgĩ wa Thiong'o");
    expect(cleanData('José\u00a0Martí')).toBe('José Martí');
  });

  it('splits words on punctuation but not on apostrophes', () => {
    expect(words("end_chat i'm here-now")).toEqual(['end', 'chat', "i'm", 'here', 'now']);
  });
});

describe('matchIntent', () => {
  it.each([
    ['support', 'support'],
    ['I need to talk to someone please', 'support'],
    ['help me', 'support'],
    ['can I speak to a human', 'support'],
    ['agent', 'support'],
    ['chat', 'support'],
    ['Chat Support', 'support'],
    ['end chat', 'end_chat'],
    ['END_CHAT', 'end_chat'],
    ['end-chat!', 'end_chat'],
    ['close', 'end_chat'],
    ['exit', 'end_chat'],
    ['homework', 'homework'],
    ['I want to submit my homework', 'homework'],
    ['help with homework', 'homework'],
    ['pay', 'pay'],
    ['payment', 'pay'],
    ['subscribe', 'pay'],
    ['how do I pay', 'pay'],
    ['status', 'status'],
    ['faq', 'faq'],
    ['FAQs', 'faq'],
    ['help', 'help'],
    ['how does this work', 'help'],
    ['update profile', 'update_profile'],
    ['register', 'register'],
    ['I want to sign up', 'register'],
    ['menu', 'main_menu'],
    ['Hi', 'main_menu'],
    ['hello there', 'main_menu'],
    ['I want to chat about payment', 'support'],
  ])('%j → %s', (typed, intent) => {
    expect(matchIntent(normalize(typed))).toBe(intent);
  });

  it.each([
    'Howard',
    'Howard Smith',
    'Chatterjee',
    'Closeup',
    'paypal',
    'helpful',
    'statuses',
    'chats',
    'humanities',
    'support2',
    'exiting',
    'done with it',
    'xyz',
    '',
  ])('%j matches no intent (whole words only)', (typed) => {
    expect(matchIntent(normalize(typed))).toBeUndefined();
  });
});

describe('exact commands', () => {
  it.each(['end chat', 'End Chat', 'end_chat', 'close', 'Done!', 'done', 'quit chat', 'exit', '❌ End Chat'])(
    '%j ends a chat',
    (t) => {
      expect(isEndChatText(normalize(t))).toBe(true);
    },
  );

  it.each([
    "I'm done with question 3",
    'done with it',
    'close the question',
    'Closeup',
    'exit exam is hard',
    'chat',
    'end',
  ])('%j does not end a chat', (t) => {
    expect(isEndChatText(normalize(t))).toBe(false);
  });

  it.each(['cancel', 'Cancel.', 'menu', 'MAIN MENU', '📍 Main Menu'])('%j leaves a free-text step', (t) => {
    expect(isLeaveText(normalize(t))).toBe(true);
  });

  it.each(['cancel my order', 'menus', 'the main menu please', 'Howard'])('%j is data in a free-text step', (t) => {
    expect(isLeaveText(normalize(t))).toBe(false);
  });
});

describe('taps', () => {
  it('decodes every tap id the bot sends', () => {
    expect(parseTapId('register')).toEqual({ kind: 'intent', intent: 'register' });
    expect(parseTapId('main_menu')).toEqual({ kind: 'intent', intent: 'main_menu' });
    expect(parseTapId('end_chat')).toEqual({ kind: 'intent', intent: 'end_chat' });
    expect(parseTapId('update_profile')).toEqual({ kind: 'intent', intent: 'update_profile' });
    expect(parseTapId('homework_text')).toEqual({ kind: 'homework_kind', homeworkKind: 'text' });
    expect(parseTapId('homework_image')).toEqual({ kind: 'homework_kind', homeworkKind: 'image' });
    expect(parseTapId('payment_confirm')).toEqual({ kind: 'payment_confirm' });
    expect(parseTapId('csat_4')).toEqual({ kind: 'rating', rating: 4 });
    expect(parseTapId('faq_payment')).toEqual({ kind: 'topic', topic: 'payment' });
    expect(parseTapId('subject_computer_science')).toEqual({ kind: 'subject', slug: 'computer_science' });
  });

  it('does not guess at ids that are not exactly ours', () => {
    for (const id of ['Register', 'csat_6', 'csat_0', 'faq_', 'subject_', 'support ', 'REGISTER']) {
      expect(parseTapId(id).kind).toBe('unknown');
    }
  });

  it('reads a template quick reply by payload, and by label when the payload is not ours', () => {
    expect(readInput({ kind: 'template_button', payload: 'support', text: 'Talk to us' })).toEqual({
      kind: 'tap',
      tap: { kind: 'intent', intent: 'support' },
    });
    expect(readInput({ kind: 'template_button', payload: 'PROMO_42', text: 'Help me' })).toEqual({
      kind: 'text',
      raw: 'Help me',
      norm: 'help me',
    });
  });

  it('reads ratings from the list, digits, "n stars", "n/5" and star emoji', () => {
    const typed = (t: string) => readRating({ kind: 'text', raw: t, norm: normalize(t) });
    expect(readRating({ kind: 'tap', tap: { kind: 'rating', rating: 2 } })).toBe(2);
    expect(typed('5')).toBe(5);
    expect(typed(' 3. ')).toBe(3);
    expect(typed('4 stars')).toBe(4);
    expect(typed('4/5')).toBe(4);
    expect(typed('⭐⭐⭐')).toBe(3);
    expect(typed('1️⃣')).toBe(1);
    for (const t of ['6', '0', '10', 'five', 'great', '3 questions', '⭐⭐⭐⭐⭐⭐']) expect(typed(t)).toBeUndefined();
  });
});
