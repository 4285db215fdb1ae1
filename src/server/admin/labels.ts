import type Router from '@koa/router';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, AGENT_OR_ADMIN, type AdminGuard } from './auth';
import {
  createLabel,
  deleteLabel,
  DuplicateLabelError,
  listLabels,
  setConversationLabels,
  setConversationPriority,
  updateLabel,
  type Label,
} from '../../db/labels';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { PRIORITIES } from '../../../domain/support-policy';
import { conversationWorkflowId, prioritySignal } from '../../../workflows/messages';
import { badRequest, HttpError, notFound, unavailable } from '../errors';
import { contactParam, parse, readJsonBody } from './params';
import { agentLabel } from './text';

// Labels and priority (SPEC §7.6). Admins define labels (a name, a colour); agents put them on
// conversations and set a conversation's priority. Every change is audited and appended to the event
// stream, so every open console shows it at once. Postgres holds the truth: the priority is written
// there first, then the conversation's workflow is told, which re-plans an open chat's SLA clocks.

/** A conversation carries at most this many labels. */
export const MAX_LABELS_PER_CONVERSATION = 20;
export const MAX_LABEL_CHARS = 50;

/** A label's name: one line, 1–50 characters, unique ignoring case. */
const LabelName = agentLabel('name', MAX_LABEL_CHARS);

/** `#rrggbb`, stored in lower case. */
const LabelColor = z
  .string({ error: 'color must be a string' })
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'color must be #rrggbb (six hexadecimal digits)')
  .transform((color) => color.toLowerCase());

export const LabelBody = z.object({ name: LabelName, color: LabelColor }).strict();
export const LabelChange = z
  .object({ name: LabelName.optional(), color: LabelColor.optional() })
  .strict()
  .refine((change) => change.name !== undefined || change.color !== undefined, 'give a new name, a color or both');

const LabelId = z
  .string()
  .regex(/^\d{1,15}$/, 'a label id is a positive integer')
  .transform(Number);

export const ConversationLabelsBody = z
  .object({
    labels: z
      .array(agentLabel('each label', MAX_LABEL_CHARS), { error: 'labels must be an array of label names' })
      .max(MAX_LABELS_PER_CONVERSATION, `at most ${MAX_LABELS_PER_CONVERSATION} labels on a conversation`),
  })
  .strict();

export const PriorityBody = z
  .object({ priority: z.enum(PRIORITIES, { error: `priority must be one of ${PRIORITIES.join(', ')}` }) })
  .strict();

/** `?label=&priority=` of the lists, the queue and search. */
export const FilterQuery = {
  label: agentLabel('label', MAX_LABEL_CHARS).optional(),
  priority: z.enum(PRIORITIES, { error: `priority must be one of ${PRIORITIES.join(', ')}` }).optional(),
};

const labelJson = (l: Label) => ({ id: l.id, name: l.name, color: l.color, createdAt: l.createdAt });
/** A label as the API answers it (src/web/api-types.d.ts reads it). */
export type LabelJson = ReturnType<typeof labelJson>;

const duplicate = (name: string) => new HttpError(409, 'duplicate_label', `A label is already named "${name}"`);

export interface LabelDeps {
  db: Db;
  logger: Logger;
  /** Where the priority signal goes; without it (a test's app) only Postgres is written. */
  temporal?: Client;
}

export function mountLabelRoutes(router: Router<AdminState>, deps: LabelDeps, guard: AdminGuard): void {
  const { db } = deps;
  const path = '/api/admin/labels';

  router.get(path, ...guard('labels.list', AGENT_OR_ADMIN), async (ctx) => {
    const labels = await listLabels(db);
    ctx.body = { status: 'success', labels: labels.map(labelJson) };
  });

  router.post(path, ...guard('labels.create', ADMIN_ONLY), async (ctx) => {
    const body = parse(LabelBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    noteAudit(ctx, { details: { name: body.name, color: body.color } });
    let label: Label;
    try {
      label = await createLabel(db, body);
    } catch (err) {
      if (err instanceof DuplicateLabelError) throw duplicate(body.name);
      throw err;
    }
    noteAudit(ctx, { details: { labelId: label.id } });
    ctx.status = 201;
    ctx.body = { status: 'success', message: 'Label created', label: labelJson(label) };
  });

  router.put(`${path}/:id`, ...guard('labels.update', ADMIN_ONLY), async (ctx) => {
    const id = parse(LabelId, ctx.params.id, 'invalid_label_id', 'Invalid label id');
    const change = parse(LabelChange, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    noteAudit(ctx, { details: { labelId: id, ...change } });
    let label: Label | undefined;
    try {
      label = await updateLabel(db, id, change);
    } catch (err) {
      if (err instanceof DuplicateLabelError) throw duplicate(change.name ?? '');
      throw err;
    }
    if (!label) throw notFound('label_not_found', `No label with id ${id}`);
    ctx.body = { status: 'success', message: 'Label changed', label: labelJson(label) };
  });

  router.delete(`${path}/:id`, ...guard('labels.delete', ADMIN_ONLY), async (ctx) => {
    const id = parse(LabelId, ctx.params.id, 'invalid_label_id', 'Invalid label id');
    noteAudit(ctx, { details: { labelId: id } });
    const deleted = await deleteLabel(db, id);
    if (!deleted) throw notFound('label_not_found', `No label with id ${id}`);
    noteAudit(ctx, { details: { name: deleted.name, conversations: deleted.conversations } });
    ctx.body = {
      status: 'success',
      message: 'Label deleted',
      label: labelJson(deleted),
      conversations: deleted.conversations,
    };
  });

  router.put(
    '/api/admin/conversations/:phone/labels',
    ...guard('conversations.labels', AGENT_OR_ADMIN),
    async (ctx) => {
      const contactId = await contactParam(ctx, db);
      const body = parse(ConversationLabelsBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
      const result = await setConversationLabels(db, contactId, body.labels);
      if (!result.ok && result.reason === 'conversation_not_found')
        throw notFound('conversation_not_found', `No conversation with ${contactId}`);
      if (!result.ok) {
        const names = result.reason === 'unknown_labels' ? result.names : [];
        noteAudit(ctx, { details: { unknown: names } });
        throw badRequest(
          'unknown_label',
          `No label is named ${names.map((n) => `"${n}"`).join(', ')}; an admin creates labels (POST /api/admin/labels)`,
          names.map((name) => ({ path: 'labels', message: `no label is named "${name}"` })),
        );
      }
      noteAudit(ctx, {
        details: { labelIds: result.labels.map((l) => l.id), added: result.added, removed: result.removed },
      });
      ctx.body = {
        status: 'success',
        message: 'Labels set',
        timestamp: new Date().toISOString(),
        contactId,
        labels: result.labels,
      };
    },
  );

  router.put(
    '/api/admin/conversations/:phone/priority',
    ...guard('conversations.priority', AGENT_OR_ADMIN),
    async (ctx) => {
      const contactId = await contactParam(ctx, db);
      const { priority } = parse(PriorityBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
      noteAudit(ctx, { details: { priority } });
      const set = await setConversationPriority(db, contactId, priority);
      if (!set) throw notFound('conversation_not_found', `No conversation with ${contactId}`);
      noteAudit(ctx, { details: { previous: set.previous } });
      const workflow = await tellWorkflow(deps, contactId, priority);
      noteAudit(ctx, { details: { workflow } });
      ctx.body = {
        status: 'success',
        message: 'Priority set',
        timestamp: new Date().toISOString(),
        contactId,
        priority,
        previous: set.previous,
      };
    },
  );
}

/**
 * Signals the new priority to the conversation's workflow. A conversation whose run is not there (ended,
 * never started, or no Temporal in this app) reads the stored priority when it next runs. Temporal out
 * of reach is a 503: the priority is stored, and the same request again (it is idempotent) tells the
 * workflow.
 */
async function tellWorkflow(
  { temporal, logger }: LabelDeps,
  contactId: string,
  priority: (typeof PRIORITIES)[number],
): Promise<'signalled' | 'not_running' | 'no_temporal'> {
  if (temporal === undefined) return 'no_temporal';
  try {
    await temporal.workflow.getHandle(conversationWorkflowId(contactId)).signal(prioritySignal, { priority });
    return 'signalled';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'not_running';
    logger.warn('priority signal not delivered', { error: err });
    throw unavailable('The priority is saved, but the conversation could not be told; send the same request again');
  }
}
