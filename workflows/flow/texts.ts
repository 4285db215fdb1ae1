import type { ConversationSettings, ListRow, OutboundContent, ReplyButton } from '../../domain/types';
import { MAX_INTERACTIVE_BODY_CHARS, MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import { clip, firstName } from '../../domain/text';
import { formatDate, formatDuration, formatPrice } from './format';
import type { Profile } from '../../domain/conversation';
import { SUBJECTS, subjectSlug } from './subjects';
import { TOPICS, type Topic } from './topics';

// Every message the bot writes. This file is the deliberate hub of wording, so reviewing what users
// read is one file. The three constructors at the top clip bodies to WhatsApp's limits, so user data
// (names, subjects, payment links) can never make a message fail; titles are constants within limits.

/** Longest user-supplied value quoted in a message; profile values are validated shorter than this anyway. */
const MAX_QUOTED = 120;

const text = (body: string): OutboundContent => ({ kind: 'text', text: clip(body, MAX_TEXT_CHARS) });
const buttons = (body: string, list: ReplyButton[]): OutboundContent => ({
  kind: 'buttons',
  body: clip(body, MAX_INTERACTIVE_BODY_CHARS),
  buttons: list,
});
const list = (body: string, button: string, title: string, rows: ListRow[]): OutboundContent => ({
  kind: 'list',
  body: clip(body, MAX_INTERACTIVE_BODY_CHARS),
  button,
  sections: [{ title, rows }],
});
const withNote = (note: string | undefined, body: string): string => (note === undefined ? body : `${note}\n\n${body}`);
const quote = (value: string): string => clip(value, MAX_QUOTED);

export const BUTTONS = {
  register: { id: 'register', title: '📝 Register' },
  faq: { id: 'faq', title: '❓ FAQ' },
  chatSupport: { id: 'support', title: '💬 Chat Support' },
  support: { id: 'support', title: '💬 Support' },
  mainMenu: { id: 'main_menu', title: '📍 Main Menu' },
  homeworkText: { id: 'homework_text', title: '📄 Text' },
  homeworkImage: { id: 'homework_image', title: '🖼️ Image' },
  confirmPayment: { id: 'payment_confirm', title: '✅ Confirm' },
  endChat: { id: 'end_chat', title: '❌ End Chat' },
  updateProfile: { id: 'update_profile', title: '✏️ Update Profile' },
  subscribe: { id: 'pay', title: '💳 Subscribe' },
  moreFaq: { id: 'faq', title: '❓ More FAQ' },
  moreHelp: { id: 'help', title: 'ℹ️ More Help' },
} as const satisfies Record<string, ReplyButton>;

/** Lead-in lines put above a menu, so a note and the menu arrive as one message. */
export const NOTES = {
  didNotGetThat: "Sorry, I didn't get that.",
  cannotRead: "Sorry, I can't read that kind of message yet. Please type or tap an option.",
  cannotUseLocation: "Thanks, but I can't use locations. Please type or tap an option.",
  homeworkMediaOutsideFlow: 'To hand in homework, choose Submit Homework first; I will then ask for your photo.',
  notInChat: "You're not in a chat with our support team right now.",
  chatEnded: '✅ Chat ended. Thanks for talking to us!',
  registered: (profile: Profile) => `✅ You're registered, ${firstName(profile.fullName)}!`,
  profileUpdated: '✅ Your profile is updated.',
  cancelled: (what: string) => `OK, I stopped the ${what}. Nothing you saved before is lost.`,
  flowTimedOut: (what: string) =>
    `⏰ You were away for a while, so I stopped the ${what}. Nothing you saved before is lost.`,
  paymentStillOpen: 'Your payment link stays open: I will tell you here as soon as the payment is confirmed.',
  paymentReceived: (planName: string, activeUntil: number) =>
    `✅ Payment received! Your ${quote(planName)} is active until ${formatDate(activeUntil)}.`,
  paymentExpired: (reference: string) =>
    `⌛ The payment ${reference} was not confirmed in time, so its link has expired. Choose Subscribe for a new one.`,
  unknownTopic: "Sorry, I don't have that topic any more. Here is the current list.",
  ratingClosed: 'Thanks! The rating for that chat is already closed.',
  notHandled:
    "Sorry, something went wrong with your last message and I couldn't handle it. Please send it again, or type menu.",
} as const;

export function welcomeMessage(botName: string, note?: string): OutboundContent {
  return buttons(
    withNote(
      note,
      `Welcome to ${quote(botName)}! 👋\n\n` +
        'I can register you, take your homework, handle your subscription and connect you with our support team.',
    ),
    [BUTTONS.register, BUTTONS.faq, BUTTONS.chatSupport],
  );
}

export function mainMenu(profile: Profile, note?: string): OutboundContent {
  return list(
    withNote(note, `Hey ${firstName(profile.fullName)}! What would you like to do?`),
    'Open menu',
    'Main menu',
    [
      { id: 'homework', title: 'Submit Homework', description: 'Send typed work or a photo' },
      { id: 'pay', title: 'Subscribe', description: 'Start or extend your subscription' },
      { id: 'status', title: 'Check Status', description: 'Your profile, subscription and homework' },
      { id: 'faq', title: 'FAQ', description: 'Answers to common questions' },
      { id: 'support', title: 'Chat Support', description: 'Talk to a person from our team' },
      { id: 'help', title: 'Help', description: 'How to use this chat' },
      { id: 'update_profile', title: 'Update Profile', description: 'Change your name, email or class' },
    ],
  );
}

/** For an unregistered user asking for something that needs a profile. */
export function registerFirst(what: string): OutboundContent {
  return buttons(`To ${what} you need to register first. It takes three quick questions.`, [
    BUTTONS.register,
    BUTTONS.mainMenu,
  ]);
}

export function alreadyRegistered(profile: Profile): OutboundContent {
  return buttons(`You're already registered as ${quote(profile.fullName)}. 🎉\n\nWant to change your details?`, [
    BUTTONS.updateProfile,
    BUTTONS.mainMenu,
  ]);
}

const keepHint = (current: string | undefined, label: string): string =>
  current === undefined
    ? '\n\n(Type cancel to stop.)'
    : `\n\nYour ${label} now: ${quote(current)}\nSend a new one, or type skip to keep it.`;

export function askName(current?: string, problem?: string): OutboundContent {
  const intro =
    current === undefined ? "Let's get you registered! 📝\n\nWhat is your full name?" : '✏️ What is your full name?';
  return text(withNote(problem, intro + keepHint(current, 'name')));
}

export function askEmail(current?: string, problem?: string): OutboundContent {
  return text(withNote(problem, '📧 What is your email address?' + keepHint(current, 'email')));
}

export function askClass(current?: string, problem?: string): OutboundContent {
  return text(
    withNote(
      problem,
      '🏫 Which class or grade are you in? (for example "JSS 2" or "Grade 10")' + keepHint(current, 'class'),
    ),
  );
}

export const PROBLEMS = {
  name: 'That does not look like a full name. Please send 2 to 80 characters: letters, spaces, hyphens or apostrophes.',
  nameNeeded: 'I need your name to register you.',
  email: 'That does not look like an email address. Please check it, for example ada@example.com.',
  className: 'Please send your class or grade in at most 40 characters.',
  typeIt: 'Please type your answer as a text message.',
  subject: 'Please pick a subject from the list, or type its name (2 to 60 characters).',
  homeworkType: 'Please tap 📄 Text or 🖼️ Image, or type "text" or "photo".',
  homeworkText: `Please type your homework as one message of at most ${MAX_TEXT_CHARS} characters.`,
} as const;

export function askSubject(problem?: string): OutboundContent {
  return list(
    withNote(problem, '📚 Which subject is this homework for?\n\nPick one from the list, or type the subject.'),
    'Choose subject',
    'Subjects',
    SUBJECTS.map((s) => ({ id: `subject_${subjectSlug(s)}`, title: s })),
  );
}

export function askHomeworkType(subject: string, problem?: string): OutboundContent {
  return buttons(withNote(problem, `How will you send your ${quote(subject)} homework?`), [
    BUTTONS.homeworkText,
    BUTTONS.homeworkImage,
    BUTTONS.mainMenu,
  ]);
}

export function askHomeworkText(subject: string, problem?: string): OutboundContent {
  return text(
    withNote(problem, `📄 Type your ${quote(subject)} homework and send it as one message.\n\n(Type cancel to stop.)`),
  );
}

export function askHomeworkImage(subject: string): OutboundContent {
  return text(
    `🖼️ Send a photo of your ${quote(subject)} homework (use the camera or 📎 button).\n\n(Type cancel to stop.)`,
  );
}

/** A photo arrived where typed text was asked for, or the reverse. */
export function wrongHomeworkKind(expected: 'text' | 'image', subject: string): OutboundContent {
  return expected === 'text'
    ? buttons(
        `I'm waiting for typed text for your ${quote(subject)} homework. To send a photo instead, tap 🖼️ Image.`,
        [BUTTONS.homeworkImage, BUTTONS.mainMenu],
      )
    : buttons(`I'm waiting for a photo of your ${quote(subject)} homework. To type it instead, tap 📄 Text.`, [
        BUTTONS.homeworkText,
        BUTTONS.mainMenu,
      ]);
}

export function homeworkSubmitted(subject: string, reference: string): OutboundContent {
  return buttons(
    `✅ Homework submitted for ${quote(subject)}!\n\nReference: ${reference}\nKeep it in case you need to ask about this submission.`,
    [BUTTONS.faq, BUTTONS.support, BUTTONS.mainMenu],
  );
}

export function paymentOffer(
  settings: ConversationSettings,
  view: { activeUntil?: number; pendingReference?: string },
): OutboundContent {
  const { planName, planPrice } = settings.payment;
  const lines = [`💳 ${quote(planName)}`, `Price: ${formatPrice(planPrice)} for 30 days.`];
  if (view.activeUntil !== undefined)
    lines.push(`You're subscribed until ${formatDate(view.activeUntil)}; paying now adds 30 days.`);
  lines.push(
    view.pendingReference === undefined
      ? 'Tap Confirm to get your secure payment link.'
      : `Your payment ${view.pendingReference} is still open: tap Confirm to get its link again.`,
  );
  return buttons(lines.join('\n'), [BUTTONS.confirmPayment, BUTTONS.mainMenu]);
}

export function paymentLink(settings: ConversationSettings, reference: string, link: string): OutboundContent {
  const { planName, planPrice } = settings.payment;
  return text(
    `🔗 Pay ${formatPrice(planPrice)} for your ${quote(planName)} here:\n${link}\n\nReference: ${reference}\n` +
      `The link is valid for ${formatDuration(settings.timers.paymentTimeoutMs)}. I will message you as soon as the payment is confirmed.`,
  );
}

export function paymentWaiting(reference: string, link: string | undefined): OutboundContent {
  const where = link === undefined ? '' : `\n\nIf you have not paid yet, use this link:\n${link}`;
  return text(
    `⏳ I'm waiting for the payment provider to confirm ${reference}.${where}\n\nType menu to do something else meanwhile.`,
  );
}

/** A note alone, for events that must not interrupt what the user is doing (a payment confirmed mid-chat). */
export function notice(note: string): OutboundContent {
  return text(note);
}

export interface StatusView {
  profile: Profile;
  now: number;
  activeUntil?: number;
  homeworkCount: number;
  pendingReference?: string;
}

export function statusMessage(view: StatusView): OutboundContent {
  const { profile, activeUntil, now } = view;
  const subscription =
    activeUntil === undefined
      ? 'none yet'
      : activeUntil > now
        ? `active until ${formatDate(activeUntil)}`
        : `ended on ${formatDate(activeUntil)}`;
  const lines = [
    '📋 Your status',
    '',
    `Name: ${quote(profile.fullName)}`,
    `Email: ${clip(profile.email, 260)}`,
    `Class: ${quote(profile.className)}`,
    `Subscription: ${subscription}`,
    `Homework submitted: ${view.homeworkCount}`,
  ];
  if (view.pendingReference !== undefined) lines.push(`Payment waiting for confirmation: ${view.pendingReference}`);
  return buttons(lines.join('\n'), [BUTTONS.updateProfile, BUTTONS.subscribe, BUTTONS.mainMenu]);
}

const topicRows = (which: Topic['list']): ListRow[] =>
  TOPICS.filter((t) => t.list === which).map((t) => ({
    id: `faq_${t.id}`,
    title: t.title,
    description: t.description,
  }));

export function faqList(note?: string): OutboundContent {
  return list(withNote(note, '❓ Frequently asked questions. Pick a topic:'), 'See topics', 'FAQ', topicRows('faq'));
}

export function helpList(note?: string): OutboundContent {
  return list(withNote(note, 'ℹ️ How can I help? Pick a topic:'), 'See topics', 'Help', topicRows('help'));
}

export function topicAnswer(topic: Topic, settings: ConversationSettings): OutboundContent {
  return buttons(`*${topic.title}*\n\n${topic.answer(settings)}`, [
    topic.list === 'faq' ? BUTTONS.moreFaq : BUTTONS.moreHelp,
    BUTTONS.support,
    BUTTONS.mainMenu,
  ]);
}

export const DEFAULT_AGENT_CLOSING = 'Thank you for contacting support!';
export const AGENT_PREFIX = '🎧 Support Team: ';

export function chatConnected(settings: ConversationSettings): OutboundContent {
  return buttons(
    "✅ You're connected to our support team. Write your question here and an agent will reply in this chat.\n\n" +
      `If nobody writes for ${formatDuration(settings.timers.chatIdleTimeoutMs)}, the chat closes by itself. ` +
      'Tap End Chat, or type "end chat", when you are done.',
    [BUTTONS.endChat],
  );
}

/**
 * A chat asked for outside business hours: when agents are back (`when`, in the business's time, e.g.
 * "tomorrow at 08:00"; undefined when no opening is known), and that everything written meanwhile
 * reaches them. No "connected": nobody is there yet.
 */
export function chatAway(settings: ConversationSettings, when: string | undefined, timezone: string): OutboundContent {
  const back =
    when === undefined
      ? 'Our support team is away right now.'
      : `🌙 Our support team is away right now. An agent will be with you ${when} (${timezone} time).`;
  return buttons(
    `${back} Write your question here now if you like: everything you send reaches them, and they will answer in this chat.\n\n` +
      'Tap End Chat, or type "end chat", to stop waiting.',
    [BUTTONS.endChat],
  );
}

export function chatAcknowledged(settings: ConversationSettings): OutboundContent {
  return text(
    '📨 Got it! Your message is with our support team and an agent will answer here. ' +
      'Keep writing if you like: everything you send reaches them. ' +
      `If nobody writes for ${formatDuration(settings.timers.chatIdleTimeoutMs)}, the chat closes and you can open a new one.`,
  );
}

export function agentJoined(): OutboundContent {
  return buttons(
    '🎧 A member of our support team is with you in this chat. Reply here; tap End Chat when you are done.',
    [BUTTONS.endChat],
  );
}

/** How an agent's message begins: with the agent's name, or the team's alone when none is given. */
export function agentPrefix(agent?: string): string {
  return agent === undefined ? AGENT_PREFIX : `🎧 ${agent} (Support Team): `;
}

/** What the user sees of an agent's message (the agent's own text, unchanged, after the prefix). */
export function agentMessage(message: string, agent?: string): OutboundContent {
  return text(agentPrefix(agent) + message);
}

export function chatReminder(closesInMs: number): OutboundContent {
  return buttons(
    `👋 Are you still there? This chat closes in ${formatDuration(closesInMs)} if nobody writes. Tap End Chat if you're done.`,
    [BUTTONS.endChat],
  );
}

export function chatTimedOut(idleMs: number): OutboundContent {
  return text(
    `⌛ This chat was closed because nobody wrote for ${formatDuration(idleMs)}. You can open a new one from the menu any time.`,
  );
}

export function ratingAsk(): OutboundContent {
  const labels = ['Poor', 'Fair', 'Good', 'Very good', 'Excellent'];
  return list(
    '⭐ How was your chat with our support team? Pick a rating, or just carry on.',
    'Rate the chat',
    'Your rating',
    [...labels.map((label, i) => ({ id: `csat_${i + 1}`, title: `${'⭐'.repeat(i + 1)} ${label}` }))],
  );
}

export function ratingThanks(): OutboundContent {
  return text('🙏 Thank you for your feedback! It helps us get better.');
}

/** The student wrote STOP: what they will no longer get, and how to undo it. */
export function campaignOptedOut(botName: string): OutboundContent {
  return text(
    `✅ Done: you will get no more announcements or reminders (campaign messages) from ${quote(botName)}. ` +
      'You can still write to us any time.\n\nChanged your mind? Send START.',
  );
}

/** The student wrote START after STOP. */
export function campaignOptedIn(botName: string): OutboundContent {
  return text(
    `✅ Welcome back: you will get ${quote(botName)}'s announcements and reminders again. Send STOP any time to end them.`,
  );
}

/**
 * The rating question once the 24-hour window has closed: the approved template `csatTemplate`, whose
 * five quick replies answer 1 to 5. Its text is the account's, filled in by the activity that sends it
 * (activities/template-text.ts); this one stands in where the catalogue does not know the template.
 */
export function ratingTemplate(template: { name: string; language: string }): OutboundContent {
  return {
    kind: 'template',
    name: template.name,
    language: template.language,
    parameters: [],
    rendered: '⭐ How was your chat with our support team? Tap a rating from 1 (poor) to 5 (excellent).',
    quickReplies: [1, 2, 3, 4, 5].map((n) => `csat_${n}`),
  };
}
