import type Router from '@koa/router';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { commandContext, respond } from './chat';
import { MAX_INTERACTIVE_BODY_CHARS } from '../../../domain/whatsapp-limits';
import type { ChatCommands } from '../chat-commands';
import type { Config } from '../../config';
import { CONTACT_ID, getContact, mergeBlocker, mergeContacts, type MergeRefusal } from '../../db/contacts';
import type { Db } from '../../db/pool';
import { erasureKnown, requestErasure, type ErasureOutcome } from '../../temporal/erase-contact';
import { conversationWorkflowId } from '../../../workflows/messages';
import { badRequest, HttpError, notFound, unavailable } from '../errors';
import { contactJson } from './conversations';
import { parse, readJsonBody, resolveContactReference } from './params';
import { agentText } from './text';
import { explainedResult } from './whatsapp-refusal';

// POST /api/admin/contacts/{id}/merge: two contacts turn out to be one student (a number and a BSUID
// Meta never showed together, say). The other contact's identifiers and everything stored under it
// move to this one (src/db/contacts.ts mergeContacts); its conversation workflow is ended, as it holds
// nothing Postgres lacks, and every later message of either reaches this contact's conversation.
//
// POST /api/admin/contacts/{id}/erase: a student (or their parent) asks to be forgotten. The erasure
// is a workflow (workflows/erase-contact.ts) that ends the conversation, deletes or anonymises every row
// about the student and deletes the conversation's runs from Temporal; the route answers once it is
// done (200), or, when it takes longer than ERASE_WAIT_MS, 202: the erasure goes on, and the same POST
// joins it and answers 200 once it is done. A contact id erased before answers 200 again while Temporal
// keeps the erasure's record (the namespace's retention), then 404 like any unknown contact.
//
// POST /api/admin/conversations/{phone}/request-contact-info: a student known only by BSUID (a username
// user) is asked for their phone number with WhatsApp's request_contact_info message, sent through the
// conversation like every agent message. Their answer (a `contacts` message, origin contact_request) is
// linked to the contact by the webhook.

/** The text above WhatsApp's share button, unless the agent writes their own. */
export const DEFAULT_CONTACT_REQUEST = 'Please share your phone number so we can finish your request.';

export const RequestContactInfoBody = z.strictObject({
  message: agentText('message', MAX_INTERACTIVE_BODY_CHARS).optional(),
});

export const MergeBody = z.strictObject({
  from: z.string().trim().min(1, 'from names the contact to merge into this one').max(200),
});

const REFUSALS: Record<Exclude<MergeRefusal, 'not_found'>, string> = {
  chat_open: 'has an open chat: end it before merging',
  payment_pending: 'has a payment waiting for confirmation: merge once it is confirmed or expired',
};

/** How long an erase request waits for the erasure before answering 202. */
const ERASE_WAIT_MS = 30_000;

function refused(reason: Exclude<MergeRefusal, 'not_found'>, contactId: string): HttpError {
  return new HttpError(409, reason, `Contact ${contactId} ${REFUSALS[reason]}`);
}

export function mountContactRoutes(
  router: Router<AdminState>,
  { db, temporal, chat, config }: { db: Db; temporal?: Client; chat: ChatCommands; config: Pick<Config, 'taskQueue'> },
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

  router.post('/api/admin/contacts/:id/erase', ...guard('contacts.erase', ADMIN_ONLY), async (ctx) => {
    const reference = (ctx.params.id ?? '').trim();
    let contactId: string | undefined;
    try {
      contactId = await resolveContactReference(db, reference);
    } catch (err) {
      // A contact id no longer in Postgres may be one erased already: answered below as its erasure was.
      if (!(err instanceof HttpError && err.status === 404 && CONTACT_ID.test(reference))) throw err;
    }
    if (temporal === undefined) throw unavailable('Erasing needs Temporal, which this server is not connected to');
    const actor = ctx.state.actor!;
    let outcome: ErasureOutcome;
    try {
      if (contactId === undefined) {
        if (!(await erasureKnown(temporal, reference))) throw notFound('contact_not_found', 'No contact with this id');
        contactId = reference;
        noteAudit(ctx, { details: { erasedBefore: true } });
      }
      noteAudit(ctx, { contactId });
      const requestedBy = {
        actor: actor.name,
        role: 'admin' as const,
        ...(actor.tokenId === undefined ? {} : { actorTokenId: actor.tokenId }),
      };
      // An erasure already done answers as it did; one stopped half way (terminated by an operator) resumes.
      outcome = await requestErasure(temporal, config.taskQueue, contactId, requestedBy, ERASE_WAIT_MS);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw unavailable('Temporal did not answer; ask again, the erasure resumes where it stopped');
    }
    if (!outcome.done) {
      ctx.status = 202;
      ctx.body = {
        status: 'accepted',
        message: 'Erasure in progress: the same request again answers once it is done',
        timestamp: new Date().toISOString(),
        erasure: outcome.workflowId,
      };
      return;
    }
    const { result } = outcome;
    noteAudit(ctx, { details: { erasedContacts: result.contactIds.length } });
    ctx.body = {
      status: 'success',
      message: 'Contact erased',
      timestamp: new Date().toISOString(),
      contactId: result.contactIds[0],
      erasedContacts: result.contactIds,
      rows: result.rows,
      temporalRunsDeleted: result.temporalRunsDeleted,
    };
  });

  router.post(
    '/api/admin/conversations/:phone/request-contact-info',
    ...guard('chat.request_contact_info', AGENT_OR_ADMIN),
    async (ctx) => {
      const input = await commandContext(ctx, db);
      const body = parse(RequestContactInfoBody, await readJsonBody(ctx), 'invalid_message', 'Invalid body');
      noteAudit(ctx, { details: { messageLength: body.message?.length } });
      const contact = await getContact(db, input.contactId);
      if (contact?.phone != null)
        throw new HttpError(409, 'phone_known', "This student's phone number is known already: nothing to ask");
      if (chat.requestContactInfo === undefined) throw unavailable('This server cannot send contact-info requests');
      const request = { kind: 'contact_request' as const, body: body.message ?? DEFAULT_CONTACT_REQUEST };
      const result = explainedResult(await chat.requestContactInfo({ ...input, request }));
      respond(ctx, 'send', result);
      if (result.ok) (ctx.body as { message: string }).message = 'Contact info requested';
    },
  );
}
