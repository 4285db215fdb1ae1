// What the chat-support routes ask of a conversation. The production implementation sends Temporal
// updates to the conversation workflow, the authority on state; the routes only map its answers to
// HTTP, so they never claim a success the workflow (or WhatsApp) did not confirm.
//
// In every input: `phone` is digits only; `agent` is the acting token's name (or ADMIN_TOKEN), stored
// on the agent's messages; `message` is trimmed, 1 to MAX_TEXT_CHARS characters (WhatsApp's text
// limit); `idempotencyKey` is the request's Idempotency-Key header, and a retried request with the
// same key must be a no-op.

import type { ChatCommandFailureCode } from '../../domain/failures';
import type { ContactRequestContent, MediaContent, TemplateContent } from '../../domain/types';

/** An agent as the conversation knows them: who holds a chat. */
export interface ChatHolder {
  agentId: number;
  name: string;
}

export type ChatCommandResult =
  | { ok: true; waMessageId?: string; state: string; timestamp: string; holder?: ChatHolder | null }
  | {
      ok: false;
      code: ChatCommandFailureCode;
      message: string;
      whatsappCode?: number;
      state?: string;
      holder?: ChatHolder;
    };

/** Who acts: the person's id and whether with the admin role (an admin may act in a chat another holds). */
export interface ChatActor {
  agentId?: number;
  admin?: boolean;
}

interface CommandInput extends ChatActor {
  contactId: string;
  agent: string;
  idempotencyKey?: string;
}

export interface ChatCommands {
  start(input: CommandInput & { message?: string }): Promise<ChatCommandResult>;
  /** A text, an attachment (sent first), or both; at least one of them. */
  send(input: CommandInput & { message?: string; attachment?: MediaContent }): Promise<ChatCommandResult>;
  /**
   * An approved template, allowed whether the 24-hour window is open or not; it opens a chat when
   * none is open, so the student's answer reaches the agent.
   */
  template(input: CommandInput & { template: TemplateContent }): Promise<ChatCommandResult>;
  end(input: CommandInput & { message?: string }): Promise<ChatCommandResult>;
  /** Takes the open chat, or (`to`, admins) hands it to another agent. */
  assign(input: CommandInput & { to?: ChatHolder }): Promise<ChatCommandResult>;
  /** Gives the chat back: nobody holds it. */
  unassign(input: CommandInput): Promise<ChatCommandResult>;
  /** Asks automatic assignment for an agent for the open chat, if nobody holds it. */
  claim(input: CommandInput): Promise<ChatCommandResult>;
  /**
   * Sends WhatsApp's request for the student's phone number (a session message: inside the 24-hour
   * window), in a chat or not. Optional: a double that does not take it answers 503 at the route.
   */
  requestContactInfo?(input: CommandInput & { request: ContactRequestContent }): Promise<ChatCommandResult>;
}
