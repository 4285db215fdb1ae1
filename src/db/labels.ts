import pg from 'pg';
import { appendEvent } from './events';
import { UNIQUE_VIOLATION, type Db } from './pool';
import type { Priority } from '../../domain/support-policy';

// Labels an admin defines (name, colour) that agents put on conversations, and each conversation's
// priority (SPEC §7.6). Names are unique ignoring case (the index labels_name, migration 0019); a
// conversation's labels go when it does (erasure deletes its row) and when the label does.

export interface Label {
  id: number;
  name: string;
  color: string;
  createdAt: Date;
}

/** A label as lists and conversations show it. */
export interface LabelShown {
  id: number;
  name: string;
  color: string;
}

interface DbLabel {
  id: string;
  name: string;
  color: string;
  created_at: Date;
}

const COLUMNS = 'id, name, color, created_at';

const toLabel = (row: DbLabel): Label => ({
  id: Number(row.id),
  name: row.name,
  color: row.color,
  createdAt: row.created_at,
});

/**
 * A select-list expression: the labels of the conversation whose contact id is `contact`, by name, as a
 * JSON array of `{ id, name, color }` (empty when none).
 */
export const LABELS_OF = (contact: string): string =>
  `coalesce((select json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color)
                             order by lower(l.name), l.id)
               from conversation_labels cl join labels l on l.id = cl.label_id
              where cl.contact_id = ${contact}), '[]'::json)`;

/** What the lists, the queue and search may be narrowed to: a label's name (any case) and a priority. */
export interface ConversationFilter {
  label?: string;
  priority?: Priority;
}

/**
 * A condition on the contact id `contact`: it has the label named by parameter `$first` and the priority
 * in `$first + 1`, each ignored when null (see `filterParams`). An unknown label matches nothing.
 */
export function filterCondition(contact: string, first: number): string {
  return `($${first}::text is null or exists (
            select 1 from conversation_labels fl join labels l on l.id = fl.label_id
             where fl.contact_id = ${contact} and lower(l.name) = lower($${first}::text)))
          and ($${first + 1}::text is null or exists (
            select 1 from conversations fp where fp.contact_id = ${contact} and fp.priority = $${first + 1}::text))`;
}

/** The two parameters `filterCondition` reads. */
export const filterParams = (filter: ConversationFilter = {}): [string | null, string | null] => [
  filter.label ?? null,
  filter.priority ?? null,
];

/** Every label, by name. */
export async function listLabels(db: Db): Promise<Label[]> {
  const { rows } = await db.query<DbLabel>(`select ${COLUMNS} from labels order by lower(name), id`);
  return rows.map(toLabel);
}

/** Thrown when a label's name is taken already (ignoring case). */
export class DuplicateLabelError extends Error {
  override name = 'DuplicateLabelError';
}

const LABELS_CHANGED = 'labels_changed';

/** Creates a label and tells the consoles; throws DuplicateLabelError when the name is taken. */
export async function createLabel(db: Db, input: { name: string; color: string }): Promise<Label> {
  return uniqueName(() =>
    db.withTransaction(async (client) => {
      const { rows } = await client.query<DbLabel>(
        `insert into labels (name, color) values ($1, $2) returning ${COLUMNS}`,
        [input.name, input.color],
      );
      const label = toLabel(rows[0]!);
      await appendEvent(client, {
        kind: LABELS_CHANGED,
        contactId: null,
        payload: { labelId: label.id, change: 'created' },
      });
      return label;
    }),
  );
}

/** Renames or recolours a label; undefined for an unknown id, DuplicateLabelError when the name is taken. */
export async function updateLabel(
  db: Db,
  id: number,
  change: { name?: string; color?: string },
): Promise<Label | undefined> {
  return uniqueName(() =>
    db.withTransaction(async (client) => {
      const { rows } = await client.query<DbLabel>(
        `update labels set name = coalesce($2, name), color = coalesce($3, color) where id = $1 returning ${COLUMNS}`,
        [id, change.name ?? null, change.color ?? null],
      );
      if (!rows[0]) return undefined;
      await appendEvent(client, { kind: LABELS_CHANGED, contactId: null, payload: { labelId: id, change: 'updated' } });
      return toLabel(rows[0]);
    }),
  );
}

/** Deletes a label, and so takes it off every conversation; undefined for an unknown id. */
export async function deleteLabel(db: Db, id: number): Promise<(Label & { conversations: number }) | undefined> {
  return db.withTransaction(async (client) => {
    const { rows } = await client.query<DbLabel>(`select ${COLUMNS} from labels where id = $1 for update`, [id]);
    if (!rows[0]) return undefined;
    // Through migration 0023's function: the runtime role deletes nothing itself.
    const { rows: gone } = await client.query<{ n: string }>('select edubot_delete_label($1) as n', [id]);
    await appendEvent(client, { kind: LABELS_CHANGED, contactId: null, payload: { labelId: id, change: 'deleted' } });
    return { ...toLabel(rows[0]), conversations: Number(gone[0]?.n ?? 0) };
  });
}

async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === UNIQUE_VIOLATION) throw new DuplicateLabelError(err.message);
    throw err;
  }
}

/** The outcome of `setConversationLabels`. */
export type SetLabelsResult =
  | { ok: true; labels: LabelShown[]; added: number[]; removed: number[] }
  | { ok: false; reason: 'conversation_not_found' }
  | { ok: false; reason: 'unknown_labels'; names: string[] };

/**
 * Replaces a conversation's labels with those named (any case), in one transaction, and tells the
 * consoles when the set changed. Nothing changes when a name is no label or there is no conversation.
 */
export async function setConversationLabels(db: Db, contactId: string, names: string[]): Promise<SetLabelsResult> {
  return db.withTransaction(async (client) => {
    // The row lock orders two agents' changes to one conversation: each sees the other's result.
    const conversation = await client.query('select 1 from conversations where contact_id = $1 for update', [
      contactId,
    ]);
    if (conversation.rowCount === 0) return { ok: false, reason: 'conversation_not_found' };
    const { rows: found } = await client.query<{ id: string; key: string }>(
      'select id, lower(name) as key from labels where lower(name) = any($1::text[])',
      [names.map((name) => name.toLowerCase())],
    );
    const known = new Map(found.map((row) => [row.key, Number(row.id)]));
    const unknown = names.filter((name) => !known.has(name.toLowerCase()));
    if (unknown.length > 0) return { ok: false, reason: 'unknown_labels', names: [...new Set(unknown)] };
    const ids = [...new Set(known.values())];
    const { rows: removed } = await client.query<{ label_id: string }>(
      'select edubot_unlabel_conversation($1, $2::bigint[]) as label_id',
      [contactId, ids],
    );
    const { rows: added } = await client.query<{ label_id: string }>(
      `insert into conversation_labels (contact_id, label_id) select $1, unnest($2::bigint[])
       on conflict do nothing returning label_id`,
      [contactId, ids],
    );
    const { rows } = await client.query<{ labels: LabelShown[] }>(`select ${LABELS_OF('$1::text')} as labels`, [
      contactId,
    ]);
    const result = {
      ok: true as const,
      labels: rows[0]!.labels.map((l) => ({ ...l, id: Number(l.id) })),
      added: added.map((r) => Number(r.label_id)),
      removed: removed.map((r) => Number(r.label_id)),
    };
    if (result.added.length + result.removed.length > 0)
      await appendEvent(client, {
        kind: 'labels',
        contactId,
        payload: { labels: result.labels.map((l) => l.id), added: result.added, removed: result.removed },
      });
    return result;
  });
}

/**
 * Sets a conversation's priority and tells the consoles when it changed. Undefined when there is no
 * conversation; otherwise the priority before.
 */
export async function setConversationPriority(
  db: Db,
  contactId: string,
  priority: Priority,
): Promise<{ previous: Priority } | undefined> {
  return db.withTransaction(async (client) => {
    const { rows } = await client.query<{ previous: Priority }>(
      `update conversations c set priority = $2
         from (select contact_id, priority from conversations where contact_id = $1 for update) before
        where c.contact_id = before.contact_id
        returning before.priority as previous`,
      [contactId, priority],
    );
    if (!rows[0]) return undefined;
    const previous = rows[0].previous;
    if (previous !== priority)
      await appendEvent(client, { kind: 'priority', contactId, payload: { priority, previous } });
    return { previous };
  });
}
