import fc from 'fast-check';
import { checkOutboundLimits } from '../../../src/whatsapp/outbound';
import type { FlowContext } from '../../../workflows/flow/context';
import { STATE_NAMES, type TimerName } from '../../../domain/conversation';
import type { Effect } from '../../../domain/effects';
import type { FlowEvent } from '../../../workflows/flow/events';
import { awaitsUser } from '../../../workflows/flow/menu';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import type { ConversationSettings, InboundContent, MediaType, OutboundContent } from '../../../domain/types';
import { CONTACT_ID, NOW, PHONE, settings as defaultSettings, states, type NamedState } from './fixtures';

// For any sequence of events the flow never throws and keeps its invariants. Events that depend on
// the state (a timer's current token, the open payment's reference) are generated as "current" or as
// something else, and resolved against the state when they run.

const VOCABULARY = [
  'hi',
  'register',
  'support',
  'chat',
  'end chat',
  'END_CHAT',
  'done',
  'Done!',
  'close',
  'exit',
  'quit chat',
  'cancel',
  'menu',
  'main menu',
  'skip',
  'homework',
  'pay',
  'payment',
  'subscribe',
  'status',
  'faq',
  'help',
  'help me',
  'update profile',
  'Howard',
  'Howard Smith',
  'Ada Lovelace',
  'Chatterjee',
  'Closeup',
  'ada@example.com',
  'bad@',
  'JSS 2',
  'Physics',
  'text',
  'photo',
  'yes',
  '1',
  '5',
  '4 stars',
  '⭐⭐⭐',
  "I'm done with question 3",
  '{name}',
  '{subject}',
  'subject_{x}',
  '  ',
  '',
  '📍 Main Menu',
  '❌ End Chat',
];
const IDS = [
  'register',
  'homework',
  'pay',
  'status',
  'faq',
  'support',
  'help',
  'update_profile',
  'main_menu',
  'end_chat',
  'homework_text',
  'homework_image',
  'payment_confirm',
  'csat_1',
  'csat_3',
  'csat_5',
  'csat_9',
  'faq_registration',
  'faq_payment',
  'faq_menu',
  'faq_nope',
  'subject_physics',
  'subject_further_maths',
  'subject_{x}',
  'subject_',
  'Register',
];
const TIMERS: TimerName[] = ['flow_idle', 'payment', 'chat_reminder', 'chat_close'];
const MEDIA: MediaType[] = ['image', 'document', 'audio', 'video', 'sticker'];

const longText = fc.integer({ min: 3000, max: 6000 }).map((n) => 'ŵ'.repeat(n));
const anyText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VOCABULARY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 1, arbitrary: longText },
);
const anyId = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...IDS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const content: fc.Arbitrary<InboundContent> = fc.oneof(
  { weight: 6, arbitrary: anyText.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 4, arbitrary: fc.tuple(anyId, anyText).map(([id, title]) => ({ kind: 'button' as const, id, title })) },
  { weight: 3, arbitrary: fc.tuple(anyId, anyText).map(([id, title]) => ({ kind: 'list' as const, id, title })) },
  {
    weight: 1,
    arbitrary: fc.tuple(anyId, anyText).map(([payload, text]) => ({ kind: 'template_button' as const, payload, text })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        mediaType: fc.constantFrom(...MEDIA),
        mediaId: fc.string({ minLength: 1, maxLength: 10 }),
        mimeType: fc.option(fc.constantFrom('image/jpeg', 'image/png', 'application/pdf', 'audio/ogg'), {
          nil: undefined,
        }),
        caption: fc.option(anyText, { nil: undefined }),
      })
      .map((m) => ({
        kind: 'media' as const,
        mediaType: m.mediaType,
        mediaId: m.mediaId,
        ...(m.mimeType === undefined ? {} : { mimeType: m.mimeType }),
        ...(m.caption === undefined ? {} : { caption: m.caption }),
      })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'location' as const, latitude: 6.5, longitude: 3.4 }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'other' as const, type: 'unsupported', summary: 'unsupported: edit' }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reaction' as const, messageId: 'wamid.x', emoji: '👍' }) },
);

type Spec =
  | { t: 'inbound'; content: InboundContent }
  | { t: 'timer'; timer: TimerName; token: string | null }
  | { t: 'paid'; reference: string | null }
  | { t: 'agentStart'; message?: string }
  | { t: 'agentSend'; message: string }
  | { t: 'agentEnd'; message?: string };

const agentMessage = fc.oneof(anyText, fc.constant(''), fc.constant('   '), fc.constant('x'.repeat(4096)));
const spec: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 12, arbitrary: content.map((c) => ({ t: 'inbound' as const, content: c })) },
  // null = the timer's current token; a string = a stale or made-up one.
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('timer' as const),
      timer: fc.constantFrom(...TIMERS),
      token: fc.option(fc.constantFrom('flow_idle-1', 'payment-3', 'x'), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('paid' as const),
      reference: fc.option(fc.constantFrom('PAY-15550002222-1', 'nope'), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(agentMessage, { nil: undefined })
      .map((message) => ({ t: 'agentStart' as const, ...(message === undefined ? {} : { message }) })),
  },
  { weight: 2, arbitrary: agentMessage.map((message) => ({ t: 'agentSend' as const, message })) },
  {
    weight: 1,
    arbitrary: fc
      .option(agentMessage, { nil: undefined })
      .map((message) => ({ t: 'agentEnd' as const, ...(message === undefined ? {} : { message }) })),
  },
);

const safeName = fc.string({ minLength: 1, maxLength: 300 }).filter((s) => !/[{}]/.test(s) && s.trim() !== '');
const settingsArb: fc.Arbitrary<ConversationSettings> = fc.oneof(
  fc.constant(defaultSettings),
  fc.record({
    botName: safeName,
    payment: fc.record({
      planName: safeName,
      planPrice: fc.nat({ max: 1e12 }),
      linkTemplate: fc.constantFrom(
        'https://pay.example.test/{reference}',
        'https://p.test/?ref={reference}&again={reference}',
      ),
    }),
    timers: fc.record({
      chatIdleReminderMs: fc.integer({ min: 1, max: 1e9 }),
      chatIdleTimeoutMs: fc.integer({ min: 1, max: 1e9 }),
      flowIdleTimeoutMs: fc.integer({ min: 1, max: 1e9 }),
      paymentTimeoutMs: fc.integer({ min: 1, max: 1e9 }),
    }),
  }),
);

let wamid = 0;
function resolve(s: Spec, state: FlowState): FlowEvent {
  switch (s.t) {
    case 'inbound':
      wamid += 1;
      return {
        type: 'inbound',
        message: {
          waMessageId: `wamid.p${wamid}`,
          sender: { phone: PHONE },
          sentAt: NOW,
          receivedAt: NOW,
          content: s.content,
        },
      };
    case 'timer':
      return { type: 'timer', timer: s.timer, token: s.token ?? state.timers[s.timer] ?? 'none' };
    case 'paid':
      return { type: 'paymentConfirmed', reference: s.reference ?? state.payment?.reference ?? 'none', amount: 5000 };
    case 'agentStart':
      return { type: 'agentStart', agent: 'Grace', ...(s.message === undefined ? {} : { message: s.message }) };
    case 'agentSend':
      return { type: 'agentSend', agent: 'Grace', message: s.message };
    case 'agentEnd':
      return { type: 'agentEnd', agent: 'Grace', ...(s.message === undefined ? {} : { message: s.message }) };
  }
}

const PLACEHOLDER = /\{[^{}\s]*\}/;

/** Every string of a message the user sees. */
function visibleStrings(content: OutboundContent): string[] {
  if (content.kind === 'text') return [content.text];
  if (content.kind === 'template') return [content.rendered];
  if (content.kind === 'media') return content.caption === undefined ? [] : [content.caption];
  if (content.kind === 'contact_request') return [content.body];
  const extras = [content.header, content.footer].filter((s): s is string => s !== undefined);
  if (content.kind === 'buttons') return [content.body, ...extras, ...content.buttons.map((b) => b.title)];
  const rows = content.sections.flatMap((s) => [s.title, ...s.rows.flatMap((r) => [r.title, r.description ?? ''])]);
  return [content.body, content.button, ...extras, ...rows];
}

function checkState(state: FlowState): void {
  expect(STATE_NAMES).toContain(state.name);
  expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  expect(state.chat !== undefined).toBe(state.name === 'CHAT_SUPPORT_ACTIVE');
  expect(state.timers.chat_close !== undefined).toBe(state.name === 'CHAT_SUPPORT_ACTIVE');
  if (state.timers.chat_reminder !== undefined) expect(state.name).toBe('CHAT_SUPPORT_ACTIVE');
  expect(state.timers.payment !== undefined).toBe(state.payment?.reference !== undefined);
  expect(state.timers.flow_idle !== undefined).toBe(awaitsUser(state));
  if (state.awaitingRating !== undefined) expect(state.name).not.toBe('CHAT_SUPPORT_ACTIVE');
  if (state.registered) expect(state.profile).toBeDefined();
  if (state.name.startsWith('REGISTERING_')) expect(state.draft).toBeDefined();
  if (state.name === 'HOMEWORK_TYPE' || state.name === 'HOMEWORK_CONTENT')
    expect(state.homework?.subject).toBeDefined();
  if (state.name === 'HOMEWORK_CONTENT') expect(state.homework?.kind).toBeDefined();
  if (['HOMEWORK_SUBJECT', 'HOMEWORK_TYPE', 'HOMEWORK_CONTENT', 'PAYMENT_PENDING'].includes(state.name))
    expect(state.registered).toBe(true);
}

function checkEffects(effects: Effect[], state: FlowState): void {
  for (const effect of effects) {
    if (effect.type !== 'send') continue;
    expect(checkOutboundLimits(effect.content)).toEqual([]);
    // Agents may write braces; everything the bot writes itself must be filled in.
    if (effect.agent === undefined)
      for (const text of visibleStrings(effect.content)) expect(text).not.toMatch(PLACEHOLDER);
  }
  // The state records the token of the last start of each timer, and no token for a timer cancelled last.
  for (const timer of TIMERS) {
    const last = [...effects]
      .reverse()
      .find((e) => (e.type === 'startTimer' || e.type === 'cancelTimer') && e.timer === timer);
    if (last?.type === 'startTimer') expect(state.timers[timer]).toBe(last.token);
    if (last?.type === 'cancelTimer') expect(state.timers[timer]).toBeUndefined();
  }
}

function run(start: FlowState, specs: Spec[], settings: ConversationSettings, steps: number[]): void {
  let state = start;
  let now = NOW;
  const keys = new Set<string>();
  specs.forEach((s, i) => {
    now += steps[i % steps.length] ?? 0;
    const context: FlowContext = { settings, now, contactId: CONTACT_ID, cause: `step/${i}` };
    const event = resolve(s, state);
    const previous = state;
    const result = step(previous, event, context);

    if (result.rejection !== undefined) {
      expect(result.state).toBe(previous);
      expect(result.effects).toEqual([]);
    }
    checkState(result.state);
    checkEffects(result.effects, result.state);
    if (previous.registered) expect(result.state.registered).toBe(true);
    if (previous.profile !== undefined) {
      const profile = result.state.profile;
      expect(profile).toBeDefined();
      for (const value of Object.values(profile!)) expect(value.length).toBeGreaterThan(0);
      // A profile changes only together with the saveProfile that persists it.
      if (JSON.stringify(profile) !== JSON.stringify(previous.profile)) {
        expect(result.effects).toContainEqual({ type: 'saveProfile', profile });
      }
    }
    expect(result.state.homeworkCount).toBeGreaterThanOrEqual(previous.homeworkCount);
    // In a chat the bot stays quiet: at most the one acknowledgement, and none once given or once an agent wrote.
    if (
      event.type === 'inbound' &&
      previous.chat !== undefined &&
      result.state.chat?.sessionKey === previous.chat.sessionKey
    ) {
      const botSends = result.effects.filter((e) => e.type === 'send' && e.agent === undefined);
      const quiet =
        previous.chat.acknowledged || previous.chat.agentReplied === true || previous.chat.startedBy !== 'user';
      expect(botSends.length).toBeLessThanOrEqual(quiet ? 0 : 1);
    }
    // References, session keys and timer tokens are never reused within a conversation.
    for (const e of result.effects) {
      const key =
        e.type === 'saveHomework' || e.type === 'createPayment'
          ? e.reference
          : e.type === 'openChat'
            ? e.sessionKey
            : e.type === 'startTimer'
              ? e.token
              : undefined;
      if (key === undefined) continue;
      expect(keys.has(key)).toBe(false);
      keys.add(key);
    }
    state = result.state;
  });
}

const startArb = fc.constantFrom(...(Object.keys(states) as NamedState[]));
const stepsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 * 86_400_000 })), {
  minLength: 1,
  maxLength: 5,
});

describe('step, for any sequence of events', () => {
  it('keeps every invariant from a new conversation', () => {
    fc.assert(
      fc.property(settingsArb, fc.array(spec, { maxLength: 60 }), stepsArb, (settings, specs, steps) => {
        run(states.initial(), specs, settings, steps);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every invariant from any state the flow reaches', () => {
    const starts = Object.fromEntries(
      (Object.keys(states) as NamedState[]).map((name) => [name, states[name]()]),
    ) as Record<NamedState, FlowState>;
    fc.assert(
      fc.property(
        startArb,
        settingsArb,
        fc.array(spec, { maxLength: 40 }),
        stepsArb,
        (start, settings, specs, steps) => {
          run(starts[start], specs, settings, steps);
        },
      ),
      { numRuns: 600 },
    );
  });

  it("never changes the caller's state object", () => {
    fc.assert(
      fc.property(startArb, spec, (start, s) => {
        const before = states[start]();
        const snapshot = JSON.stringify(before);
        step(before, resolve(s, before), {
          settings: defaultSettings,
          now: NOW,
          contactId: CONTACT_ID,
          cause: 'step/1',
        });
        expect(JSON.stringify(before)).toBe(snapshot);
      }),
      { numRuns: 500 },
    );
  });
});
