import type { AttachmentType, OutboundContent } from '../../domain/types';
import type { StatusCallbackOptions } from './graph-fake-status';
import type { GraphTemplate } from '../../src/whatsapp/template-schema';

// The public shape of the local Graph API fake (graph-fake.ts).

export interface RecordedSend {
  waMessageId: string;
  phoneNumberId: string;
  /** The address: the recipient's phone, digits only, or the BSUID of a send that named no phone. */
  to: string;
  /** Present when the send went to a BSUID (`recipient`, no `to`). */
  recipient?: string;
  /** Graph message type: `text`, `interactive`, `template`, `image`, `document`, `audio` or `video`. */
  type: string;
  /** The request body as sent. */
  body: unknown;
  content: OutboundContent;
  contextMessageId?: string;
  /** An image, document, audio or video send: the uploaded file it names. */
  media?: RecordedMedia;
  /** Epoch ms of acceptance. */
  at: number;
}

/** A file uploaded to `POST /{phone-number-id}/media`. */
export interface RecordedUpload {
  /** The media id answered, which sends name. */
  id: string;
  phoneNumberId: string;
  mediaType: AttachmentType;
  mimeType: string;
  sizeBytes: number;
  /** Hex SHA-256 of the bytes, for tests to compare with the file they stored. */
  sha256: string;
  filename?: string;
  at: number;
}

/** What a media send carried, with the bytes it names (by the upload's size and hash). */
export interface RecordedMedia {
  mediaType: AttachmentType;
  mediaId: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  caption?: string;
  filename?: string;
}

/** An HTTP error answer (with a Graph error body or none), or a slow answer to provoke client timeouts. */
export type GraphFakeFailure = { status: number; body?: unknown } | { delayMs: number };

/** A share of all send requests (0–1) that fail the same way, drawn with `random` (default Math.random). */
export interface GraphFakeStorm {
  errorRate: number;
  failure: GraphFakeFailure;
  random?: () => number;
}

/** One send request as the fake answered it: accepted, failed (with the HTTP status and Graph code), or dropped. */
export interface SendAttempt {
  /** Epoch ms when the request arrived. */
  at: number;
  /** Recipient digits, when the body named one. */
  to?: string;
  outcome: 'accepted' | 'failed' | 'dropped';
  status?: number;
  code?: number;
}

export interface GraphFakeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  apiVersion?: string;
  /** When set, requests must carry `Authorization: Bearer <accessToken>` or get Graph error 190. */
  accessToken?: string;
  statusCallback?: StatusCallbackOptions;
  /** The number's throughput: past this many accepted sends in the last second, a send gets 130429. Unset: no limit. */
  messagesPerSecond?: number;
}

export interface GraphFake {
  /** Graph base URL including the version: the value for WHATSAPP_API_BASE_URL. */
  readonly baseUrl: string;
  /** Accepted sends, in order. */
  readonly sends: RecordedSend[];
  /** Message ids marked read, in order (typing indicators, which also mark read, are apart). */
  readonly reads: string[];
  /** Message ids a typing indicator was shown for, in order. */
  readonly typingIndicators: string[];
  /** HTTP requests received, whatever their outcome. */
  readonly requests: number;
  /** Held or delayed sends whose client went away before the answer; not recorded. */
  readonly aborted: number;
  /** Every send request with its outcome, in order of arrival (mark-read requests are not sends). */
  readonly attempts: SendAttempt[];
  /** Send requests currently held by pauseSends. */
  readonly held: number;
  /** Status webhooks queued or in flight. */
  readonly pendingCallbacks: number;
  /** Sends to a phone (any format) or to a BSUID. */
  sendsTo(address: string): RecordedSend[];
  /** Resolves with all sends once at least `count` were accepted. */
  waitForSends(count: number, timeoutMs?: number): Promise<RecordedSend[]>;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** The next `count` send requests fail this way (in queue order with earlier failures). */
  failNext(count: number, failure: GraphFakeFailure): void;
  /** The next `count` mark-read or typing-indicator requests fail this way; nothing is recorded for them. */
  failNextRead(count: number, failure: GraphFakeFailure): void;
  /** Every send to `digits` fails this way (e.g. 131047) until called again with undefined. */
  refuse(digits: string, failure: GraphFakeFailure | undefined): void;
  /** Fails a share of all sends at random (after queued failures and refusals); undefined ends it. */
  setStorm(storm: GraphFakeStorm | undefined): void;
  /** Delay before answering every request. */
  setLatency(ms: number): void;
  /** Delay between accepting (recording) a send and answering it: a client gone meanwhile is the crash gap. */
  setAnswerDelay(ms: number): void;
  /** Sets (or, with undefined, lifts) the per-number throughput limit; reset() restores the option's. */
  setThroughputLimit(messagesPerSecond: number | undefined): void;
  /** Holds send requests open, unanswered and unrecorded, until resumeSends. */
  pauseSends(): void;
  /** Answers the held sends whose clients are still connected. */
  resumeSends(): void;
  waitForHeldSend(timeoutMs?: number): Promise<void>;
  /** Plants a user's media, downloadable by its id as an inbound photo or file is. */
  addMedia(mediaId: string, data: Buffer, mimeType: string): void;
  /** Files uploaded for sends, in order. */
  uploads(): RecordedUpload[];
  /** The account's message templates, as `GET /{waba}/message_templates` lists them (sandbox defaults at first). */
  readonly templates: GraphTemplate[];
  setTemplates(templates: readonly GraphTemplate[]): void;
  /** e.g. PAUSED: later sends of that template are refused as WhatsApp refuses them. */
  setTemplateStatus(name: string, language: string, status: string): void;
  flushCallbacks(): Promise<void>;
  /**
   * Forgets sends, reads, typing indicators, attempts, counters, media, uploads, failures, refusals,
   * storm, latency and answer delay, and puts the default templates back; releases held sends.
   */
  reset(): void;
  close(): Promise<void>;
}
