import { checkOutboundLimits } from '../../../src/whatsapp/outbound';
import * as texts from '../../../workflows/flow/texts';
import { TOPICS } from '../../../workflows/flow/topics';
import type { ConversationSettings, OutboundContent } from '../../../domain/types';
import { CONTACT_ID, settings } from './fixtures';

// Every text builder, fed long and awkward inputs, must produce messages WhatsApp accepts.

const LONG = 'Ŵ'.repeat(5000);
const EMOJI = '👩🏽‍🎓'.repeat(1500); // five code points each
const profiles = [
  { fullName: 'Ada Lovelace', email: 'ada@example.com', className: 'JSS 2' },
  {
    fullName: 'A'.repeat(80),
    email: `${'l'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(55)}.com`,
    className: 'C'.repeat(40),
  },
  { fullName: LONG, email: LONG, className: LONG },
  { fullName: EMOJI, email: EMOJI, className: EMOJI },
];
const inputs = ['Physics', 'S'.repeat(60), LONG, EMOJI];
const longSettings: ConversationSettings[] = [
  settings,
  {
    botName: LONG,
    payment: {
      planName: EMOJI,
      planPrice: Number.MAX_SAFE_INTEGER,
      linkTemplate: `https://pay.example.test/${'p'.repeat(3000)}/{reference}`,
    },
    timers: {
      chatIdleReminderMs: 1,
      chatIdleTimeoutMs: 7 * 86_400_000,
      flowIdleTimeoutMs: 1_000,
      paymentTimeoutMs: 59_999,
    },
  },
];
const notes: string[] = [
  ...Object.values(texts.NOTES).flatMap((note) => (typeof note === 'string' ? [note] : [])),
  texts.NOTES.registered(profiles[2]!),
  texts.NOTES.cancelled(LONG),
  texts.NOTES.flowTimedOut(EMOJI),
  texts.NOTES.paymentReceived(LONG, 8.64e15),
  texts.NOTES.paymentExpired(LONG),
  LONG,
];
const references = [`HW-${CONTACT_ID}-7`, `PAY-${'9'.repeat(300)}-1`];

const BUILDERS: Record<string, () => OutboundContent[]> = {
  welcomeMessage: () =>
    longSettings.flatMap((s) => [
      texts.welcomeMessage(s.botName),
      ...notes.map((n) => texts.welcomeMessage(s.botName, n)),
    ]),
  mainMenu: () => profiles.flatMap((p) => [texts.mainMenu(p), ...notes.map((n) => texts.mainMenu(p, n))]),
  registerFirst: () => inputs.map((i) => texts.registerFirst(i)),
  alreadyRegistered: () => profiles.map((p) => texts.alreadyRegistered(p)),
  askName: () => [
    texts.askName(),
    ...inputs.flatMap((i) => [texts.askName(i), texts.askName(i, LONG), texts.askName(undefined, i)]),
  ],
  askEmail: () => [texts.askEmail(), ...inputs.flatMap((i) => [texts.askEmail(i), texts.askEmail(i, LONG)])],
  askClass: () => [texts.askClass(), ...inputs.flatMap((i) => [texts.askClass(i), texts.askClass(i, LONG)])],
  askSubject: () => [
    texts.askSubject(),
    texts.askSubject(LONG),
    ...Object.values(texts.PROBLEMS).map((p) => texts.askSubject(p)),
  ],
  askHomeworkType: () => inputs.flatMap((i) => [texts.askHomeworkType(i), texts.askHomeworkType(i, LONG)]),
  askHomeworkText: () => inputs.flatMap((i) => [texts.askHomeworkText(i), texts.askHomeworkText(i, LONG)]),
  askHomeworkImage: () => inputs.map((i) => texts.askHomeworkImage(i)),
  wrongHomeworkKind: () =>
    inputs.flatMap((i) => [texts.wrongHomeworkKind('text', i), texts.wrongHomeworkKind('image', i)]),
  homeworkSubmitted: () => inputs.flatMap((i) => references.map((r) => texts.homeworkSubmitted(i, r))),
  paymentOffer: () =>
    longSettings.flatMap((s) => [
      texts.paymentOffer(s, {}),
      texts.paymentOffer(s, { activeUntil: 8.64e15, pendingReference: references[1]! }),
    ]),
  paymentLink: () =>
    longSettings.flatMap((s) =>
      references.map((r) => texts.paymentLink(s, r, s.payment.linkTemplate.replace('{reference}', r))),
    ),
  paymentWaiting: () =>
    references.flatMap((r) => [texts.paymentWaiting(r, undefined), texts.paymentWaiting(r, `https://x.test/${LONG}`)]),
  notice: () => notes.map((n) => texts.notice(n)),
  statusMessage: () =>
    profiles.flatMap((profile) => [
      texts.statusMessage({ profile, now: 0, homeworkCount: 0 }),
      texts.statusMessage({
        profile,
        now: 0,
        homeworkCount: Number.MAX_SAFE_INTEGER,
        activeUntil: 8.64e15,
        pendingReference: references[1]!,
      }),
      texts.statusMessage({ profile, now: 8.64e15, homeworkCount: 3, activeUntil: 0 }),
    ]),
  faqList: () => [texts.faqList(), texts.faqList(LONG)],
  helpList: () => [texts.helpList(), texts.helpList(LONG)],
  topicAnswer: () => TOPICS.flatMap((t) => longSettings.map((s) => texts.topicAnswer(t, s))),
  chatConnected: () => longSettings.map((s) => texts.chatConnected(s)),
  chatAcknowledged: () => longSettings.map((s) => texts.chatAcknowledged(s)),
  chatAway: () =>
    longSettings.flatMap((s) => [
      texts.chatAway(s, 'on Monday 4 January at 08:00', 'America/Argentina/ComodRivadavia'),
      texts.chatAway(s, undefined, 'UTC'),
      texts.chatAway(s, LONG, LONG),
    ]),
  agentJoined: () => [texts.agentJoined()],
  agentMessage: () => [
    ...['Hello', 'y'.repeat(4096 - [...texts.AGENT_PREFIX].length), LONG, EMOJI].map((m) => texts.agentMessage(m)),
    // With the agent's name (at most 100 characters): the flow allows what still fits.
    texts.agentMessage('y'.repeat(4096 - [...texts.agentPrefix('Ȧ'.repeat(100))].length), 'Ȧ'.repeat(100)),
  ],
  agentPrefix: () => [undefined, 'Ada', 'Ȧ'.repeat(100)].map((name) => texts.notice(texts.agentPrefix(name))),
  chatReminder: () => [1, 60_000, 15 * 60_000, 7 * 86_400_000].map((ms) => texts.chatReminder(ms)),
  chatTimedOut: () => [1, 60_000, 30 * 60_000, 7 * 86_400_000].map((ms) => texts.chatTimedOut(ms)),
  ratingAsk: () => [texts.ratingAsk()],
  ratingThanks: () => [texts.ratingThanks()],
  ratingTemplate: () => [texts.ratingTemplate({ name: 'chat_rating', language: 'en' })],
  campaignOptedOut: () => longSettings.map((s) => texts.campaignOptedOut(s.botName)),
  campaignOptedIn: () => longSettings.map((s) => texts.campaignOptedIn(s.botName)),
};

describe('texts', () => {
  it('has a case here for every builder texts.ts exports', () => {
    const builders = Object.entries(texts)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    expect(Object.keys(BUILDERS).sort()).toEqual(builders);
  });

  it.each(Object.keys(BUILDERS))('%s stays within WhatsApp limits for long inputs', (name) => {
    const produced = BUILDERS[name]!();
    expect(produced.length).toBeGreaterThan(0);
    for (const content of produced) expect(checkOutboundLimits(content)).toEqual([]);
  });

  it('keeps every fixed button within limits', () => {
    for (const button of Object.values(texts.BUTTONS)) {
      expect(checkOutboundLimits({ kind: 'buttons', body: 'b', buttons: [button] })).toEqual([]);
    }
  });

  it('uses the exact button titles the students see', () => {
    expect(texts.BUTTONS.homeworkText.title).toBe('📄 Text');
    expect(texts.BUTTONS.homeworkImage.title).toBe('🖼️ Image');
    expect(texts.BUTTONS.mainMenu.title).toBe('📍 Main Menu');
    expect(texts.BUTTONS.faq.title).toBe('❓ FAQ');
    expect(texts.BUTTONS.support.title).toBe('💬 Support');
    expect(texts.BUTTONS.confirmPayment.title).toBe('✅ Confirm');
    expect(texts.BUTTONS.endChat.title).toBe('❌ End Chat');
  });

  it('quotes long user data shortened, not dropped', () => {
    const body = texts.statusMessage({ profile: profiles[2]!, now: 0, homeworkCount: 2 });
    expect(body.kind === 'buttons' && body.body).toContain('Homework submitted: 2');
    expect(body.kind === 'buttons' && body.body).toContain('Ŵ…');
  });
});
