import type { ContactRequestContent, InboundMessage, MediaContent, TemplateContent } from '../../domain/types';
import type { Priority } from '../../domain/support-policy';
import type { Agent, TimerName } from '../../domain/conversation';

/** Who acts through the admin API: a person, and whether with the admin role. */
export interface Actor {
  /** Absent in commands from versions that did not name people: such a command takes no chat. */
  agentId?: number;
  admin?: boolean;
}

/** Everything that can happen to a conversation, as the flow sees it. */
export type FlowEvent =
  /** A message from the user (already deduplicated and stored). */
  | { type: 'inbound'; message: InboundMessage }
  /** A durable timer fired; `token` is the one the flow started it with. */
  | { type: 'timer'; timer: TimerName; token: string }
  /** The payment provider confirmed a payment (signed webhook). */
  | { type: 'paymentConfirmed'; reference: string; amount: number }
  /** An agent opens a chat with the user (admin API). */
  | ({ type: 'agentStart'; agent: string; message?: string } & Actor)
  /** An agent writes to the user (admin API): a text, a file (sent first), or both. */
  | ({ type: 'agentSend'; agent: string; message: string; attachment?: MediaContent } & Actor)
  /** An agent sends an approved template, the one message WhatsApp takes outside the 24-hour window. */
  | ({ type: 'agentTemplate'; agent: string; template: TemplateContent } & Actor)
  /** An agent asks a student known only by BSUID for their phone number (admin API). */
  | ({ type: 'agentRequestContactInfo'; agent: string; request: ContactRequestContent } & Actor)
  /** An agent ends the chat (admin API), optionally with closing text. */
  | ({ type: 'agentEnd'; agent: string; message?: string } & Actor)
  /** An agent takes the open chat, or an admin hands it to `to` (admin API). */
  | ({ type: 'assign'; agent: string; to?: Agent } & Actor)
  /** The holder (or an admin) gives the chat back: nobody holds it. */
  | ({ type: 'unassign'; agent: string } & Actor)
  /** Someone became available: an open chat nobody holds asks for an agent (automatic assignment). */
  | { type: 'claimAgent' }
  /** Automatic assignment gave the session `holder` (already recorded by the activity). */
  | { type: 'holderClaimed'; sessionKey: string; holder: Agent }
  /** The conversation's priority changed (PUT …/priority): the open chat's SLA clocks are planned again. */
  | { type: 'priority'; priority: Priority };
