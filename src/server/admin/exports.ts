import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Router from '@koa/router';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, type AdminGuard } from './auth';
import type { Config } from '../../config';
import { chatExportStream, toChatExportRow, type ChatExportRow, type DbChatExportRow } from '../../db/chat-export';
import type { Db } from '../../db/pool';
import { estimateCost, type RateCard } from '../../rate-card';
import type { AdminContext } from './params';
import { localDate, reportFilter } from './report-query';

// GET /api/admin/exports/chats.csv and .jsonl (SPEC §7.7): one row per chat session, the reports'
// filters, streamed from a server-side cursor with the response's backpressure (pipeline), so memory
// stays flat whatever the range. An export carries students' names and contact ids: admins only, and
// its audit row says who, which filters, how many rows and whether the download completed.

interface ExportDeps {
  config: Pick<Config, 'rateCard' | 'businessHours'>;
  db: Db;
}

/**
 * A client that stops reading holds a pooled connection and an open cursor; past this long without the
 * socket moving, the download is cut off and both are given back.
 */
const EXPORT_STALL_MS = 60_000;

type Format = 'csv' | 'jsonl';

const CONTENT_TYPE: Record<Format, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export function mountExportRoutes(router: Router<AdminState>, deps: ExportDeps, guard: AdminGuard): void {
  for (const format of ['csv', 'jsonl'] as const) {
    router.get(`/api/admin/exports/chats.${format}`, ...guard('exports.chats', ADMIN_ONLY), (ctx) =>
      exportChats(ctx, deps, format),
    );
  }
}

async function exportChats(ctx: AdminContext, { config, db }: ExportDeps, format: Format): Promise<void> {
  const filter = await reportFilter(ctx, { db, config });
  // Named by the local days it covers, the last included.
  const lastDay = localDate(new Date(filter.to.getTime() - 1), filter.tz);
  const name = `chats-${localDate(filter.from, filter.tz)}-${lastDay}.${format}`;
  let rows = 0;
  const encode = new Transform({
    writableObjectMode: true,
    transform(row: DbChatExportRow, _encoding, done) {
      const line = exportLine(toChatExportRow(row), format, config.rateCard);
      done(null, rows++ === 0 && format === 'csv' ? CSV_HEADER + line : line);
    },
    flush(done) {
      // An empty CSV still names its columns.
      done(null, rows === 0 && format === 'csv' ? CSV_HEADER : undefined);
    },
  });
  // Written here rather than by Koa, so the audit row below knows how the download ended.
  ctx.status = 200;
  ctx.set('Content-Type', CONTENT_TYPE[format]);
  ctx.set('Content-Disposition', `attachment; filename="${name}"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.respond = false;
  let complete = false;
  const socket = ctx.req.socket;
  const stalled = () => socket.destroy();
  socket.setTimeout(EXPORT_STALL_MS, stalled);
  try {
    // No statement timeout: the cursor's one statement lasts as long as the client takes to read it.
    await db.withTransaction((client) => pipeline(client.query(chatExportStream(filter)), encode, ctx.res), {
      statementTimeoutMs: 0,
    });
    complete = true;
  } catch (err) {
    // Once bytes are out, a status can no longer say it: the cut-short body (no final newline) does.
    if (!ctx.res.headersSent) {
      ctx.respond = true;
      throw err;
    }
    ctx.res.destroy();
  } finally {
    socket.setTimeout(0);
    socket.off('timeout', stalled);
    noteAudit(ctx, { details: { format, rows, complete } });
  }
}

/** The CSV's columns, in order. */
const CSV_COLUMNS = [
  'chat_id',
  'contact_id',
  'student_name',
  'started_at',
  'available_at',
  'first_agent_reply_at',
  'ended_at',
  'ended_by',
  'holder',
  'agents',
  'labels',
  'priority',
  'first_response_seconds',
  'resolution_seconds',
  'sla_first_response',
  'sla_resolution',
  'escalated_at',
  'rating',
  'student_messages',
  'bot_messages',
  'agent_messages',
  'billable_messages',
  'billable_by_category',
  'estimated_cost',
  'currency',
] as const;

const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

function exportLine(row: ChatExportRow, format: Format, rateCard: RateCard | undefined): string {
  const cost = rateCard === undefined ? undefined : estimateCost(row.billable, rateCard);
  const billableMessages = Object.values(row.billable).reduce((a, b) => a + b, 0);
  if (format === 'jsonl') {
    return `${JSON.stringify({
      ...row,
      billableMessages,
      estimatedCost: cost === undefined ? null : { currency: cost.currency, amount: cost.total },
    })}\n`;
  }
  const iso = (at: Date | null) => at?.toISOString() ?? '';
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    chat_id: row.chatId,
    contact_id: row.contactId,
    student_name: row.studentName,
    started_at: iso(row.startedAt),
    available_at: iso(row.availableAt),
    first_agent_reply_at: iso(row.firstAgentReplyAt),
    ended_at: iso(row.endedAt),
    ended_by: row.endedBy,
    holder: row.holder,
    agents: row.agents.join('; '),
    labels: row.labels.join('; '),
    priority: row.priority,
    first_response_seconds: row.firstResponseSeconds,
    resolution_seconds: row.resolutionSeconds,
    sla_first_response: row.slaFirstResponse,
    sla_resolution: row.slaResolution,
    escalated_at: iso(row.escalatedAt),
    rating: row.rating,
    student_messages: row.messages.student,
    bot_messages: row.messages.bot,
    agent_messages: row.messages.agent,
    billable_messages: billableMessages,
    billable_by_category: Object.entries(row.billable)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, count]) => `${category}=${count}`)
      .join('; '),
    estimated_cost: cost?.total ?? null,
    currency: cost?.currency ?? null,
  };
  return `${CSV_COLUMNS.map((column) => csvCell(cells[column])).join(',')}\r\n`;
}

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): text that a spreadsheet would read as a formula gets a leading `'`, and a
 * cell holding a comma, a quote or a line break is quoted with its quotes doubled. Numbers are
 * written as they are.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
