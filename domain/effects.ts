// The side effects the conversation flow asks for: computed by the pure flow (workflows/flow/), carried
// out by the workflow and written by the activities, which import it from here.

import type { Agent, Profile, SlaOutcome, TimerName } from './conversation';
import type { Priority, SlaEventKind } from './support-policy';
import type { OutboundContent } from './types';

/** A chat's SLA due instants as the session row keeps them (epoch ms; null: no clock). */
export interface SlaDue {
  priority: Priority;
  firstResponseDueAt: number | null;
  resolutionDueAt: number | null;
}

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
  /**
   * A chat session begins (`startedBy` is 'user' or the agent's name). `availableAt`: when it reaches
   * the team (epoch ms; absent: at once); `sla`: its clocks, for a chat the student asked for.
   */
  | { type: 'openChat'; sessionKey: string; startedBy: string; availableAt?: number; sla?: SlaDue }
  /** A user message arrived during a chat (for first-response figures and the console). */
  | { type: 'chatUserMessage'; sessionKey: string }
  /**
   * A chat ends (`endedBy` is 'user', 'timeout' or the agent's name); `resolutionBusinessSeconds`: the
   * business time from its availability to now; `slaResolution` when a resolution clock ran.
   */
  | {
      type: 'closeChat';
      sessionKey: string;
      endedBy: string;
      resolutionBusinessSeconds?: number;
      slaResolution?: SlaOutcome;
    }
  /** The first agent reply of a chat the student asked for: its business time, and the SLA outcome when a clock ran. */
  | { type: 'chatFirstResponse'; sessionKey: string; businessSeconds: number; sla?: SlaOutcome }
  /** The chat's SLA clocks were planned again (its priority changed). */
  | ({ type: 'chatSla'; sessionKey: string } & SlaDue)
  /** An SLA warning or breach, recorded once per kind and session; `escalate` marks the chat escalated. */
  | { type: 'slaEvent'; sessionKey: string; kind: SlaEventKind; priority: Priority; dueAt: number; escalate: boolean }
  /** A chat asked for outside business hours reached the team (the opening came): the queue shows it now. */
  | { type: 'chatAvailable'; sessionKey: string }
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
