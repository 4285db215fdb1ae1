import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Config } from '../../config';
import { getCampaignOptOut } from '../../db/campaign-opt-out';
import { listChatSessions, listSlaEvents } from '../../db/chat-sessions';
import { slaShown } from '../../db/queue';
import { CONTACT_ID, type ContactShown } from '../../db/contacts';
import {
  getConversation,
  listConversations,
  type ConversationCursor,
  type ConversationSummary,
} from '../../db/conversations';
import { listMessages, type StoredMessage } from '../../db/messages';
import type { Db } from '../../db/pool';
import { listSetAside } from '../../db/quarantine';
import { unreadInbound } from '../../db/read-state';
import { getStudent } from '../../db/users';
import { STATE_NAMES } from '../../../domain/conversation';
import { notFound } from '../errors';
import { FilterQuery } from './labels';
import { conversationBillingShown } from './reports';
import { messageMedia } from './message-media';
import { decodeJsonCursor, encodeJsonCursor, Limit, parse, contactParam } from './params';

// Read routes over Postgres: the conversation list, one conversation, its message history.

export const ListQuery = z.object({
  state: z.enum(STATE_NAMES).optional(),
  ...FilterQuery,
  limit: Limit,
  cursor: z.string().max(200).optional(),
});
type ListQuery = z.infer<typeof ListQuery>;

// The cursor is opaque to clients: base64url of [activity in epoch microseconds, contact id]. A real row's
// activity falls between the years 1 and 9999; past that Postgres refuses the keyset arithmetic
// (bigint, interval or timestamp out of range), and no cursor this API gave out holds such a time.
const MIN_ACTIVITY_MICROS = BigInt(Date.parse('0001-01-01T00:00:00Z')) * 1000n;
const MAX_ACTIVITY_MICROS = BigInt(Date.parse('+010000-01-01T00:00:00Z')) * 1000n - 1n;
// One check, not a regex then a refinement: zod runs a refinement even after the regex failed, and
// BigInt throws on text that is not an integer.
const ActivityMicros = z.string().refine((text) => {
  if (!/^-?\d{1,20}$/.test(text)) return false;
  const micros = BigInt(text);
  return micros >= MIN_ACTIVITY_MICROS && micros <= MAX_ACTIVITY_MICROS;
});
const CursorFields = z.tuple([ActivityMicros, z.string().regex(CONTACT_ID)]);

function encodeCursor(cursor: ConversationCursor): string {
  return encodeJsonCursor([cursor.activityMicros, cursor.contactId]);
}

function decodeCursor(text: string): ConversationCursor {
  const [activityMicros, contactId] = decodeJsonCursor(CursorFields, text);
  return { activityMicros, contactId };
}

/** Who a conversation is with: the contact, its phone (null when Meta withholds it), BSUID and username. */
export const contactJson = (c: ContactShown): ContactShown => ({
  contactId: c.contactId,
  phone: c.phone,
  bsuid: c.bsuid,
  username: c.username,
});

const summaryJson = (c: ConversationSummary) => ({
  ...contactJson(c),
  profileName: c.profileName,
  state: c.state,
  registered: c.registered,
  lastInboundAt: c.lastInboundAt,
  lastActivityAt: c.lastActivityAt,
  priority: c.priority,
  labels: c.labels,
});

/** The history shows this many of the latest items a conversation set aside. */
const SET_ASIDE_SHOWN = 50;

const messageJson = (m: StoredMessage) => ({
  id: m.id,
  direction: m.direction,
  sender: m.sender,
  senderName: m.senderName,
  type: m.type,
  body: m.body,
  payload: m.payload,
  mediaId: m.mediaId,
  media: messageMedia(m),
  waMessageId: m.waMessageId,
  contextWaMessageId: m.contextWaMessageId,
  status: m.status,
  errorCode: m.errorCode,
  errorTitle: m.errorTitle,
  timestamp: m.waTimestamp ?? m.createdAt,
  createdAt: m.createdAt,
  acceptedAt: m.acceptedAt,
  sentAt: m.sentAt,
  deliveredAt: m.deliveredAt,
  readAt: m.readAt,
  failedAt: m.failedAt,
});

// The answers' shapes, for the browser code's type check (src/web/api-types.d.ts).
export type ConversationSummaryJson = ReturnType<typeof summaryJson>;
export type MessageJson = ReturnType<typeof messageJson>;

export function mountConversationRoutes(
  router: Router<AdminState>,
  { db, config }: { db: Db; config: Pick<Config, 'rateCard'> },
  guard: AdminGuard,
): void {
  router.get('/api/admin/conversations', ...guard('conversations.list', AGENT_OR_ADMIN), async (ctx) => {
    const query: ListQuery = parse(ListQuery, ctx.query, 'invalid_query', 'Invalid query');
    noteAudit(ctx, {
      details: { state: query.state, label: query.label, priority: query.priority, limit: query.limit },
    });
    const page = await listConversations(db, {
      state: query.state,
      filter: { label: query.label, priority: query.priority },
      limit: query.limit,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    ctx.body = {
      status: 'success',
      conversations: page.conversations.map(summaryJson),
      ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
    };
  });

  router.get('/api/admin/conversations/:phone', ...guard('conversations.get', AGENT_OR_ADMIN), async (ctx) => {
    const contactId = await contactParam(ctx, db);
    const conversation = await getConversation(db, contactId);
    if (!conversation) throw notFound('conversation_not_found', `No conversation with ${contactId}`);
    const [student, sessions, unread, optOut, billing] = await Promise.all([
      getStudent(db, contactId),
      listChatSessions(db, contactId),
      unreadInbound(db, contactId),
      getCampaignOptOut(db, contactId),
      conversationBillingShown(db, contactId, config.rateCard),
    ]);
    // At most one session is open: a unique index on chat_sessions says so.
    const open = sessions.find((s) => s.endedAt === null);
    ctx.body = {
      status: 'success',
      conversation: {
        ...summaryJson(conversation),
        // The student's messages no one has read yet (POST …/read marks them).
        unread: unread.count,
        // They wrote STOP: no campaign reaches them until they write START (SPEC §13).
        campaignOptOut: optOut,
        // What WhatsApp priced of it (statuses' pricing), and its estimated cost under WHATSAPP_RATE_CARD.
        billing,
        profile: student
          ? {
              fullName: student.fullName,
              email: student.email,
              className: student.className,
              registeredAt: student.registeredAt,
              subscriptionActiveUntil: student.subscriptionActiveUntil,
            }
          : null,
        openChat: open
          ? {
              id: open.id,
              startedAt: open.startedAt,
              startedBy: open.startedBy,
              firstUserMessageAt: open.firstUserMessageAt,
              firstAgentReplyAt: open.firstAgentReplyAt,
              holder: open.holder,
              // When it reached the team: a chat asked for outside business hours waits for the opening.
              availableAt: open.availableAt ?? open.startedAt,
              sla: slaShown(open),
            }
          : null,
      },
    };
  });

  router.get(
    '/api/admin/conversations/:phone/messages',
    ...guard('conversations.messages', AGENT_OR_ADMIN),
    async (ctx) => {
      const contactId = await contactParam(ctx, db);
      if (!(await getConversation(db, contactId)))
        throw notFound('conversation_not_found', `No conversation with ${contactId}`);
      const [messages, setAside, slaEvents] = await Promise.all([
        listMessages(db, contactId),
        listSetAside(db, contactId, SET_ASIDE_SHOWN),
        listSlaEvents(db, contactId),
      ]);
      noteAudit(ctx, { details: { count: messages.length } });
      // What the conversation could not handle, for the history to show where it happened; the
      // items themselves are the admins' (GET /api/admin/quarantine).
      // The chats' SLA warnings and breaches, for the history to show when they happened (never sent).
      ctx.body = { status: 'success', contactId, messages: messages.map(messageJson), setAside, slaEvents };
    },
  );
}
