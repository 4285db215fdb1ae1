import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { CONTACT_ID } from '../../db/contacts';
import type { Db } from '../../db/pool';
import { search, type SearchCursor, type SearchHit } from '../../db/search';
import { contactJson } from './conversations';
import { FilterQuery } from './labels';
import { decodeJsonCursor, encodeJsonCursor, Limit, parse } from './params';

// GET /api/admin/search?q=: conversations by name, email, phone or username, and messages by the words of
// their text, newest first, in pages (`nextCursor`). Each hit says where it is: the conversation's contact
// (id, phone when known, BSUID, username), and for a message its id, time and a snippet, so the console
// can open the history at it.

export const MAX_QUERY_CHARS = 200;

// A query is text a person typed. Control characters (U+0000 among them) and unpaired surrogates are
// never typed; U+FFFD is what a query string's invalid UTF-8 decodes to. Tabs and line breaks from a
// paste are spaces.
const SearchText = z
  .string()
  .transform((text) => text.replace(/[\t\n\r]/g, ' ').trim())
  .pipe(
    z
      .string()
      .min(1, 'q must not be empty')
      .max(MAX_QUERY_CHARS, `q must be at most ${MAX_QUERY_CHARS} characters`)
      .refine((text) => !/\p{Cc}/u.test(text), 'q must not hold control characters')
      .refine((text) => !/\p{Cs}/u.test(text), 'q must not hold unpaired surrogates')
      .refine((text) => !text.includes('\uFFFD'), 'q is not valid UTF-8')
      .refine((text) => /[\p{L}\p{N}]/u.test(text), 'q needs a letter or a digit to search for'),
  );

export const SearchQuery = z.object({
  q: SearchText,
  ...FilterQuery,
  limit: Limit,
  cursor: z.string().max(200).optional(),
});

// Typed like a phone number (digits, spaces, dashes, dots, brackets, a leading +) with at least
// MIN_PHONE_DIGITS digits past any leading zeros: also looked for as a number's beginning or end.
const PHONE_LIKE = /^\+?[0-9 ()\-.]+$/;
const MIN_PHONE_DIGITS = 4;
const MAX_PHONE_DIGITS = 15;

export function phoneDigitsOf(text: string): string | undefined {
  if (!PHONE_LIKE.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  const significant = digits.replace(/^0+/, '');
  return significant.length >= MIN_PHONE_DIGITS && digits.length <= MAX_PHONE_DIGITS ? digits : undefined;
}

// Typed like a username (`@name` or a word of WhatsApp's username letters with a letter in it): also
// looked for as a username's beginning, without case or the `@`.
const USERNAME_LIKE = /^@?(?=[A-Za-z0-9._]*[A-Za-z])[A-Za-z0-9._]{2,35}$/;

export function usernameOf(text: string): string | undefined {
  return USERNAME_LIKE.test(text) ? text.replace(/^@/, '') : undefined;
}

// The cursor is opaque to clients: base64url of [time in epoch microseconds, kind, key]. The time is
// bounded so that Postgres can always turn it back into a timestamp (about 1653 to 2286).
const CursorFields = z.union([
  z.tuple([z.string().regex(/^-?\d{1,16}$/), z.literal('message'), z.string().regex(/^\d{1,18}$/)]),
  z.tuple([z.string().regex(/^-?\d{1,16}$/), z.literal('conversation'), z.string().regex(CONTACT_ID)]),
]);

function encodeCursor(cursor: SearchCursor): string {
  return encodeJsonCursor([cursor.atMicros, cursor.kind, cursor.key]);
}

function decodeCursor(text: string): SearchCursor {
  const [atMicros, kind, key] = decodeJsonCursor(CursorFields, text);
  return { atMicros, kind, key };
}

const hitJson = (hit: SearchHit) =>
  hit.kind === 'conversation'
    ? {
        kind: hit.kind,
        ...contactJson(hit),
        profileName: hit.profileName,
        fullName: hit.fullName,
        email: hit.email,
        state: hit.state,
        lastActivityAt: hit.at,
        matched: hit.matched,
      }
    : {
        kind: hit.kind,
        ...contactJson(hit),
        messageId: hit.messageId,
        profileName: hit.profileName,
        fullName: hit.fullName,
        direction: hit.direction,
        sender: hit.sender,
        senderName: hit.senderName,
        type: hit.type,
        timestamp: hit.timestamp,
        createdAt: hit.at,
        snippet: hit.snippet,
        highlights: hit.highlights,
      };
/** A search hit as the API answers it (src/web/api-types.d.ts reads it). */
export type SearchHitJson = ReturnType<typeof hitJson>;

export function mountSearchRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  router.get('/api/admin/search', ...guard('search', AGENT_OR_ADMIN), async (ctx) => {
    const query = parse(SearchQuery, ctx.query, 'invalid_query', 'Invalid query');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const phoneDigits = phoneDigitsOf(query.q);
    const username = usernameOf(query.q);
    // What was searched for stays out of the audit row: it may be a phone number or a message's words.
    noteAudit(ctx, {
      details: {
        chars: query.q.length,
        phoneLike: phoneDigits !== undefined,
        limit: query.limit,
        next: !!after,
        label: query.label,
        priority: query.priority,
      },
    });
    const filter = { label: query.label, priority: query.priority };
    const page = await search(db, { text: query.q, phoneDigits, username, limit: query.limit, after, filter });
    noteAudit(ctx, { details: { hits: page.hits.length } });
    ctx.body = {
      status: 'success',
      query: query.q,
      hits: page.hits.map(hitJson),
      ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
    };
  });
}
