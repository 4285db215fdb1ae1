import type { InboundMessage } from '../../domain/types';
import type { TimerName } from './state';

/** Everything that can happen to a conversation, as the flow sees it. */
export type FlowEvent =
  /** A message from the user (already deduplicated and stored). */
  | { type: 'inbound'; message: InboundMessage }
  /** A durable timer fired; `token` is the one the flow started it with. */
  | { type: 'timer'; timer: TimerName; token: string }
  /** The payment provider confirmed a payment (signed webhook). */
  | { type: 'paymentConfirmed'; reference: string; amount: number }
  /** An agent opens a chat with the user (admin API). */
  | { type: 'agentStart'; agent: string; message?: string }
  /** An agent writes to the user (admin API). */
  | { type: 'agentSend'; agent: string; message: string }
  /** An agent ends the chat (admin API), optionally with closing text. */
  | { type: 'agentEnd'; agent: string; message?: string };
