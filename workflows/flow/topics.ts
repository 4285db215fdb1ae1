import type { ConversationSettings } from '../../domain/types';
import { formatPrice } from './format';

// The answers behind the FAQ and Help lists. Both lists use `faq_<topic>` row ids; a topic
// says which list it belongs to so its answer can offer "more" of the same list.

export interface Topic {
  id: string;
  list: 'faq' | 'help';
  /** Row title, at most MAX_ROW_TITLE_CHARS (domain/whatsapp-limits.ts). */
  title: string;
  /** Row description, at most MAX_ROW_DESCRIPTION_CHARS. */
  description: string;
  answer: (settings: ConversationSettings) => string;
}

export const TOPICS: readonly Topic[] = [
  {
    id: 'registration',
    list: 'faq',
    title: 'Registration',
    description: 'How to sign up and what we ask for',
    answer: () =>
      'Tap Register and answer three questions: your full name, your email address and your class or grade. ' +
      'That is all. You can change any of it later with Update Profile.',
  },
  {
    id: 'homework',
    list: 'faq',
    title: 'Submitting homework',
    description: 'Typed answers or photos of your work',
    answer: () =>
      'Choose Submit Homework, pick the subject, then send your work as typed text or as a photo. ' +
      'Every submission gets a reference number; keep it if you need to ask about it later.',
  },
  {
    id: 'payment',
    list: 'faq',
    title: 'Subscription',
    description: 'Price, payment link and confirmation',
    answer: (s) =>
      `The ${s.payment.planName} costs ${formatPrice(s.payment.planPrice)} for 30 days. Choose Subscribe, tap Confirm ` +
      'and pay through the secure link. I tell you here as soon as the payment is confirmed; paying again adds another 30 days.',
  },
  {
    id: 'support',
    list: 'faq',
    title: 'Talking to a person',
    description: 'Chat with our support team right here',
    answer: () =>
      'Choose Chat Support (or type "support") and write your question: a member of our team answers in this chat. ' +
      'Tap End Chat, or type "end chat", when you are done.',
  },
  {
    id: 'data',
    list: 'faq',
    title: 'Your data',
    description: 'What we keep and why',
    answer: () =>
      'We keep your name, email, class, your homework and our chats with you, so that teachers and support can help you. ' +
      'Ask support if you want anything corrected or removed.',
  },
  {
    id: 'menu',
    list: 'help',
    title: 'Using the menu',
    description: 'Buttons, lists and typed commands',
    answer: () =>
      'Tap the buttons or open the list under a message. You can also type what you want: "homework", "pay", ' +
      '"status", "faq", "support" or "menu".',
  },
  {
    id: 'cancel',
    list: 'help',
    title: 'Stopping a step',
    description: 'Leave a question without finishing it',
    answer: () =>
      'While I am asking you something, type "cancel" or "menu" to stop and go back to the menu. ' +
      'Nothing you already saved is lost.',
  },
  {
    id: 'profile',
    list: 'help',
    title: 'Changing your details',
    description: 'Update your name, email or class',
    answer: () => 'Choose Update Profile. I show each current value; send a new one, or type "skip" to keep it.',
  },
  {
    id: 'status',
    list: 'help',
    title: 'Checking your status',
    description: 'Your profile, subscription and homework count',
    answer: () =>
      'Choose Check Status, or type "status", to see your details, your subscription and how much homework you have sent.',
  },
];

export function findTopic(id: string): Topic | undefined {
  return TOPICS.find((t) => t.id === id);
}
