import type { ConversationSettings, OutboundContent } from '../../domain/types';
import { fromGraphSendBody, toGraphSendBody } from '../../src/whatsapp/outbound';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import type { FlowContext } from '../../workflows/flow/context';
import type { FlowEvent } from '../../workflows/flow/events';
import { initialFlowState, type FlowState } from '../../workflows/flow/state';
import { inboundCause } from '../../workflows/flow/ids';
import { step } from '../../workflows/flow/step';
import { messagesChange, newWamid, webhookBody, type MessageSpec } from './fixtures';

// A WhatsApp user whose messages are written in advance and posted without waiting for answers: a
// shadow copy of the bot's state, advanced with the product's own flow function, says which messages
// the bot must send back and in which order, so a test can check every reply of a whole load at once.

/** Stands for the contact id in the shadow flow until the test has resolved the real one. */
const UNRESOLVED_CONTACT = 'ct_unresolved';

export interface PlannedWebhook {
  body: string;
  /** The messages it carries, in order. */
  wamids: string[];
}

export class ScriptedUser {
  flow: FlowState = initialFlowState();
  /** What the bot must send this user, in order, as the Graph API emulator records it. */
  readonly expected: OutboundContent[] = [];
  /** Buttons and list rows of the bot's last message. */
  /** Events other than messages so far: each gets a cause of its own. */
  private otherEvents = 0;
  private offered: { id: string; title: string; control: 'button' | 'list' }[] = [];
  /**
   * The contact the webhook resolves this user's phone to (`contactIdOf`), once known: the flow puts it
   * in homework references and chat session keys. Until a test sets it, replies that carry one will not
   * match what the bot sends.
   */
  contactId?: string;

  constructor(
    readonly phone: string,
    private readonly settings: ConversationSettings,
    /** WhatsApp timestamp of the first message, in seconds; each next one is a second later. */
    private seconds: number,
  ) {}

  text(body: string): MessageSpec {
    return this.spec('text', { text: { body } });
  }

  /** A tap on a button or list row the bot offered (by id), as WhatsApp reports it. */
  tap(id: string): MessageSpec {
    const item = this.offered.find((x) => x.id === id);
    if (item === undefined) throw new Error(`the bot did not offer ${id} to ${this.phone}`);
    const interactive =
      item.control === 'button'
        ? { type: 'button_reply', button_reply: { id, title: item.title } }
        : { type: 'list_reply', list_reply: { id, title: item.title } };
    return this.spec('interactive', { interactive });
  }

  /** One webhook carrying `messages`; the shadow flow takes them as the workflow will, in order. */
  webhook(...messages: MessageSpec[]): PlannedWebhook {
    const body = webhookBody([messagesChange(messages)]);
    const receivedAt = Date.now();
    // The product's own parser, so the shadow flow sees exactly what the workflow will.
    for (const message of parseWebhook(JSON.parse(body), receivedAt).messages)
      this.apply({ type: 'inbound', message }, receivedAt);
    return { body, wamids: messages.map((m) => m.id!) };
  }

  /** Creates the message and plans it at once, so a later tap sees what this one will be offered. */
  private spec(type: string, part: Record<string, unknown>): MessageSpec {
    this.seconds += 1;
    return { from: this.phone, id: newWamid(), type, part, name: 'Cluster User', timestamp: this.seconds };
  }

  /**
   * What the workflow tells the flow about an event: inbound steps named by their cause, as the
   * workflow names them (so references in the replies come out the same); other events by a cause of
   * their own.
   */
  protected context(now: number, event: FlowEvent): FlowContext {
    const cause =
      event.type === 'inbound'
        ? inboundCause(event.message.waMessageId)
        : `scripted/${event.type}/${++this.otherEvents}`;
    return { settings: this.settings, now, contactId: this.contactId ?? UNRESOLVED_CONTACT, cause };
  }

  private apply(event: FlowEvent, now: number): void {
    const result = step(this.flow, event, this.context(now, event));
    if (result.rejection) return;
    this.flow = result.state;
    for (const effect of result.effects) {
      if (effect.type !== 'send') continue;
      // Through the Graph API body and back, as the emulator records it.
      this.expected.push(fromGraphSendBody(toGraphSendBody({ phone: this.phone }, effect.content)));
      this.offered = offered(effect.content);
    }
  }
}

function offered(content: OutboundContent): { id: string; title: string; control: 'button' | 'list' }[] {
  if (content.kind === 'buttons')
    return content.buttons.map((b) => ({ id: b.id, title: b.title, control: 'button' as const }));
  if (content.kind === 'list')
    return content.sections.flatMap((s) => s.rows.map((r) => ({ id: r.id, title: r.title, control: 'list' as const })));
  return [];
}
