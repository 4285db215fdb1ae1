import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { readRawBody } from '../../src/server/raw-body';
import { afterAnswer, answerFailure, answerJson, graphError, graphErrorCode, isRecord } from './graph-fake-http';
import { checkSend, type CheckedSend } from './graph-fake-send-checks';
import type { FakeState } from './graph-fake-state';
import type { RecordedSend, SendAttempt } from './graph-fake-types';

// `POST /{version}/{phone-number-id}/messages`: a send, or a mark-read (with or without a typing
// indicator), told apart by the body as Graph does. Failure injection (`failNext`, `refuse`,
// `setStorm`, `pauseSends`) targets sends only; mark-read and typing requests fail only through
// `failNextRead`.

/** Far above any send body WhatsApp takes (a text is at most 4,096 characters); past it, 413. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export async function answerMessages(ctx: Context, state: FakeState, phoneNumberId: string): Promise<void> {
  const raw = (await readRawBody(ctx, BODY_LIMIT_BYTES)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return answerJson(ctx, 400, graphError(100, 'Invalid parameter', 'Request body is not JSON'));
  }
  // A typing indicator is a mark-read body with `typing_indicator`; both answer `{"success": true}`.
  if (isRecord(json) && json['status'] === 'read') return answerRead(ctx, state, json);
  return answerSend(ctx, state, json, phoneNumberId);
}

async function answerRead(ctx: Context, state: FakeState, json: Record<string, unknown>): Promise<void> {
  const id = json['message_id'];
  if (typeof id !== 'string' || id === '')
    return answerJson(ctx, 400, graphError(131009, 'Parameter value is not valid'));
  const failure = state.readFailures.shift();
  if (failure !== undefined && 'status' in failure) return answerFailure(ctx, failure);
  if (failure !== undefined) await state.sleep(failure.delayMs);
  const typing = json['typing_indicator'];
  if (typing === undefined) state.reads.push(id);
  else if (isRecord(typing) && typing['type'] === 'text') state.typingIndicators.push(id);
  else return answerJson(ctx, 400, graphError(100, 'Invalid parameter', 'typing_indicator.type must be text'));
  answerJson(ctx, 200, { success: true });
}

async function answerSend(ctx: Context, state: FakeState, json: unknown, phoneNumberId: string): Promise<void> {
  // A client that gave up (timeout, crash) while we held or delayed it never sees an answer,
  // so the send is dropped: it models a request lost before Meta accepted it.
  const gone = (): boolean => ctx.req.socket.destroyed || (ctx.res.destroyed && !ctx.res.writableEnded);
  const arrived = Date.now();
  const to = addressOf(json);
  const attempt = (outcome: SendAttempt['outcome'], status?: number, code?: number): void =>
    state.faults.record({
      at: arrived,
      ...(to === undefined ? {} : { to }),
      outcome,
      ...(status === undefined ? {} : { status }),
      ...(code === undefined ? {} : { code }),
    });
  const dropped = (): void => {
    state.aborted += 1;
    attempt('dropped');
  };
  if (state.paused) {
    await state.hold(ctx.res);
    if (gone()) return dropped();
  }
  const failure = state.faults.next(to);
  if (failure !== undefined && 'status' in failure) {
    attempt('failed', failure.status, graphErrorCode(failure.body));
    return answerFailure(ctx, failure);
  }
  if (failure !== undefined) {
    await state.sleep(failure.delayMs);
    if (gone()) return dropped();
  }
  const checked = checkSend(state, json);
  if (!checked.ok) {
    attempt('failed', checked.status, checked.code);
    return answerJson(ctx, checked.status, checked.body);
  }
  const send = accept(state, checked, json, phoneNumberId);
  attempt('accepted', 200);
  // Accepted (recorded, its statuses will follow) but answered late: a client killed meanwhile never
  // learns the wamid, the gap between WhatsApp accepting a send and the sender storing its answer.
  if (state.answerDelayMs > 0) await state.sleep(state.answerDelayMs);
  answerJson(ctx, 200, {
    messaging_product: 'whatsapp',
    // Meta answers a `recipient` send with the BSUID as user_id and no wa_id.
    contacts: [
      send.recipient === undefined ? { input: checked.data.to, wa_id: send.to } : { input: send.to, user_id: send.to },
    ],
    messages: [{ id: send.waMessageId }],
  });
  const { notifier } = state;
  if (notifier === undefined) return;
  afterAnswer(ctx, () =>
    notifier.enqueue({
      phoneNumberId,
      waMessageId: send.waMessageId,
      ...(send.recipient === undefined ? { recipientId: send.to } : { recipientUserId: send.recipient }),
      // As Meta does: the send's biz_opaque_callback_data comes back in each of its statuses.
      ...(checked.data.biz_opaque_callback_data === undefined
        ? {}
        : { callbackData: checked.data.biz_opaque_callback_data }),
    }),
  );
}

/** The address faults match on: a phone's digits (`to`), or a BSUID (`recipient`) when the send names no phone. */
function addressOf(json: unknown): string | undefined {
  if (!isRecord(json)) return undefined;
  if (typeof json['to'] === 'string') return json['to'].replace(/\D/g, '');
  return typeof json['recipient'] === 'string' ? json['recipient'] : undefined;
}

/** Records a checked send, counted against the throughput limit, with a wamid of its own. */
function accept(state: FakeState, checked: CheckedSend, json: unknown, phoneNumberId: string): RecordedSend {
  const { data } = checked;
  state.throughput.accepted(Date.now());
  state.sequence += 1;
  const send: RecordedSend = {
    waMessageId: 'wamid.' + Buffer.from(`fake.${state.sequence}.${randomUUID()}`).toString('base64'),
    phoneNumberId,
    to: data.to?.replace(/\D/g, '') ?? data.recipient!,
    ...(data.to === undefined ? { recipient: data.recipient! } : {}),
    type: data.type,
    body: json,
    content: checked.content,
    ...(data.context === undefined ? {} : { contextMessageId: data.context.message_id }),
    ...(checked.media === undefined ? {} : { media: checked.media }),
    at: Date.now(),
  };
  state.sends.push(send);
  return send;
}
