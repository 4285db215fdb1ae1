import { MAX_ID_CHARS } from '../../domain/whatsapp-limits';
import type { ParsedWebhook, QuarantinedItem, WebhookQuarantineReason } from './parsed-webhook';
import { saneId } from './sanitize';
import type { WebhookContact } from './webhook-schema';

// What every message, status and echo of a `messages` value goes through first: its schema, then an id
// that can be stored (never cleaned: a changed id names another item). An item failing either is set
// aside where it stands, so `quarantined` and `ignored` keep the document's order.

/** Sets an item aside with its reason, and notes why (the note is safe to log). */
export type SetAside = (
  source: QuarantinedItem['source'],
  reason: WebhookQuarantineReason,
  raw: unknown,
  note: string,
) => void;

/** What the readers of one value's items share. */
export interface ValueScope {
  /** Where the value is in the body, for notes: `entry[0].changes[1]`. */
  where: string;
  /** When the body arrived (epoch ms): stamped on messages, and the time of an item whose own is unusable. */
  receivedAt: number;
  /** The value's readable `contacts[]`. */
  contacts: WebhookContact[];
  out: ParsedWebhook;
  setAside: SetAside;
}

/** The part of a schema the items are read with (a zod schema). */
interface ItemSchema<T extends { id: string }> {
  safeParse(raw: unknown): { success: true; data: T } | { success: false };
}

/**
 * Hands `read` each item of `list` (named `key` in the value) that `schema` reads and whose id can be
 * stored, in order; sets the others aside as `malformed` (the note says it has no `required`) or `invalid_id`.
 */
export function eachItem<T extends { id: string }>(
  list: unknown[],
  schema: ItemSchema<T>,
  { source, key, required }: { source: QuarantinedItem['source']; key: string; required: string },
  scope: ValueScope,
  read: (item: T, id: string, raw: unknown) => void,
): void {
  list.forEach((raw, i) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      return scope.setAside(source, 'malformed', raw, `${scope.where}.${key}[${i}] has no ${required}`);
    const id = saneId(parsed.data.id, MAX_ID_CHARS);
    if (id === undefined)
      return scope.setAside(source, 'invalid_id', raw, `${scope.where}.${key}[${i}] has an unusable id`);
    read(parsed.data, id, raw);
  });
}
