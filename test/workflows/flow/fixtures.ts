import type { FlowContext, StepResult } from '../../../workflows/flow/context';
import type { Effect } from '../../../domain/effects';
import type { FlowEvent } from '../../../workflows/flow/events';
import { initialFlowState, type FlowState } from '../../../workflows/flow/state';
import { inboundCause } from '../../../workflows/flow/ids';
import { step } from '../../../workflows/flow/step';
import type { ConversationSettings, InboundContent, OutboundContent } from '../../../domain/types';

// Shared builders for the flow tests: settings, events, and states reached by driving the real flow.

export const PHONE = '15550002222';
/** The contact the webhook resolved PHONE to: every row, reference and session key is keyed by it. */
export const CONTACT_ID = 'ct_0123456789abcdef0123';
export const NOW = Date.UTC(2026, 11, 25, 10, 0, 0); // 25 Dec 2026, 10:00 UTC

export const settings: ConversationSettings = {
  botName: 'EduBot',
  payment: { planName: 'Monthly plan', planPrice: 5000, linkTemplate: 'https://pay.example.test/checkout/{reference}' },
  timers: {
    chatIdleReminderMs: 15 * 60_000,
    chatIdleTimeoutMs: 30 * 60_000,
    flowIdleTimeoutMs: 30 * 60_000,
    paymentTimeoutMs: 30 * 60_000,
  },
};

/** The context of one step; the ids it makes derive from `cause`, so steps that must not share ids get causes of their own. */
export const ctx: FlowContext = { settings, now: NOW, contactId: CONTACT_ID, cause: 'in/wamid.test' };

let wamid = 0;
export function inbound(content: InboundContent): FlowEvent {
  wamid += 1;
  return {
    type: 'inbound',
    message: { waMessageId: `wamid.${wamid}`, sender: { phone: PHONE }, sentAt: NOW, receivedAt: NOW + 100, content },
  };
}

export const text = (t: string): FlowEvent => inbound({ kind: 'text', text: t });
export const tap = (id: string, title = id): FlowEvent => inbound({ kind: 'button', id, title });
export const pick = (id: string, title = id): FlowEvent => inbound({ kind: 'list', id, title });
export const image = (mediaId = 'media-1', caption?: string): FlowEvent =>
  inbound({
    kind: 'media',
    mediaType: 'image',
    mediaId,
    mimeType: 'image/jpeg',
    ...(caption === undefined ? {} : { caption }),
  });
export const media = (mediaType: 'image' | 'document' | 'audio' | 'video' | 'sticker', mimeType?: string): FlowEvent =>
  inbound({ kind: 'media', mediaType, mediaId: `m-${mediaType}`, ...(mimeType === undefined ? {} : { mimeType }) });
export const location = (): FlowEvent => inbound({ kind: 'location', latitude: 6.5, longitude: 3.4, name: 'School' });
export const other = (): FlowEvent => inbound({ kind: 'other', type: 'unsupported', summary: 'unsupported: edit' });
export const reaction = (): FlowEvent => inbound({ kind: 'reaction', messageId: 'wamid.x', emoji: '👍' });

let otherEvents = 0;
/** The cause the workflow would name an event by: a message by its wamid, anything else by one of its own. */
export function causeOf(event: FlowEvent): string {
  return event.type === 'inbound' ? inboundCause(event.message.waMessageId) : `test/${event.type}/${++otherEvents}`;
}

/**
 * Runs events in order from `start`, each at NOW unless a context is given and with its own cause, as
 * the workflow runs them; returns every step's result.
 */
export function drive(
  events: FlowEvent[],
  start: FlowState = initialFlowState(),
  context: FlowContext = ctx,
): StepResult[] {
  const results: StepResult[] = [];
  let state = start;
  for (const event of events) {
    const result = step(state, event, { ...context, cause: causeOf(event) });
    results.push(result);
    state = result.state;
  }
  return results;
}

/** The state after running `events`. */
export function after(events: FlowEvent[], start?: FlowState): FlowState {
  const results = drive(events, start);
  return results.length === 0 ? (start ?? initialFlowState()) : results[results.length - 1]!.state;
}

export function sends(effects: Effect[]): OutboundContent[] {
  return effects.flatMap((e) => (e.type === 'send' ? [e.content] : []));
}

/** The ids a message offers: button ids, or list row ids. */
export function offeredIds(content: OutboundContent | undefined): string[] {
  if (content === undefined) return [];
  if (content.kind === 'buttons') return content.buttons.map((b) => b.id);
  if (content.kind === 'list') return content.sections.flatMap((s) => s.rows.map((r) => r.id));
  return [];
}

export function bodyOf(content: OutboundContent | undefined): string {
  if (content === undefined) return '';
  if (content.kind === 'text') return content.text;
  if (content.kind === 'template') return content.rendered;
  if (content.kind === 'media') return content.caption ?? '';
  return content.body;
}

export const effectTypes = (effects: Effect[]): string[] => effects.map((e) => e.type);

export const REGISTER_EVENTS: FlowEvent[] = [
  text('hi'),
  tap('register'),
  text('Ada Lovelace'),
  text('ada@example.com'),
  text('JSS 2'),
];

/** Named states, each reached through the real flow. */
export const states = {
  initial: (): FlowState => initialFlowState(),
  idle: (): FlowState => after([text('hi')]),
  registered: (): FlowState => after(REGISTER_EVENTS),
  registeringName: (): FlowState => after([text('hi'), tap('register')]),
  registeringEmail: (): FlowState => after([text('hi'), tap('register'), text('Ada Lovelace')]),
  registeringClass: (): FlowState =>
    after([text('hi'), tap('register'), text('Ada Lovelace'), text('ada@example.com')]),
  updatingName: (): FlowState => after([...REGISTER_EVENTS, pick('update_profile')]),
  homeworkSubject: (): FlowState => after([...REGISTER_EVENTS, pick('homework')]),
  homeworkType: (): FlowState => after([...REGISTER_EVENTS, pick('homework'), pick('subject_physics')]),
  homeworkText: (): FlowState =>
    after([...REGISTER_EVENTS, pick('homework'), pick('subject_physics'), tap('homework_text')]),
  homeworkImage: (): FlowState =>
    after([...REGISTER_EVENTS, pick('homework'), pick('subject_physics'), tap('homework_image')]),
  homeworkSubmitted: (): FlowState =>
    after([...REGISTER_EVENTS, pick('homework'), pick('subject_physics'), tap('homework_text'), text('F = ma')]),
  paymentOffered: (): FlowState => after([...REGISTER_EVENTS, pick('pay')]),
  paymentLinkSent: (): FlowState => after([...REGISTER_EVENTS, pick('pay'), tap('payment_confirm')]),
  chatRegistered: (): FlowState => after([...REGISTER_EVENTS, pick('support')]),
  chatUnregistered: (): FlowState => after([text('hi'), tap('support')]),
  chatByAgent: (): FlowState =>
    after([...REGISTER_EVENTS, { type: 'agentStart', agent: 'Grace', message: 'Hello Ada' }]),
};

export type NamedState = keyof typeof states;
