import { signBody } from '../../src/whatsapp/signature';

// Status webhooks the Graph fake posts back after an accepted send, shaped like Meta's
// (fixtures/whatsapp/status-delivered.json) and signed like Meta's, so the product's real webhook
// route handles them. Deliveries go through one queue: a receiver sees sent → delivered → read
// for a message, and messages in send order.

export type FakeStatusName = 'sent' | 'delivered' | 'read';

export interface StatusCallbackOptions {
  /** The webhook URL to POST to, e.g. `http://127.0.0.1:3000/api/webhook/whatsapp`. */
  url: string;
  /** Key of `X-Hub-Signature-256`: the app secret the receiver verifies with. */
  appSecret: string;
  /** Which statuses to report for each send, in this order. */
  statuses?: FakeStatusName[];
  /** Wait before each delivery, to model Meta's lag. */
  delayMs?: number;
}

/** The fake account of the recorded samples (test/fixtures/whatsapp), so fake traffic looks like them. */
export const FAKE_WABA_ID = '102000000000001';
export const FAKE_DISPLAY_PHONE_NUMBER = '15550001111';

export interface StatusWebhookInput {
  phoneNumberId: string;
  waMessageId: string;
  /** The recipient's phone; a send to a BSUID has none, and its statuses name the BSUID instead. */
  recipientId?: string;
  recipientUserId?: string;
  status: FakeStatusName;
  /** The send's `biz_opaque_callback_data`, echoed in each status as Meta does. */
  callbackData?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** A Meta-shaped `messages` webhook body carrying one status (v24+ shape: no `conversation`). */
export function statusWebhookBody(input: StatusWebhookInput): unknown {
  // Meta sends pricing on only one of sent/delivered; the fixture has it on delivered.
  const pricing =
    input.status === 'delivered'
      ? { pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' } }
      : {};
  return messagesWebhookBody(input.phoneNumberId, {
    statuses: [
      {
        id: input.waMessageId,
        status: input.status,
        timestamp: String(Math.floor(input.at / 1000)),
        ...(input.recipientId === undefined ? {} : { recipient_id: input.recipientId }),
        ...(input.recipientUserId === undefined ? {} : { recipient_user_id: input.recipientUserId }),
        ...(input.callbackData === undefined ? {} : { biz_opaque_callback_data: input.callbackData }),
        ...pricing,
      },
    ],
  });
}

/**
 * A Meta-shaped webhook body with one `messages` change of our fake business number, carrying
 * `value` (messages, contacts or statuses) beside the metadata every change has.
 */
export function messagesWebhookBody(phoneNumberId: string, value: Record<string, unknown>): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: FAKE_WABA_ID,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: FAKE_DISPLAY_PHONE_NUMBER, phone_number_id: phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

export interface StatusNotifier {
  /** Queues the configured statuses for one accepted send. */
  enqueue(send: {
    phoneNumberId: string;
    waMessageId: string;
    recipientId?: string;
    recipientUserId?: string;
    callbackData?: string;
  }): void;
  /** Deliveries queued or in flight. */
  readonly pending: number;
  /** Resolves once every queued delivery was attempted. */
  flush(): Promise<void>;
  /** Drops queued deliveries (the one in flight still finishes). */
  close(): void;
}

export function createStatusNotifier(options: StatusCallbackOptions): StatusNotifier {
  const statuses = options.statuses ?? ['sent', 'delivered', 'read'];
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  let closed = false;

  async function deliver(input: StatusWebhookInput): Promise<void> {
    if (closed) return;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (closed) return;
    const raw = JSON.stringify(statusWebhookBody({ ...input, at: Date.now() }));
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signBody(raw, options.appSecret) },
        body: raw,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
    } catch {
      // Fire and forget, like Meta's first attempt; the receiver being down is not the fake's problem.
    }
  }

  return {
    enqueue(send) {
      for (const status of statuses) {
        pending += 1;
        tail = tail
          .then(() => deliver({ ...send, status, at: Date.now() }))
          .catch(() => undefined)
          .finally(() => {
            pending -= 1;
          });
      }
    },
    get pending() {
      return pending;
    },
    async flush() {
      // The tail can grow while we wait, so wait until nothing is left.
      while (pending > 0) await tail;
    },
    close() {
      closed = true;
    },
  };
}
