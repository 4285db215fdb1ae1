import { listMessages, type StoredMessage } from '../../src/db/messages';
import type { RecordedSend } from '../../tools/sandbox/graph-fake';
import { conversationQuery, conversationWorkflowId, type ConversationView } from '../../workflows/messages';
import { findContactOf } from '../helpers/contacts';
import { newBsuid, newWamid, webhookBody } from '../helpers/fixtures';
import type { TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// A WhatsApp user as the browser tests drive one, keyed as the product keys them: by the contact the
// webhook resolved them to. A student writes from a phone number, or, as a username user whose number
// WhatsApp hides, from a BSUID only (`from_user_id`, `contacts[].user_id` and `profile.username`, no
// `from` and no `wa_id`). Each action posts a signed webhook, waits until the conversation has handled
// it and returns the replies it produced.

export class WebStudent {
  private seconds = Math.floor(Date.now() / 1000);
  private contact: string | undefined;

  /** A student writing from `phone` (digits). */
  constructor(
    private readonly stack: TestStack,
    readonly phone: string | null,
    readonly name = 'Test User',
    readonly bsuid: string | null = null,
    readonly username: string | null = null,
  ) {}

  /** A username user whose number is hidden: the webhook names them by a new BSUID only. */
  static withUsername(stack: TestStack, username: string, name: string): WebStudent {
    return new WebStudent(stack, null, name, newBsuid(), username);
  }

  /** What the product knows them by in the webhook: the phone, else the BSUID. */
  get address(): string {
    return this.phone ?? this.bsuid!;
  }

  /** The contact id (`ct_…`), known once this student has written: what the console keys them by. */
  get id(): string {
    if (this.contact === undefined) throw new Error(`${this.address} has not written yet: no contact id`);
    return this.contact;
  }

  /** The contact id the webhook gave this student (`ct_…`), once they have written. */
  async contactId(): Promise<string> {
    this.contact ??= await waitFor(() => findContactOf(this.stack.db, this.address), `the contact of ${this.address}`);
    return this.contact;
  }

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

  /** What the bot and the agents sent this student: to the phone, or to the BSUID as `recipient`. */
  sends(): RecordedSend[] {
    return this.phone === null
      ? this.stack.fake.sends.filter((s) => s.to === this.bsuid)
      : this.stack.fake.sendsTo(this.phone);
  }

  async send(type: string, part: Record<string, unknown>): Promise<RecordedSend[]> {
    const before = this.sends().length;
    const id = newWamid();
    this.seconds += 1;
    const contact = {
      profile: { name: this.name, ...(this.username === null ? {} : { username: this.username }) },
      ...(this.phone === null ? {} : { wa_id: this.phone }),
      ...(this.bsuid === null ? {} : { user_id: this.bsuid }),
    };
    const message = {
      ...(this.phone === null ? {} : { from: this.phone }),
      ...(this.bsuid === null ? {} : { from_user_id: this.bsuid }),
      id,
      timestamp: String(this.seconds),
      type,
      ...part,
    };
    const body = webhookBody([
      {
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
          contacts: [contact],
          messages: [message],
        },
        field: 'messages',
      },
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
    }, `conversation ${this.address} to settle`);
  }

  async view(): Promise<ConversationView> {
    return this.stack.client.workflow
      .getHandle(conversationWorkflowId(await this.contactId()))
      .query(conversationQuery);
  }

  async state(): Promise<string> {
    return (await this.view()).state;
  }

  async history(): Promise<StoredMessage[]> {
    const contact = this.contact ?? (await findContactOf(this.stack.db, this.address));
    if (contact === undefined) return [];
    this.contact = contact;
    return listMessages(this.stack.db, contact);
  }
}
