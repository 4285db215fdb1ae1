import type { OutboundContent } from '../../domain/types';
import type { StatusCallbackOptions } from './graph-fake-status';

// The public shape of the local Graph API fake (graph-fake.ts).

export interface RecordedSend {
  waMessageId: string;
  phoneNumberId: string;
  /** Recipient, digits only. */
  to: string;
  /** Graph message type: `text` or `interactive`. */
  type: string;
  /** The request body as sent. */
  body: unknown;
  content: OutboundContent;
  contextMessageId?: string;
  /** Epoch ms of acceptance. */
  at: number;
}

/** An HTTP error answer (with a Graph error body or none), or a slow answer to provoke client timeouts. */
export type GraphFakeFailure = { status: number; body?: unknown } | { delayMs: number };

export interface GraphFakeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  apiVersion?: string;
  /** When set, requests must carry `Authorization: Bearer <accessToken>` or get Graph error 190. */
  accessToken?: string;
  statusCallback?: StatusCallbackOptions;
}

export interface GraphFake {
  /** Graph base URL including the version: the value for WHATSAPP_API_BASE_URL. */
  readonly baseUrl: string;
  /** Accepted sends, in order. */
  readonly sends: RecordedSend[];
  /** Message ids marked read, in order. */
  readonly reads: string[];
  /** HTTP requests received, whatever their outcome. */
  readonly requests: number;
  /** Held or delayed sends whose client went away before the answer; not recorded. */
  readonly aborted: number;
  /** Send requests currently held by pauseSends. */
  readonly held: number;
  /** Status webhooks queued or in flight. */
  readonly pendingCallbacks: number;
  sendsTo(digits: string): RecordedSend[];
  /** Resolves with all sends once at least `count` were accepted. */
  waitForSends(count: number, timeoutMs?: number): Promise<RecordedSend[]>;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** The next `count` send requests fail this way (in queue order with earlier failures). */
  failNext(count: number, failure: GraphFakeFailure): void;
  /** Delay before answering every request. */
  setLatency(ms: number): void;
  /** Holds send requests open, unanswered and unrecorded, until resumeSends. */
  pauseSends(): void;
  /** Answers the held sends whose clients are still connected. */
  resumeSends(): void;
  waitForHeldSend(timeoutMs?: number): Promise<void>;
  addMedia(mediaId: string, data: Buffer, mimeType: string): void;
  flushCallbacks(): Promise<void>;
  /** Forgets sends, reads, counters, media, queued failures and latency; releases held sends. */
  reset(): void;
  close(): Promise<void>;
}
