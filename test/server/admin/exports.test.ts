import http from 'node:http';
import type { Db } from '../../../src/db/pool';
import { CHAT_EXPORT_MARKER } from '../../../src/db/chat-export';
import { parseRateCard, type RateCard } from '../../../src/rate-card';
import { csvCell } from '../../../src/server/admin/exports';
import { waitFor } from '../../helpers/wait';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';
import { servePriced } from './report-seed';

// GET /api/admin/exports/chats.csv|.jsonl over a real Postgres: a year of 20,000 chat sessions seeded
// with generate_series streams through a server-side cursor (the first bytes arrive while the cursor's
// statement still runs and the client has stopped reading), and the rows add up to the overview of the
// same range; a small seed checks each column, the CSV's quoting and its formula guard.

jest.setTimeout(300_000);

const CARD = parseRateCard('{"currency":"EUR","utility":0.0042,"marketing":0.03}') as RateCard;

const YEAR = { from: '2025-01-01', to: '2026-01-01' };
const CONTACTS = 2000;
const CHATS_PER_CONTACT = 10;

let app: AdminApp;
let priced: { baseUrl: string; stop(): Promise<void> };
let agentToken: string;

beforeAll(async () => {
  app = await startAdminApp();
  priced = await servePriced(app, CARD);
  agentToken = (await app.token('agent')).token;
  await seedYear(app.db);
});

afterAll(async () => {
  await priced?.stop();
  await app?.stop();
});

const contactOf = (i: string) => `'ct_' || lpad(to_hex(${i}), 20, '0')`;

/**
 * 2,000 contacts with ten chats each across 2025 (a few still open), three messages per chat (the
 * student's; an agent's, priced free; the bot's, billed as utility one time in three), ratings, SLA
 * outcomes and business-time figures that vary with the row.
 */
async function seedYear(db: Db): Promise<void> {
  await db.query(`insert into contacts (id) select ${contactOf('i')} from generate_series(1, $1) i`, [CONTACTS]);
  await db.query(`insert into conversations (contact_id) select ${contactOf('i')} from generate_series(1, $1) i`, [
    CONTACTS,
  ]);
  await db.query(
    `insert into chat_sessions (contact_id, session_key, started_by, started_at, ended_at, ended_by, holder_name,
       first_user_message_at, first_agent_reply_at, first_response_business_seconds, resolution_business_seconds,
       sla_first_response, sla_resolution, rating, priority)
     select ${contactOf('i')}, 'year-' || i || '-' || k, 'user', t.started, t.ended,
            case when t.ended is not null then 'user' end, 'Agent ' || (i % 7),
            t.started, t.started + interval '2 minutes', (i * 31 + k) % 3600,
            case when t.ended is not null then (i * 17 + k * 5) % 20000 end,
            case when (i + k) % 5 = 0 then 'breached' else 'met' end,
            case when t.ended is null then null when (i + k) % 6 = 0 then 'breached' else 'met' end,
            case when t.ended is not null and (i + k) % 4 = 0 then 1 + i % 5 end,
            (array['low', 'normal', 'high', 'urgent'])[1 + (i + k) % 4]
     from generate_series(1, $1) i, generate_series(0, $2 - 1) k,
          lateral (select timestamptz '2025-01-01T00:00:00Z' + k * interval '36 days' + i * interval '4 minutes'
                            as started) s,
          lateral (select s.started,
                          case when k = $2 - 1 and i % 50 = 0 then null
                               else s.started + ((i * 7 + k * 13) % 300 + 10) * interval '1 minute' end as ended) t`,
    [CONTACTS, CHATS_PER_CONTACT],
  );
  const message = (sender: string, minutes: number, pricing: string) =>
    db.query(
      `insert into messages (contact_id, direction, sender, sender_name, idempotency_key, type, status, created_at, pricing)
       select s.contact_id, case when $1 = 'user' then 'inbound' else 'outbound' end, $1,
              case when $1 = 'agent' then s.holder_name end, s.session_key || '-' || $1, 'text',
              case when $1 = 'user' then 'received' else 'delivered' end,
              s.started_at + $2 * interval '1 minute', ${pricing}
       from chat_sessions s where s.session_key like 'year-%'`,
      [sender, minutes],
    );
  await message('user', 1, 'null');
  await message('agent', 2, `'{"category":"service","type":"free_customer_service","billable":false}'::jsonb`);
  await message(
    'bot',
    3,
    `case when s.id % 3 = 0 then '{"category":"utility","type":"regular","billable":true,"pricingModel":"PMP"}'::jsonb end`,
  );
}

/** Reads a whole export. */
async function download(path: string, baseUrl = app.baseUrl, token = TEST_ADMIN_TOKEN) {
  const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

interface JsonRow {
  chatId: number;
  contactId: string;
  studentName: string | null;
  startedAt: string;
  endedAt: string | null;
  rating: number | null;
  slaFirstResponse: string | null;
  slaResolution: string | null;
  messages: { student: number; bot: number; agent: number };
  billable: Record<string, number>;
  billableMessages: number;
  estimatedCost: { currency: string; amount: number } | null;
  [key: string]: unknown;
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JsonRow);

/** A CSV (RFC 4180) to rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      row.push(cell);
      cell = '';
      if (c === '\r') {
        rows.push(row);
        row = [];
        i++;
      }
    } else {
      cell += c;
    }
  }
  expect(cell).toBe('');
  return rows;
}

describe('a year of chats', () => {
  it('streams through a cursor: the first bytes arrive while its statement still runs', async () => {
    const url = `${app.baseUrl}/api/admin/exports/chats.jsonl?from=${YEAR.from}&to=${YEAR.to}`;
    const answer = await new Promise<{ firstBytes: number; states: string[]; total: number; lines: number }>(
      (resolve, reject) => {
        http
          .get(url, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }, (res) => {
            expect(res.statusCode).toBe(200);
            let received = 0;
            let lines = 0;
            let firstBytes = 0;
            res.on('data', (chunk: Buffer) => {
              received += chunk.length;
              lines += chunk.toString('utf8').split('\n').length - 1;
              if (firstBytes > 0) return;
              firstBytes = received;
              // Stop reading: a streaming server now waits on the socket with its cursor open.
              res.pause();
              void exportStatementStates(app.db).then((states) => {
                res.on('end', () => resolve({ firstBytes, states, total: received, lines }));
                res.resume();
              }, reject);
            });
            res.on('error', reject);
          })
          .on('error', reject);
      },
    );
    // A buffered export would have finished its statement before writing a byte.
    expect(answer.states).toEqual(['active']);
    expect(answer.firstBytes).toBeLessThan(answer.total);
    expect(answer.lines).toBe(CONTACTS * CHATS_PER_CONTACT);
    process.stdout.write(`chat export: ${answer.lines} rows, ${(answer.total / 1e6).toFixed(1)} MB\n`);
    // Once read to its end the cursor is gone.
    await waitFor(
      async () => (await exportStatementStates(app.db)).every((state) => state !== 'active'),
      'the export statement to end',
    );
    // The audit row is written once the response has ended, just after the client saw its end.
    const audit = await waitFor(async () => {
      const row = await lastAudit(app.db);
      return row?.action === 'exports.chats' && row;
    }, "the export's audit row");
    expect(audit).toMatchObject({
      action: 'exports.chats',
      outcome: 'ok',
      details: { format: 'jsonl', rows: CONTACTS * CHATS_PER_CONTACT, complete: true, tz: 'UTC' },
    });
  });

  it('has rows that add up to the overview of the same range, cost included', async () => {
    const query = `from=${YEAR.from}&to=${YEAR.to}`;
    const [exported, overview] = await Promise.all([
      download(`/api/admin/exports/chats.jsonl?${query}`, priced.baseUrl),
      fetch(`${priced.baseUrl}/api/admin/reports/overview?${query}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      }).then((r) => r.json() as Promise<Record<string, any>>), // eslint-disable-line @typescript-eslint/no-explicit-any -- read freely
    ]);
    const rows = jsonLines(exported.text);
    const inYear = (at: string | null) =>
      at !== null && at >= '2025-01-01T00:00:00.000Z' && at < '2026-01-01T00:00:00.000Z';
    const sum = (pick: (row: JsonRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
    expect(rows).toHaveLength(CONTACTS * CHATS_PER_CONTACT);
    expect(overview.chatsOpened).toBe(rows.filter((r) => inYear(r.startedAt)).length);
    expect(overview.chatsClosed).toBe(rows.filter((r) => inYear(r.endedAt)).length);
    expect(overview.chatsClosed).toBeLessThan(overview.chatsOpened);
    const rated = rows.filter((r) => inYear(r.endedAt) && r.rating !== null);
    expect(overview.csat.count).toBe(rated.length);
    for (const grade of [1, 2, 3, 4, 5]) {
      expect(overview.csat.distribution[grade]).toBe(rated.filter((r) => r.rating === grade).length);
    }
    expect(overview.sla.firstResponse.breached).toBe(rows.filter((r) => r.slaFirstResponse === 'breached').length);
    expect(overview.sla.resolution.met).toBe(rows.filter((r) => r.slaResolution === 'met').length);
    expect(overview.messages).toEqual({
      student: sum((r) => r.messages.student),
      bot: sum((r) => r.messages.bot),
      agent: sum((r) => r.messages.agent),
    });
    expect(overview.billable).toEqual({ utility: sum((r) => r.billable.utility ?? 0) });
    expect(overview.billable.utility).toBeGreaterThan(6000);
    expect(overview.cost.total).toBeCloseTo(
      sum((r) => r.estimatedCost!.amount),
      6,
    );
    expect(overview.cost).toMatchObject({ currency: 'EUR' });

    // The CSV has the same rows.
    const csv = parseCsv((await download(`/api/admin/exports/chats.csv?${query}`)).text);
    expect(csv).toHaveLength(rows.length + 1);
    const id = csv[0]!.indexOf('chat_id');
    expect(csv.slice(1).map((cells) => Number(cells[id]))).toEqual(rows.map((r) => r.chatId));
  });

  it('applies the reports’ filters', async () => {
    const rows = jsonLines(
      (await download(`/api/admin/exports/chats.jsonl?from=2025-03-01&to=2025-04-01&tz=UTC&priority=urgent`)).text,
    );
    const { rows: expected } = await app.db.query<{ id: string }>(
      `select id from chat_sessions where coalesce(priority, 'normal') = 'urgent'
         and started_at < '2025-04-01' and (ended_at is null or ended_at >= '2025-03-01') order by started_at, id`,
    );
    expect(expected.length).toBeGreaterThan(100);
    expect(rows.map((r) => r.chatId)).toEqual(expected.map((r) => Number(r.id)));
  });
});

describe('columns and refusals', () => {
  const hostile = ['=HYPERLINK("http://evil.example")', 'Ada, "the" Lovelace', 'Line\nbreak', '@handle', '-2+3', '+1'];

  beforeAll(async () => {
    const { rows } = await app.db.query<{ id: string }>(
      `insert into labels (name, color) values ('=cmd|calc', '#000000'), ('Maths', '#123456') returning id`,
    );
    for (const [i, name] of hostile.entries()) {
      const contactId = `ct_${(0xe0000 + i).toString(16).padStart(20, '0')}`;
      await app.db.query('insert into contacts (id) values ($1)', [contactId]);
      await app.db.query('insert into conversations (contact_id, profile_name) values ($1, $2)', [contactId, name]);
      await app.db.query('insert into conversation_labels (contact_id, label_id) values ($1, $2), ($1, $3)', [
        contactId,
        rows[0]!.id,
        rows[1]!.id,
      ]);
      await app.db.query(
        `insert into chat_sessions (contact_id, session_key, started_by, started_at, ended_at, ended_by, holder_name,
           first_response_business_seconds, rating, priority)
         values ($1, $2, 'user', $3, $3::timestamptz + interval '1 hour', 'Zainab', 'Zainab', 42.5, 4, 'high')`,
        [contactId, `hostile-${i}`, new Date(Date.UTC(2024, 5, 1 + i, 9))],
      );
    }
  });

  it('writes every column, quotes what needs quoting and defuses formulas', async () => {
    const answer = await download('/api/admin/exports/chats.csv?from=2024-06-01&to=2024-07-01&tz=Europe/Berlin');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="chats-2024-06-01-2024-06-30.csv"');
    const [header, ...rows] = parseCsv(answer.text);
    expect(header).toContain('student_name');
    const cell = (row: string[], column: string) => row[header!.indexOf(column)];
    expect(rows.map((row) => cell(row, 'student_name'))).toEqual(
      hostile.map((name) => (/^[=+\-@]/.test(name) ? `'${name}` : name)),
    );
    expect(rows.map((row) => cell(row, 'labels'))).toEqual(hostile.map(() => "'=cmd|calc; Maths"));
    expect(rows[0]).toEqual(
      expect.arrayContaining(['2024-06-01T09:00:00.000Z', '2024-06-01T10:00:00.000Z', 'Zainab', 'high', '42.5', '4']),
    );
    // No cell of the file starts a formula.
    expect(rows.flat().filter((value) => /^[=+\-@]/.test(value))).toEqual([]);
  });

  it('quotes and defuses one cell at a time', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('=SUM(A1,B1)')).toBe(`"'=SUM(A1,B1)"`);
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });

  it('writes an empty CSV with its header, and JSON lines without one', async () => {
    const csv = await download('/api/admin/exports/chats.csv?from=2023-01-01&to=2023-02-01');
    expect(csv.text.split('\r\n')).toEqual([expect.stringMatching(/^chat_id,contact_id,student_name,/), '']);
    const jsonl = await download('/api/admin/exports/chats.jsonl?from=2023-01-01&to=2023-02-01');
    expect(jsonl.status).toBe(200);
    expect(jsonl.text).toBe('');
  });

  it('is for admins only, and refuses a bad range before any byte', async () => {
    const agent = await download(`/api/admin/exports/chats.csv?from=2024-06-01&to=2024-07-01`, app.baseUrl, agentToken);
    expect(agent.status).toBe(403);
    expect((await fetch(`${app.baseUrl}/api/admin/exports/chats.csv`)).status).toBe(401);
    const backwards = await download('/api/admin/exports/chats.jsonl?from=2024-07-01&to=2024-06-01');
    expect(backwards.status).toBe(400);
    expect(JSON.parse(backwards.text)).toMatchObject({ error: { code: 'invalid_query' } });
    expect((await download('/api/admin/exports/chats.jsonl?tz=Nowhere/Land')).status).toBe(400);
  });
});

/** The states of the backends running the export's statement now. */
async function exportStatementStates(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ state: string }>(
    `select state from pg_stat_activity where query like $1 and pid <> pg_backend_pid()`,
    [`${CHAT_EXPORT_MARKER}%`],
  );
  return rows.map((r) => r.state);
}
