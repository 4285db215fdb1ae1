import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { getConversation } from '../../db/conversations';
import { insertNote, listNotes, type Note } from '../../db/notes';
import type { Db } from '../../db/pool';
import { notFound } from '../errors';
import { parse, contactParam, readJsonBody } from './params';
import { agentText } from './text';

// Internal notes on a conversation, for agents. These routes talk to Postgres only: never to the
// conversation's workflow, so nothing a note says can reach WhatsApp. The audit row has the note's
// length, never its text.

export const NoteBody = z.object({ text: agentText('text') });
export type NoteBody = z.infer<typeof NoteBody>;

const noteJson = (n: Note) => ({
  id: n.id,
  contactId: n.contactId,
  agentId: n.agentId,
  agentName: n.agentName,
  text: n.text,
  createdAt: n.createdAt,
});
/** A note as the API answers it (src/web/api-types.d.ts reads it). */
export type NoteJson = ReturnType<typeof noteJson>;

const unknownConversation = (contactId: string) =>
  notFound('conversation_not_found', `No conversation with ${contactId}`);

export function mountNoteRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  const path = '/api/admin/conversations/:phone/notes';

  router.get(path, ...guard('notes.list', AGENT_OR_ADMIN), async (ctx) => {
    const contactId = await contactParam(ctx, db);
    if (!(await getConversation(db, contactId))) throw unknownConversation(contactId);
    const notes = await listNotes(db, contactId);
    noteAudit(ctx, { details: { count: notes.length } });
    ctx.body = { status: 'success', contactId, notes: notes.map(noteJson) };
  });

  router.post(path, ...guard('notes.create', AGENT_OR_ADMIN), async (ctx) => {
    const contactId = await contactParam(ctx, db);
    const body = parse(NoteBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    noteAudit(ctx, { details: { textLength: [...body.text].length } });
    // The guard ran before the route: an actor is always there.
    const actor = ctx.state.actor!;
    const note = await insertNote(db, { contactId, agentId: actor.agentId, agentName: actor.name, text: body.text });
    if (!note) throw unknownConversation(contactId);
    noteAudit(ctx, { details: { noteId: note.id } });
    ctx.status = 201;
    ctx.body = { status: 'success', message: 'Note saved', timestamp: note.createdAt, note: noteJson(note) };
  });
}
