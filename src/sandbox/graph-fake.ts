import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { graphError, graphErrorCode, isRecord, readBody, sendJson } from './graph-fake-http';
import { createFaultPlan } from './graph-fake-faults';
import { createMediaUploads } from './graph-fake-media';
import { createStatusNotifier } from './graph-fake-status';
import { createThroughputLimit, THROUGHPUT_LIMIT_CODE } from './graph-fake-throughput';
import { createFakeTemplates } from './graph-fake-templates';
import type { GraphFake, GraphFakeFailure, GraphFakeOptions, RecordedSend, SendAttempt } from './graph-fake-types';
import type { OutboundContent } from '../../domain/types';
import { BSUID_RECIPIENT_NOT_SUPPORTED } from '../whatsapp/errors';
import type { GraphTemplate } from '../whatsapp/template-schema';
import { checkOutboundLimits, fromGraphSendBody, GraphSendBody } from '../whatsapp/outbound';

// A real HTTP server speaking the Graph API's `/messages` and media shapes, for tests, the benchmark
// and sandbox mode. Being a server rather than a mock, it exercises the real client, its timeouts
// and connection handling. Failure injection (`failNext`, `refuse`, `setStorm`, `pauseSends`) targets
// send requests only; mark-read and typing-indicator requests fail only through `failNextRead`, and
// media requests are always answered.

export type { StatusCallbackOptions } from './graph-fake-status';
export type {
  GraphFake,
  GraphFakeFailure,
  GraphFakeOptions,
  GraphFakeStorm,
  RecordedSend,
  SendAttempt,
} from './graph-fake-types';

const DEFAULT_WAIT_MS = 5_000;

export async function startGraphFake(options: GraphFakeOptions = {}): Promise<GraphFake> {
  const host = options.host ?? '127.0.0.1';
  const version = options.apiVersion ?? 'v22.0';
  const notifier = options.statusCallback ? createStatusNotifier(options.statusCallback) : undefined;

  const sends: RecordedSend[] = [];
  const reads: string[] = [];
  const typingIndicators: string[] = [];
  const readFailures: GraphFakeFailure[] = [];
  const faults = createFaultPlan();
  const media = new Map<string, { data: Buffer; mimeType: string }>();
  const uploads = createMediaUploads(media);
  const templates = createFakeTemplates();
  const throughput = createThroughputLimit(options.messagesPerSecond);
  const held = new Set<() => void>();
  const sleepers = new Set<() => void>();
  let requests = 0;
  let aborted = 0;
  let latencyMs = 0;
  let answerDelayMs = 0;
  let paused = false;
  let sequence = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, graphError(1, 'Fake internal error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests += 1;
    const url = new URL(req.url ?? '/', origin);
    // An upload is multipart and may be large: its handler streams it instead of reading it as text.
    const upload = req.method === 'POST' && /^\/[^/]+\/[^/]+\/media\/?$/.test(url.pathname);
    const raw = upload ? '' : await readBody(req);
    if (options.accessToken !== undefined && req.headers.authorization !== `Bearer ${options.accessToken}`) {
      return sendJson(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    if (latencyMs > 0) await sleep(latencyMs);
    const [first, second, third, ...rest] = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && first === 'media-download' && second !== undefined && third === undefined) {
      const item = media.get(decodeURIComponent(second));
      if (!item) return sendJson(res, 404, graphError(100, 'Media not found'));
      res.writeHead(200, { 'Content-Type': item.mimeType, 'Content-Length': item.data.length });
      return void res.end(item.data);
    }
    if (first === version && second !== undefined && rest.length === 0) {
      if (req.method === 'POST' && third === 'messages') return handleMessages(req, res, second, raw);
      if (upload && third === 'media') return uploads.handleUpload(req, res, second);
      if (req.method === 'GET' && third === undefined) return serveMediaInfo(res, decodeURIComponent(second));
      if (req.method === 'GET' && third === 'message_templates') {
        const page = templates.page(url.searchParams, url.toString());
        return sendJson(res, page.status, page.body);
      }
    }
    sendJson(res, 400, graphError(100, `Unknown path components: ${req.method} ${req.url}`));
  }

  function serveMediaInfo(res: ServerResponse, mediaId: string): void {
    const item = media.get(mediaId);
    if (!item) return sendJson(res, 400, graphError(100, 'Unsupported get request. Object does not exist'));
    sendJson(res, 200, {
      messaging_product: 'whatsapp',
      url: `${origin}/media-download/${encodeURIComponent(mediaId)}`,
      mime_type: item.mimeType,
      sha256: createHash('sha256').update(item.data).digest('base64'),
      file_size: item.data.length,
      id: mediaId,
    });
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse, phoneNumberId: string, raw: string) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, graphError(100, 'Invalid parameter', 'Request body is not JSON'));
    }
    // A typing indicator is a mark-read body with `typing_indicator`; both answer `{"success": true}`.
    if (isRecord(json) && json['status'] === 'read') {
      const id = json['message_id'];
      if (typeof id !== 'string' || id === '')
        return sendJson(res, 400, graphError(131009, 'Parameter value is not valid'));
      const failure = readFailures.shift();
      if (failure !== undefined && 'status' in failure) {
        if (failure.body === undefined) return void res.writeHead(failure.status).end();
        return sendJson(res, failure.status, failure.body);
      }
      if (failure !== undefined) await sleep(failure.delayMs);
      if (json['typing_indicator'] === undefined) reads.push(id);
      else if (isRecord(json['typing_indicator']) && json['typing_indicator']['type'] === 'text')
        typingIndicators.push(id);
      else return sendJson(res, 400, graphError(100, 'Invalid parameter', 'typing_indicator.type must be text'));
      return sendJson(res, 200, { success: true });
    }

    // A client that gave up (timeout, crash) while we held or delayed it never sees an answer,
    // so the send is dropped: it models a request lost before Meta accepted it.
    const gone = (): boolean => req.socket.destroyed || (res.destroyed && !res.writableEnded);
    const arrived = Date.now();
    // The address: a phone's digits (`to`), or a BSUID (`recipient`) when the send names no phone.
    const to = !isRecord(json)
      ? undefined
      : typeof json['to'] === 'string'
        ? json['to'].replace(/\D/g, '')
        : typeof json['recipient'] === 'string'
          ? json['recipient']
          : undefined;
    const attempt = (outcome: SendAttempt['outcome'], status?: number, code?: number): void =>
      faults.record({
        at: arrived,
        ...(to === undefined ? {} : { to }),
        outcome,
        ...(status === undefined ? {} : { status }),
        ...(code === undefined ? {} : { code }),
      });
    const dropped = (): void => {
      aborted += 1;
      attempt('dropped');
    };
    if (paused) {
      await new Promise<void>((resolve) => {
        const release = (): void => {
          held.delete(release);
          res.off('close', release);
          resolve();
        };
        held.add(release);
        res.once('close', release);
      });
      if (gone()) return dropped();
    }
    const failure = faults.next(to);
    if (failure !== undefined && 'status' in failure) {
      attempt('failed', failure.status, graphErrorCode(failure.body));
      if (failure.body === undefined) return void res.writeHead(failure.status).end();
      return sendJson(res, failure.status, failure.body);
    }
    if (failure !== undefined) {
      await sleep(failure.delayMs);
      if (gone()) return dropped();
    }

    const parsed = GraphSendBody.safeParse(json);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      attempt('failed', 400, 100);
      return sendJson(res, 400, graphError(100, 'Invalid parameter', details));
    }
    const content = fromGraphSendBody(parsed.data);
    const problems = checkOutboundLimits(content);
    if (problems.length > 0) {
      attempt('failed', 400, 100);
      return sendJson(res, 400, graphError(100, 'Invalid parameter', problems.join('; ')));
    }
    const mediaSend = uploads.checkSend(parsed.data);
    if (mediaSend !== undefined && 'error' in mediaSend) {
      const { code, title, details } = mediaSend.error;
      attempt('failed', 400, code);
      return sendJson(res, 400, graphError(code, title, details));
    }
    // A template is checked against the catalogue as WhatsApp does, and recorded with its rendered text.
    const checked = templates.checkSend(content);
    if (!checked.ok) {
      attempt('failed', 400, checked.code);
      return sendJson(res, 400, checked.body);
    }
    // Authentication templates go to phone numbers only: to a BSUID WhatsApp refuses them with 131062.
    if (parsed.data.to === undefined && needsPhone(content, templates.all)) {
      attempt('failed', 400, BSUID_RECIPIENT_NOT_SUPPORTED);
      return sendJson(
        res,
        400,
        graphError(
          BSUID_RECIPIENT_NOT_SUPPORTED,
          'Recipient not supported',
          'Business-scoped User ID (BSUID) recipients are not supported for this message.',
        ),
      );
    }

    // Past the number's throughput, WhatsApp refuses the send until the last second holds fewer.
    if (throughput.exceeded(Date.now())) {
      attempt('failed', 429, THROUGHPUT_LIMIT_CODE);
      return sendJson(
        res,
        429,
        graphError(THROUGHPUT_LIMIT_CODE, 'Rate limit hit', 'Cloud API message throughput has been reached.'),
      );
    }
    throughput.accepted(Date.now());
    sequence += 1;
    const send: RecordedSend = {
      waMessageId: 'wamid.' + Buffer.from(`fake.${sequence}.${randomUUID()}`).toString('base64'),
      phoneNumberId,
      to: parsed.data.to?.replace(/\D/g, '') ?? parsed.data.recipient!,
      ...(parsed.data.to === undefined ? { recipient: parsed.data.recipient! } : {}),
      type: parsed.data.type,
      body: json,
      content: checked.content,
      ...(parsed.data.context === undefined ? {} : { contextMessageId: parsed.data.context.message_id }),
      ...(mediaSend === undefined ? {} : { media: mediaSend.media }),
      at: Date.now(),
    };
    sends.push(send);
    attempt('accepted', 200);
    // Accepted (recorded, its statuses will follow) but answered late: a client killed meanwhile never
    // learns the wamid, the gap between WhatsApp accepting a send and the sender storing its answer.
    if (answerDelayMs > 0) await sleep(answerDelayMs);
    sendJson(res, 200, {
      messaging_product: 'whatsapp',
      // Meta answers a `recipient` send with the BSUID as user_id and no wa_id.
      contacts: [
        parsed.data.to === undefined ? { input: send.to, user_id: send.to } : { input: parsed.data.to, wa_id: send.to },
      ],
      messages: [{ id: send.waMessageId }],
    });
    notifier?.enqueue({
      phoneNumberId,
      waMessageId: send.waMessageId,
      ...(send.recipient === undefined ? { recipientId: send.to } : { recipientUserId: send.recipient }),
      // As Meta does: the send's biz_opaque_callback_data comes back in each of its statuses.
      ...(parsed.data.biz_opaque_callback_data === undefined
        ? {}
        : { callbackData: parsed.data.biz_opaque_callback_data }),
    });
  }

  function resumeSends(): void {
    paused = false;
    for (const release of [...held]) release();
  }

  // Polling keeps this independent of which state the predicate reads; 5 ms is plenty for tests.
  function waitFor(predicate: () => boolean, timeoutMs = DEFAULT_WAIT_MS, what: string | (() => string) = 'condition') {
    const deadline = Date.now() + timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (predicate()) return resolve();
        if (Date.now() < deadline) return void setTimeout(check, 5);
        const description = typeof what === 'string' ? what : what();
        reject(new Error(`graph fake: timed out after ${timeoutMs}ms waiting for ${description}`));
      };
      check();
    });
  }

  return {
    baseUrl: `${origin}/${version}`,
    sends,
    reads,
    typingIndicators,
    get requests() {
      return requests;
    },
    get aborted() {
      return aborted;
    },
    get held() {
      return held.size;
    },
    get pendingCallbacks() {
      return notifier?.pending ?? 0;
    },
    // A phone in any format, or a BSUID as is (a send to a BSUID records it as the address).
    sendsTo: (address) =>
      sends.filter((s) => s.to === (/^[A-Z]{2}\./.test(address) ? address : address.replace(/\D/g, ''))),
    async waitForSends(count, timeoutMs) {
      await waitFor(
        () => sends.length >= count,
        timeoutMs,
        () => `${count} sends (have ${sends.length})`,
      );
      return [...sends];
    },
    waitFor,
    get attempts() {
      return faults.attempts;
    },
    failNext: (count, failure) => faults.queue(count, failure),
    failNextRead(count, failure) {
      for (let i = 0; i < count; i++) readFailures.push(failure);
    },
    refuse: (digits, failure) => faults.refuse(digits, failure),
    setStorm: (storm) => faults.setStorm(storm),
    setAnswerDelay(ms) {
      answerDelayMs = ms;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setThroughputLimit: (messagesPerSecond) => throughput.set(messagesPerSecond),
    pauseSends() {
      paused = true;
    },
    resumeSends,
    waitForHeldSend: (timeoutMs) => waitFor(() => held.size > 0, timeoutMs, 'a held send'),
    addMedia(mediaId, data, mimeType) {
      media.set(mediaId, { data, mimeType });
    },
    uploads: () => [...uploads.uploads],
    get templates() {
      return templates.all;
    },
    setTemplates: (list) => templates.set(list),
    setTemplateStatus: (name, language, status) => templates.setStatus(name, language, status),
    flushCallbacks: () => notifier?.flush() ?? Promise.resolve(),
    reset() {
      // In place, so arrays a caller already holds stay live.
      sends.length = 0;
      reads.length = 0;
      typingIndicators.length = 0;
      readFailures.length = 0;
      faults.reset();
      media.clear();
      uploads.reset();
      templates.reset();
      requests = 0;
      aborted = 0;
      latencyMs = 0;
      answerDelayMs = 0;
      throughput.set(options.messagesPerSecond);
      resumeSends();
    },
    async close() {
      notifier?.close();
      paused = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const release of [...held]) release();
      for (const wake of [...sleepers]) wake();
      await closed;
    },
  };
}

/** Whether WhatsApp sends this only to a phone number: an authentication template (reference §3.3). */
function needsPhone(content: OutboundContent, catalogue: readonly GraphTemplate[]): boolean {
  if (content.kind !== 'template') return false;
  const template = catalogue.find((t) => t.name === content.name && t.language === content.language);
  return template?.category.toUpperCase() === 'AUTHENTICATION';
}
