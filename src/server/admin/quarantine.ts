import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import type { Db } from '../../db/pool';
import { listQuarantined, QUARANTINE_REASONS, QUARANTINE_SOURCES, type QuarantinedRow } from '../../db/quarantine';
import { IdCursor, Limit, pageById, parse, resolveContactReference } from './params';

// GET /api/admin/quarantine: the inbound items set aside because they could not be handled, newest
// first. Admins only: a raw item may hold a user's message text and number.

export const QuarantineQuery = z.object({
  source: z.enum(QUARANTINE_SOURCES).optional(),
  reason: z.enum(QUARANTINE_REASONS).optional(),
  /** The conversation: a contact id, phone, BSUID or username. */
  phone: z.string().max(200).optional(),
  limit: Limit,
  cursor: IdCursor,
});

const itemJson = (item: QuarantinedRow) => ({
  id: item.id,
  at: item.at,
  source: item.source,
  reason: item.reason,
  contactId: item.contactId,
  raw: item.raw,
  rawTruncated: item.rawTruncated,
});

export function mountQuarantineRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  router.get('/api/admin/quarantine', ...guard('quarantine.list', ADMIN_ONLY), async (ctx) => {
    const query = parse(QuarantineQuery, ctx.query, 'invalid_query', 'Invalid query');
    noteAudit(ctx, { details: { source: query.source, reason: query.reason, limit: query.limit } });
    const rows = await listQuarantined(db, {
      source: query.source,
      reason: query.reason,
      contactId: query.phone === undefined ? undefined : await resolveContactReference(db, query.phone),
      beforeId: query.cursor,
      limit: query.limit + 1,
    });
    const { page, nextCursor } = pageById(rows, query.limit);
    ctx.body = { status: 'success', items: page.map(itemJson), ...(nextCursor ? { nextCursor } : {}) };
  });
}
