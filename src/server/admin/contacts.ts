import type Router from '@koa/router';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import { getContact, mergeBlocker, mergeContacts, type MergeRefusal } from '../../db/contacts';
import type { Db } from '../../db/pool';
import { conversationWorkflowId } from '../../../workflows/messages';
import { badRequest, HttpError, unavailable } from '../errors';
import { contactJson } from './conversations';
import { parse, readJsonBody, resolveContactReference } from './params';

// POST /api/admin/contacts/{id}/merge: two contacts turn out to be one student (a number and a BSUID
// Meta never showed together, say). The other contact's identifiers and everything stored under it
// move to this one (src/db/contacts.ts mergeContacts); its conversation workflow is ended, as it holds
// nothing Postgres lacks, and every later message of either reaches this contact's conversation.

const MergeBody = z.strictObject({
  from: z.string().trim().min(1, 'from names the contact to merge into this one').max(200),
});

const REFUSALS: Record<Exclude<MergeRefusal, 'not_found'>, string> = {
  chat_open: 'has an open chat: end it before merging',
  payment_pending: 'has a payment waiting for confirmation: merge once it is confirmed or expired',
};

function refused(reason: Exclude<MergeRefusal, 'not_found'>, contactId: string): HttpError {
  return new HttpError(409, reason, `Contact ${contactId} ${REFUSALS[reason]}`);
}

export function mountContactRoutes(
  router: Router<AdminState>,
  { db, temporal }: { db: Db; temporal?: Client },
  guard: AdminGuard,
): void {
  router.post('/api/admin/contacts/:id/merge', ...guard('contacts.merge', ADMIN_ONLY), async (ctx) => {
    const into = await resolveContactReference(db, ctx.params.id ?? '');
    noteAudit(ctx, { contactId: into });
    const body = parse(MergeBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    const from = await resolveContactReference(db, body.from);
    noteAudit(ctx, { details: { from } });
    if (from === into) throw badRequest('same_contact', 'A contact cannot be merged into itself');
    if (temporal === undefined) throw unavailable('Merging needs Temporal, which this server is not connected to');

    // Checked before the workflow is ended (and again in the transaction): a refused merge ends nothing.
    const blocker = await mergeBlocker(db, [into, from]);
    if (blocker !== undefined) throw refused(blocker.reason, blocker.contactId);

    // Ended first, so it writes nothing under the old id once its rows have moved. Terminated, not
    // signalled: what it knows is in Postgres, and a conversation restarts from Postgres (SPEC §9).
    try {
      await temporal.workflow.getHandle(conversationWorkflowId(from)).terminate(`contact merged into ${into}`);
    } catch (err) {
      // Never started, or already closed: nothing runs under the old id.
      if (!(err instanceof WorkflowNotFoundError)) throw unavailable('Temporal did not answer; nothing was merged');
    }

    const result = await mergeContacts(db, into, from);
    if (!result.ok) {
      if (result.reason === 'not_found') throw new HttpError(404, 'contact_not_found', 'The contact no longer exists');
      throw refused(result.reason, result.contactId ?? from);
    }
    noteAudit(ctx, { details: { moved: result.moved } });
    const contact = await getContact(db, into);
    ctx.body = {
      status: 'success',
      message: 'Contacts merged',
      timestamp: new Date().toISOString(),
      contact: contact === undefined ? { contactId: into } : contactJson({ ...contact, contactId: contact.id }),
      merged: from,
      moved: result.moved,
    };
  });
}
