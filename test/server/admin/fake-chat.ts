import type { ChatCommandResult, ChatCommands, ChatHolder } from '../../../src/server/chat-commands';

// A test double standing in for the conversation workflow behind ChatCommands. The product's
// implementation is Temporal updates, tested with the workflow; the admin route tests only need
// something that answers like it, so they can check the mapping to HTTP. Used by route tests only.

export type ChatCall =
  | { command: 'start'; input: StartEndInput }
  | { command: 'send'; input: SendInput }
  | { command: 'template'; input: TemplateInput }
  | { command: 'end'; input: StartEndInput }
  | { command: 'assign' | 'unassign' | 'claim'; input: AssignInput };

type AssignInput = Parameters<ChatCommands['assign']>[0];
type StartEndInput = Parameters<ChatCommands['start']>[0];
type SendInput = Parameters<ChatCommands['send']>[0];
type TemplateInput = Parameters<ChatCommands['template']>[0];

interface FakeConversation {
  state: string;
  /** False once the user's last message is older than 24 hours. */
  windowOpen: boolean;
  /** WhatsApp refuses every send with this code. */
  whatsappRejects?: number;
}

export class FakeChatCommands implements ChatCommands {
  readonly calls: ChatCall[] = [];
  readonly conversations = new Map<string, FakeConversation>();
  /** Answers (or throws) instead of the state machine, once per call, while any are queued. */
  readonly scripted: (() => ChatCommandResult)[] = [];
  private readonly answered = new Map<string, ChatCommandResult>();
  private sequence = 0;

  /** A conversation of the contact `contactId` (see `AdminApp.contact` to make one in the database). */
  add(contactId: string, conversation: Partial<FakeConversation> = {}): void {
    this.conversations.set(contactId, { state: 'REGISTERED', windowOpen: true, ...conversation });
  }

  reset(): void {
    this.calls.length = 0;
    this.scripted.length = 0;
    this.conversations.clear();
    this.answered.clear();
  }

  async start(input: StartEndInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'start', input });
    return this.answer(input, (c) => {
      if (c.state === 'CHAT_SUPPORT_ACTIVE') return this.fail('chat_already_active', 'A chat is already open');
      if (!c.windowOpen) return this.fail('outside_customer_service_window', 'The user last wrote over 24 hours ago');
      c.state = 'CHAT_SUPPORT_ACTIVE';
      return this.deliver(c);
    });
  }

  async send(input: SendInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'send', input });
    return this.answer(input, (c) => {
      if (c.state !== 'CHAT_SUPPORT_ACTIVE') return this.fail('not_in_chat_support', 'No chat is open');
      if (!c.windowOpen) return this.fail('outside_customer_service_window', 'The user last wrote over 24 hours ago');
      return this.deliver(c);
    });
  }

  /** A template needs no open window, and opens a chat when none is open. */
  async template(input: TemplateInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'template', input });
    return this.answer(input, (c) => {
      c.state = 'CHAT_SUPPORT_ACTIVE';
      return this.deliver(c);
    });
  }

  async end(input: StartEndInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'end', input });
    return this.answer(input, (c) => {
      if (c.state !== 'CHAT_SUPPORT_ACTIVE') return this.fail('not_in_chat_support', 'No chat is open');
      c.state = 'REGISTERED';
      return this.deliver(c);
    });
  }

  async assign(input: AssignInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'assign', input });
    return this.answer(input, (c) =>
      this.held(c, input.to ?? (input.agentId === undefined ? null : { agentId: input.agentId, name: input.agent })),
    );
  }

  async claim(input: AssignInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'claim', input });
    return this.answer(input, (c) => this.held(c, null));
  }

  async unassign(input: AssignInput): Promise<ChatCommandResult> {
    this.calls.push({ command: 'unassign', input });
    return this.answer(input, (c) => this.held(c, null));
  }

  /** Who holds the chat is the conversation's to say; the double only answers with it. */
  private held(c: FakeConversation, holder: ChatHolder | null): ChatCommandResult {
    if (c.state !== 'CHAT_SUPPORT_ACTIVE') return this.fail('not_in_chat_support', 'No chat is open');
    return { ok: true, state: c.state, timestamp: new Date().toISOString(), holder };
  }

  private answer(
    input: { contactId: string; idempotencyKey?: string },
    act: (c: FakeConversation) => ChatCommandResult,
  ): ChatCommandResult {
    const script = this.scripted.shift();
    if (script) return script();
    const key = input.idempotencyKey && `${input.contactId}/${input.idempotencyKey}`;
    const earlier = key ? this.answered.get(key) : undefined;
    if (earlier) return earlier;
    const conversation = this.conversations.get(input.contactId);
    const result = conversation ? act(conversation) : this.fail('conversation_not_found', 'No such conversation');
    if (key) this.answered.set(key, result);
    return result;
  }

  private deliver(c: FakeConversation): ChatCommandResult {
    if (c.whatsappRejects !== undefined) {
      return {
        ok: false,
        code: 'whatsapp_rejected',
        message: 'WhatsApp refused the message',
        whatsappCode: c.whatsappRejects,
      };
    }
    return {
      ok: true,
      state: c.state,
      waMessageId: `wamid.FAKE${++this.sequence}`,
      timestamp: new Date().toISOString(),
    };
  }

  private fail(code: Extract<ChatCommandResult, { ok: false }>['code'], message: string): ChatCommandResult {
    return { ok: false, code, message };
  }
}
