import { describeOutbound, listMessages, type StoredMessage } from '../../src/db/messages';
import type { RecordedSend } from '../../tools/sandbox/graph-fake';
import { conversationQuery, conversationWorkflowId, type ConversationView } from '../../workflows/messages';
import { isBsuid, messagesChange, newWamid, webhookBody } from './fixtures';
import { contactIdOf } from './contacts';
import type { TestStack } from './stack';
import { waitFor } from './wait';

// A WhatsApp user, as a test drives one: each action posts a signed webhook and waits until the
// conversation has handled it, then returns the replies it produced. The user writes from a phone number
// or, when Meta shows none, from a BSUID (`US.…`); the product keys the conversation by the contact the
// webhook resolved that to, which `contact()` finds as an operator would.

export class TestUser {
  private seconds = Math.floor(Date.now() / 1000);
  private contactId?: string;

  constructor(
    private readonly stack: TestStack,
    /** The phone number (digits) the user writes from, or their BSUID when Meta shows no number. */
    readonly phone: string,
    readonly name = 'Test User',
  ) {}

  /** Registers from a first hello: this user's name, an email made from it, Grade 10. */
  async register(): Promise<this> {
    await this.say('Hi');
    await this.tap('register');
    await this.say(this.name);
    await this.say(`${this.name.split(' ')[0]!.toLowerCase()}@example.com`);
    await this.say('Grade 10');
    return this;
  }

  say(text: string): Promise<RecordedSend[]> {
    return this.send('text', { text: { body: text } });
  }

  /** A tap on a reply button. */
  tap(id: string, title = id): Promise<RecordedSend[]> {
    return this.send('interactive', { interactive: { type: 'button_reply', button_reply: { id, title } } });
  }

  /** A pick from a list message. */
  pick(id: string, title = id): Promise<RecordedSend[]> {
    return this.send('interactive', { interactive: { type: 'list_reply', list_reply: { id, title } } });
  }

  photo(mediaId: string, caption?: string): Promise<RecordedSend[]> {
    return this.send('image', {
      image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'x', ...(caption ? { caption } : {}) },
    });
  }

  async send(type: string, part: Record<string, unknown>): Promise<RecordedSend[]> {
    const before = this.sends().length;
    const id = newWamid();
    this.seconds += 1;
    const body = webhookBody([
      messagesChange([{ from: this.phone, id, type, part, name: this.name, timestamp: this.seconds }]),
    ]);
    const response = await this.stack.postWebhook(body);
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    await this.settled(async () => (await this.history()).some((m) => m.waMessageId === id));
    return this.sends().slice(before);
  }

  /** Waits until `stored` holds and the workflow has nothing queued or in progress. */
  async settled(stored: () => Promise<boolean> = async () => true): Promise<void> {
    await waitFor(async () => {
      if (!(await stored())) return false;
      const view = await this.view();
      return !view.busy && view.pending === 0;
    }, `conversation ${this.phone} to settle`);
  }

  /** The contact the webhook resolved this user's phone number to, once it wrote. */
  async contact(): Promise<string> {
    this.contactId ??= await contactIdOf(this.stack.db, this.phone);
    return this.contactId;
  }

  /** The id of the workflow holding this user's conversation: `conversation-<contact id>`. */
  async workflowId(): Promise<string> {
    return conversationWorkflowId(await this.contact());
  }

  /** What the bot sent this user so far, as the Graph API emulator recorded it. */
  sends(): RecordedSend[] {
    return sendsTo(this.stack, this.phone);
  }

  async view(): Promise<ConversationView> {
    return this.stack.client.workflow.getHandle(await this.workflowId()).query(conversationQuery);
  }

  async state(): Promise<string> {
    return (await this.view()).state;
  }

  async history(): Promise<StoredMessage[]> {
    return listMessages(this.stack.db, await this.contact());
  }
}

/**
 * The sends the emulator recorded to a phone number (any format) or to a BSUID. A send to a contact
 * with a phone goes `to` the phone even when it also has a BSUID.
 */
export function sendsTo(stack: Pick<TestStack, 'fake'>, phoneOrBsuid: string): RecordedSend[] {
  if (!isBsuid(phoneOrBsuid)) return stack.fake.sendsTo(phoneOrBsuid);
  return stack.fake.sends.filter((send) => send.to === phoneOrBsuid);
}

/** The ids of the buttons or list rows a message offers. */
export function choices(send: RecordedSend | undefined): string[] {
  const content = send?.content;
  if (content?.kind === 'buttons') return content.buttons.map((b) => b.id);
  if (content?.kind === 'list') return content.sections.flatMap((s) => s.rows.map((r) => r.id));
  return [];
}

/** The text a person reads in a message. */
export function textOf(send: RecordedSend | undefined): string {
  const content = send?.content;
  if (!content) return '';
  return describeOutbound(content);
}
