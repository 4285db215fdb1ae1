import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Webhook bodies shaped like Meta's: the fixture files in test/fixtures/whatsapp as raw bytes, and builders for
// messages with the numbers, ids and texts a test needs.

const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/whatsapp');

export function fixtureBytes(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES_DIR, name));
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as T;
}

let counter = 0;

/** A wamid that no other test uses. */
export function newWamid(): string {
  counter++;
  return `wamid.TEST${process.pid}x${Date.now()}x${counter}`;
}

// Test files share one Temporal server, and jest loads this module afresh for each of them with its
// counter at zero: six digits taken from the test file's path keep one file's numbers (and so its
// conversation workflow ids) apart from every other file's, the same in every run.
const FILE_PREFIX = String(
  crypto
    .createHash('sha256')
    .update(expect.getState().testPath ?? String(process.pid))
    .digest()
    .readUInt32BE(0) % 1_000_000,
).padStart(6, '0');

/** A phone number (14 digits) that no other test uses. */
export function newPhone(): string {
  counter++;
  return `1555${FILE_PREFIX}${String(counter).padStart(4, '0')}`;
}

/** Whether a test's name for a user is a BSUID (`US.…`: a country code, a dot) rather than a phone number. */
export const isBsuid = (identifier: string): boolean => /^[A-Z]{2}\./.test(identifier);

/** A BSUID (`US.` and digits, as Meta's) that no other test uses. */
export function newBsuid(): string {
  return `US.9${newPhone()}`;
}

export interface MessageSpec {
  /** The sender: a phone number (digits), or a BSUID when Meta shows no number (`from_user_id` only). */
  from: string;
  /** The sender's BSUID beside a phone number in `from`. */
  userId?: string;
  id?: string;
  timestamp?: number;
  type?: string;
  /** The type-specific part, e.g. { text: { body: 'hi' } }. */
  part?: Record<string, unknown>;
  name?: string;
}

/** `from`, `from_user_id` of a message and `wa_id`, `user_id` of its contact, as Meta names that sender. */
function senderFields(m: MessageSpec): { message: Record<string, string>; contact: Record<string, string> } {
  if (isBsuid(m.from)) return { message: { from_user_id: m.from }, contact: { user_id: m.from } };
  if (m.userId === undefined) return { message: { from: m.from }, contact: { wa_id: m.from } };
  return { message: { from: m.from, from_user_id: m.userId }, contact: { wa_id: m.from, user_id: m.userId } };
}

/** One `messages` change with the given messages, all from the numbers (or BSUIDs) they name. */
export function messagesChange(messages: MessageSpec[]): Record<string, unknown> {
  const contacts = [...new Set(messages.map((m) => m.from))].map((from) => {
    const first = messages.find((m) => m.from === from)!;
    return { profile: { name: first.name ?? 'Test User' }, ...senderFields(first).contact };
  });
  return {
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
      contacts,
      messages: messages.map((m) => ({
        ...senderFields(m).message,
        id: m.id ?? newWamid(),
        timestamp: String(m.timestamp ?? Math.floor(Date.now() / 1000)),
        type: m.type ?? 'text',
        ...(m.part ?? { text: { body: 'Hello' } }),
      })),
    },
    field: 'messages',
  };
}

export function webhookBody(changes: Record<string, unknown>[]): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102000000000001', changes }] });
}

/** A webhook with one text message. */
export function textWebhook(
  from: string,
  text: string,
  id = newWamid(),
  timestamp?: number,
): { body: string; id: string } {
  return { body: webhookBody([messagesChange([{ from, id, timestamp, part: { text: { body: text } } }])]), id };
}

export function statusWebhook(
  statuses: { id: string; status: string; timestamp: number; recipient: string; errorCode?: number }[],
): string {
  return webhookBody([
    {
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
        statuses: statuses.map((s) => ({
          id: s.id,
          status: s.status,
          timestamp: String(s.timestamp),
          recipient_id: s.recipient,
          ...(s.errorCode !== undefined
            ? { errors: [{ code: s.errorCode, title: 'Message undeliverable', message: 'Message undeliverable' }] }
            : {}),
        })),
      },
      field: 'messages',
    },
  ]);
}
