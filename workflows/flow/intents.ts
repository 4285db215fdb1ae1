import type { InboundContent } from '../../domain/types';
import { normalize, words } from './normalize';

// How the flow understands the user: taps by id, exactly; typed text by whole words and
// phrases, never substrings, so "Howard" is not "how" and "Chatterjee" is not "chat".

/** What a user can ask for from a resting state. */
export type Intent =
  'end_chat' | 'support' | 'homework' | 'pay' | 'status' | 'faq' | 'help' | 'update_profile' | 'register' | 'main_menu';

const INTENT_IDS: readonly Intent[] = [
  'end_chat',
  'support',
  'homework',
  'pay',
  'status',
  'faq',
  'help',
  'update_profile',
  'register',
  'main_menu',
];

/** A tapped button or list row, decoded from its id. */
export type Tap =
  | { kind: 'intent'; intent: Intent }
  | { kind: 'homework_kind'; homeworkKind: 'text' | 'image' }
  | { kind: 'payment_confirm' }
  | { kind: 'rating'; rating: number }
  | { kind: 'topic'; topic: string }
  | { kind: 'subject'; slug: string }
  | { kind: 'unknown'; id: string };

type MediaContent = Extract<InboundContent, { kind: 'media' }>;

/** One inbound message, reduced to what the flow decides on. */
export type Input =
  | { kind: 'tap'; tap: Tap }
  | { kind: 'text'; raw: string; norm: string }
  | { kind: 'media'; media: MediaContent }
  | { kind: 'location' }
  | { kind: 'other' }
  | { kind: 'reaction' };

export function parseTapId(id: string): Tap {
  if ((INTENT_IDS as readonly string[]).includes(id)) return { kind: 'intent', intent: id as Intent };
  if (id === 'homework_text') return { kind: 'homework_kind', homeworkKind: 'text' };
  if (id === 'homework_image') return { kind: 'homework_kind', homeworkKind: 'image' };
  if (id === 'payment_confirm') return { kind: 'payment_confirm' };
  const rating = /^csat_([1-5])$/.exec(id);
  if (rating) return { kind: 'rating', rating: Number(rating[1]) };
  if (id.startsWith('faq_') && id.length > 4) return { kind: 'topic', topic: id.slice(4) };
  if (id.startsWith('subject_') && id.length > 8) return { kind: 'subject', slug: id.slice(8) };
  return { kind: 'unknown', id };
}

export function readInput(content: InboundContent): Input {
  switch (content.kind) {
    case 'button':
    case 'list':
      return { kind: 'tap', tap: parseTapId(content.id) };
    case 'template_button': {
      // Template quick replies carry our id as payload; a payload we never set (or none) is read as its label.
      const tap = parseTapId(content.payload);
      if (tap.kind !== 'unknown' || content.text.trim() === '') return { kind: 'tap', tap };
      return { kind: 'text', raw: content.text, norm: normalize(content.text) };
    }
    case 'text':
      return { kind: 'text', raw: content.text, norm: normalize(content.text) };
    case 'media':
      return { kind: 'media', media: content };
    case 'location':
      return { kind: 'location' };
    // An edit or a deletion changes an earlier message; like a reaction, it asks for nothing.
    case 'reaction':
    case 'edit':
    case 'revoke':
      return { kind: 'reaction' };
    // A system notice (the user changed their number, say) is not something the user said.
    case 'other':
      return content.type === 'system' ? { kind: 'reaction' } : { kind: 'other' };
  }
}

// Typed intents in a resting state, first match wins: end-chat before support, so "end chat" is never
// read as "chat". update_profile sits before register because no other intent's words overlap it.
const TYPED_INTENTS: ReadonlyArray<readonly [Intent, readonly string[]]> = [
  ['end_chat', ['end chat', 'quit chat', 'close chat', 'exit chat', 'leave chat', 'stop chat']],
  ['support', ['support', 'chat', 'help me', 'agent', 'human', 'talk to someone']],
  ['homework', ['homework', 'assignment', 'assignments']],
  ['pay', ['pay', 'payment', 'subscribe']],
  ['status', ['status']],
  ['faq', ['faq', 'faqs', 'frequently asked questions']],
  ['help', ['help', 'how']],
  ['update_profile', ['update profile', 'edit profile', 'change profile', 'update my profile', 'update my details']],
  ['register', ['register', 'registration', 'sign up', 'signup']],
  [
    'main_menu',
    [
      'menu',
      'main menu',
      'home',
      'start',
      'back',
      'cancel',
      'hi',
      'hello',
      'hey',
      'good morning',
      'good afternoon',
      'good evening',
    ],
  ],
];

/** The exact messages that end a chat, compared word by word so "END-CHAT!" counts too. */
const END_CHAT_EXACT = ['end chat', 'close', 'done', 'quit chat', 'exit'];
/** The exact messages that leave a free-text step. */
const LEAVE_EXACT = ['cancel', 'menu', 'main menu'];

function containsPhrase(haystack: string[], phrase: string): boolean {
  const needle = words(phrase);
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((w, j) => haystack[i + j] === w)) return true;
  }
  return false;
}

const exactly = (norm: string, options: readonly string[]): boolean => options.includes(words(norm).join(' '));

/** The first intent, in the order above, whose word or phrase occurs whole in the text. */
export function matchIntent(norm: string): Intent | undefined {
  const tokens = words(norm);
  if (tokens.length === 0) return undefined;
  if (exactly(norm, END_CHAT_EXACT)) return 'end_chat';
  for (const [intent, phrases] of TYPED_INTENTS) {
    if (phrases.some((p) => containsPhrase(tokens, p))) return intent;
  }
  return undefined;
}

export function isEndChatText(norm: string): boolean {
  return exactly(norm, END_CHAT_EXACT);
}

export function isLeaveText(norm: string): boolean {
  return exactly(norm, LEAVE_EXACT);
}

/** Whether the text contains the whole word or phrase (used for a step's own small vocabulary). */
export function hasPhrase(norm: string, phrases: readonly string[]): boolean {
  const tokens = words(norm);
  return phrases.some((p) => containsPhrase(tokens, p));
}

/** A rating answer: the csat_N row, or a typed "1"–"5" (also "4 stars", "4/5", or one to five ⭐). */
export function readRating(input: Input): number | undefined {
  if (input.kind === 'tap') return input.tap.kind === 'rating' ? input.tap.rating : undefined;
  if (input.kind !== 'text') return undefined;
  const typed = /^([1-5])(?: ?stars?| ?\/ ?5)?$/.exec(input.norm);
  if (typed) return Number(typed[1]);
  const stars = input.raw.replace(/[\s\ufe0f]/gu, '');
  if (/^⭐{1,5}$/u.test(stars)) return [...stars].length;
  return undefined;
}
