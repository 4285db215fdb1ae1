import type { OutboundContent } from '../../domain/types';
import type { Agent, Profile, TimerName } from './state';

/** A side effect the flow asks for; the workflow carries each out, in order, through activities or timers. */
export type Effect =
  /** A message to the user; `agent` names the agent when an agent wrote it. */
  | { type: 'send'; content: OutboundContent; agent?: string }
  /** Registration or profile update: upsert the student. */
  | { type: 'saveProfile'; profile: Profile }
  /** Store a homework submission; an image is downloaded from WhatsApp and kept so an admin can fetch it. */
  | {
      type: 'saveHomework';
      reference: string;
      subject: string;
      submission:
        { kind: 'text'; text: string } | { kind: 'image'; mediaId: string; mimeType?: string; caption?: string };
    }
  /** Record a pending payment whose link was sent to the user. */
  | { type: 'createPayment'; reference: string; amount: number; planName: string }
  /** Mark a payment confirmed and the subscription active until `activeUntil` (epoch ms). */
  | { type: 'confirmPayment'; reference: string; activeUntil: number }
  /** Mark a pending payment expired (timed out without confirmation). */
  | { type: 'expirePayment'; reference: string }
  /** Start (or restart) a durable timer; when it fires the workflow feeds `{ type: 'timer', timer, token }`. */
  | { type: 'startTimer'; timer: TimerName; token: string; delayMs: number }
  | { type: 'cancelTimer'; timer: TimerName }
  /** A chat session begins (`startedBy` is 'user' or the agent's name). */
  | { type: 'openChat'; sessionKey: string; startedBy: string }
  /** A user message arrived during a chat (for first-response figures and the console). */
  | { type: 'chatUserMessage'; sessionKey: string }
  /** A chat ends (`endedBy` is 'user', 'timeout' or the agent's name). */
  | { type: 'closeChat'; sessionKey: string; endedBy: string }
  | { type: 'recordRating'; sessionKey: string; rating: number }
  /** The student wrote STOP (`optedOut`, since `at`, epoch ms) or START: whether campaigns may reach them. */
  | { type: 'campaignOptOut'; optedOut: boolean; at: number }
  /**
   * The chat's holder changed (`holder` null: nobody holds it); `by` names who changed it; `id`
   * identifies the change, so writing it twice records it once.
   */
  | { type: 'setHolder'; id: string; sessionKey: string; holder: Agent | null; by: string }
  /**
   * Give the open chat to an available agent holding fewer than `capacity` chats, if there is one
   * (automatic assignment); the workflow learns who from the activity and tells the flow.
   */
  | { type: 'claimAgent'; id: string; sessionKey: string; capacity: number };

export type EffectType = Effect['type'];
