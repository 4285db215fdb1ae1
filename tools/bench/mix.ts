import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { initialFlowState, type FlowState } from '../../workflows/flow/state';
import { step } from '../../workflows/flow/step';
import type { FlowEvent } from '../../workflows/flow/events';
import type { ConversationSettings, InboundMessage, OutboundContent } from '../../domain/types';

// The simulated users. Each conversation keeps a shadow copy of the bot's state, advanced with the
// product's own pure flow function (`workflows/flow/step`), so the bench knows exactly how many
// messages the bot must send for every inbound message or agent command. Users pick their next
// message from what the bot last offered them (the ids of its buttons and list rows), so taps are
// always taps a person could make.

export type ActionKind = 'text' | 'tap' | 'register' | 'homework' | 'image' | 'reaction' | 'chat' | 'agent' | 'rating';

/** One thing a user (or an agent) does, with what the bot must answer. */
export interface PlannedAction {
  kind: ActionKind;
  /** For webhooks: the signed body. Absent for agent commands. */
  body?: string;
  waMessageId?: string;
  /** For agent commands: the admin API's message. */
  agentMessage?: string;
  expectedSends: number;
  /** An image the Graph fake must serve before the bot downloads it. */
  media?: { mediaId: string; data: Buffer; mimeType: string };
}

export interface MixOptions {
  settings: ConversationSettings;
  /** Agent replies through the admin API are part of the mix only when its route answers. */
  agentReplies: boolean;
  phoneNumberId: string;
  /** Only free text in a resting state (the long-lived conversation of the scale run). */
  textOnly?: boolean;
}

const CHATTER = ['hi', 'hello', 'good morning', 'thanks', 'ok', 'what can you do?', 'hey there'];
const IMAGE = Buffer.from('ffd8ffe000104a464946000101', 'hex');

let wamidCounter = 0;
/** Stands for the contact id the webhook resolves a bench user to, in the shadow flow. */
const SHADOW_CONTACT = 'ct_00000000000000000000';

/** A conversation as the bench sees it: the bot's state (shadowed) and the last thing the bot offered. */
export class SimulatedConversation {
  flow: FlowState = initialFlowState();
  /** Steps taken, so each has a cause of its own (the ids a step makes derive from it). */
  private steps = 0;
  /** Button and list ids of the bot's last message, with the kind of control that held them. */
  offered: { id: string; title: string; control: 'button' | 'list' }[] = [];
  lastBotWamid: string | undefined;
  chatMessages = 0;
  agentReplies = 0;
  messages = 0;

  constructor(
    readonly phone: string,
    private readonly options: MixOptions,
    private readonly random: () => number,
  ) {}

  /** Chooses the user's next action and advances the shadow state as the bot will. */
  next(now: number): PlannedAction {
    const o = this.options;
    const state = this.flow.name;
    if (o.textOnly) return this.inbound('text', { type: 'text', text: { body: 'hi' } }, now);
    if (state === 'CHAT_SUPPORT_ACTIVE') {
      if (this.chatMessages < 2) {
        this.chatMessages += 1;
        return this.inbound(
          'chat',
          { type: 'text', text: { body: `I have a question about exercise ${this.chatMessages + 2}` } },
          now,
        );
      }
      if (o.agentReplies && this.agentReplies < 1) {
        this.agentReplies += 1;
        return this.agent('Sure, look at page 12 of your book.', now);
      }
      this.chatMessages = 0;
      this.agentReplies = 0;
      return this.tapOrText('end_chat', 'end chat', now, 'chat');
    }
    if (state === 'REGISTERING_NAME') return this.text('register', `Ana Student ${this.phone.slice(-4)}`, now);
    if (state === 'REGISTERING_EMAIL') return this.text('register', `ana${this.phone}@example.com`, now);
    if (state === 'REGISTERING_CLASS') return this.text('register', 'Grade 10', now);
    if (state === 'HOMEWORK_SUBJECT') {
      const subject = this.offered.find((x) => x.id.startsWith('subject_'));
      return subject ? this.tap(subject, now, 'homework') : this.text('homework', 'Mathematics', now);
    }
    if (state === 'HOMEWORK_TYPE') {
      const id = this.random() < 0.3 ? 'homework_image' : 'homework_text';
      return this.tapOrText(id, id === 'homework_image' ? 'image' : 'text', now, 'homework');
    }
    if (state === 'HOMEWORK_CONTENT') {
      if (this.flow.homework?.kind === 'image') {
        const mediaId = `bench-media-${this.phone}-${++wamidCounter}`;
        const action = this.inbound(
          'image',
          { type: 'image', image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'bench' } },
          now,
        );
        return { ...action, media: { mediaId, data: IMAGE, mimeType: 'image/jpeg' } };
      }
      return this.text('homework', 'x = 4 because 2x + 3 = 11', now);
    }
    const rating = this.offered.filter((x) => x.id.startsWith('csat_'));
    if (this.flow.awaitingRating && rating.length > 0 && this.random() < 0.7)
      return this.tap(rating[rating.length - 1]!, now, 'rating');
    return this.resting(now);
  }

  /** Free text, taps on what the bot offered (weighted towards reading), sometimes a journey or a reaction. */
  private resting(now: number): PlannedAction {
    const r = this.random();
    if (r < 0.04 && this.lastBotWamid !== undefined) {
      return this.inbound(
        'reaction',
        { type: 'reaction', reaction: { message_id: this.lastBotWamid, emoji: '👍' } },
        now,
      );
    }
    if (r < 0.42 || this.offered.length === 0)
      return this.text('text', CHATTER[Math.floor(this.random() * CHATTER.length)]!, now);
    const weight = (id: string): number => {
      // Registration and homework are journeys of four messages each: light weights keep them "some".
      if (id === 'register') return this.flow.registered ? 0 : 0.4;
      if (id === 'homework') return 0.8;
      if (id === 'support') return this.options.agentReplies ? 0.8 : 0.4;
      if (id === 'pay' || id === 'payment_confirm' || id === 'update_profile') return 0.3;
      if (id === 'end_chat') return 0;
      return 1;
    };
    const total = this.offered.reduce((sum, x) => sum + weight(x.id), 0);
    if (total === 0) return this.text('text', 'hi', now);
    let pick = this.random() * total;
    for (const item of this.offered) {
      pick -= weight(item.id);
      if (pick <= 0)
        return this.tap(item, now, item.id === 'register' ? 'register' : item.id === 'homework' ? 'homework' : 'tap');
    }
    return this.tap(this.offered[this.offered.length - 1]!, now, 'tap');
  }

  private text(kind: ActionKind, body: string, now: number): PlannedAction {
    return this.inbound(kind, { type: 'text', text: { body } }, now);
  }

  private tapOrText(id: string, fallbackText: string, now: number, kind: ActionKind): PlannedAction {
    const offered = this.offered.find((x) => x.id === id);
    return offered ? this.tap(offered, now, kind) : this.text(kind, fallbackText, now);
  }

  private tap(
    item: { id: string; title: string; control: 'button' | 'list' },
    now: number,
    kind: ActionKind,
  ): PlannedAction {
    const interactive =
      item.control === 'button'
        ? { type: 'button_reply', button_reply: { id: item.id, title: item.title } }
        : { type: 'list_reply', list_reply: { id: item.id, title: item.title } };
    return this.inbound(kind === 'text' ? 'tap' : kind, { type: 'interactive', interactive }, now);
  }

  private inbound(kind: ActionKind, part: Record<string, unknown>, now: number): PlannedAction {
    this.messages += 1;
    const waMessageId = `wamid.BENCH${process.pid}x${++wamidCounter}x${this.phone}`;
    const message = {
      from: this.phone,
      id: waMessageId,
      timestamp: String(Math.floor(now / 1000)),
      ...(this.lastBotWamid !== undefined && part['type'] === 'interactive'
        ? { context: { from: '15550001111', id: this.lastBotWamid } }
        : {}),
      ...part,
    };
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102000000000001',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: this.options.phoneNumberId },
                contacts: [{ profile: { name: 'Bench User' }, wa_id: this.phone }],
                messages: [message],
              },
            },
          ],
        },
      ],
    });
    // The product's own parser, so the shadow flow sees exactly what the workflow will.
    const parsed: InboundMessage = parseWebhook(JSON.parse(body), now).messages[0]!;
    const expectedSends = this.apply({ type: 'inbound', message: parsed }, now);
    return { kind, body, waMessageId, expectedSends };
  }

  private agent(message: string, now: number): PlannedAction {
    const expectedSends = this.apply({ type: 'agentSend', agent: 'bench-agent', message }, now);
    return { kind: 'agent', agentMessage: message, expectedSends };
  }

  /** Runs the product's flow step on the shadow state; returns how many messages the bot will send. */
  private apply(event: FlowEvent, now: number): number {
    // The flow names the contact only inside references, which a count of sends never reads.
    const cause = `shadow/${++this.steps}`;
    const result = step(this.flow, event, { settings: this.options.settings, now, contactId: SHADOW_CONTACT, cause });
    if (result.rejection) return 0;
    this.flow = result.state;
    const sends = result.effects.flatMap((e) => (e.type === 'send' ? [e.content] : []));
    const last = sends[sends.length - 1];
    if (last !== undefined) this.offered = offeredIds(last);
    return sends.length;
  }
}

/** The ids a user can tap in a message: reply buttons or list rows. */
export function offeredIds(content: OutboundContent): { id: string; title: string; control: 'button' | 'list' }[] {
  if (content.kind === 'buttons')
    return content.buttons.map((b) => ({ id: b.id, title: b.title, control: 'button' as const }));
  if (content.kind === 'list') {
    return content.sections.flatMap((s) => s.rows.map((r) => ({ id: r.id, title: r.title, control: 'list' as const })));
  }
  return [];
}

/** A small deterministic generator (mulberry32), so a seed reproduces the same mix. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
