import fs from 'node:fs';
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { openPage, screenshot, signIn } from './browser';
import { listButton, pageWidth, smallButtons, type TestAgent, useConsoleStack } from './console-helpers';
import type { TestStack } from '../helpers/stack';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';

// The Reports view in Chromium against the real stack: chats seeded in Postgres with known times,
// business-time figures, SLA outcomes, ratings, labels, priorities and priced messages, over the last
// days in Africa/Lagos (the browser's zone here). The headline figures, the bars of each day and the
// tables are checked against figures computed from the seed; the filters and the zone change them;
// the CSV export downloads with the token.

const ZONE = 'Africa/Lagos';
// Bo's name carries markup: the tables must show it as text.
const BO = 'Bo <img src=x onerror=alert(1)>';
const NAMES = ['Ada', BO];
const RATE_CARD = { currency: 'USD', utility: 0.004, marketing: 0.025 };
const setup = useConsoleStack(NAMES, { WHATSAPP_RATE_CARD: JSON.stringify(RATE_CARD) });

interface SeedChat {
  agent: 0 | 1;
  /** Days before today (Lagos), at 10:00 there, or the UTC instant given. */
  daysAgo: number;
  at?: string;
  frt: number;
  /** Business seconds to resolution; null: still open. */
  resolution: number | null;
  slaFirst: 'met' | 'breached';
  slaResolution: 'met' | 'breached' | null;
  rating: number | null;
  priority: 'normal' | 'high' | 'urgent';
  billing: boolean;
}

/** Today's date in `zone`, as the page reckons it. */
const todayIn = (zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const TODAY = todayIn(ZONE);
// The last chat starts at 23:30 UTC, 00:30 the next day in Lagos: the zone decides its day.
const LATE = `${addDays(TODAY, -2)}T23:30:00Z`;
const CHATS: SeedChat[] = [
  {
    agent: 0,
    daysAgo: 6,
    frt: 600,
    resolution: 3600,
    slaFirst: 'met',
    slaResolution: 'met',
    rating: 5,
    priority: 'normal',
    billing: true,
  },
  {
    agent: 0,
    daysAgo: 4,
    frt: 1200,
    resolution: 7200,
    slaFirst: 'met',
    slaResolution: 'breached',
    rating: 4,
    priority: 'high',
    billing: false,
  },
  {
    agent: 1,
    daysAgo: 4,
    frt: 4000,
    resolution: 9000,
    slaFirst: 'breached',
    slaResolution: 'breached',
    rating: 2,
    priority: 'high',
    billing: true,
  },
  {
    agent: 1,
    daysAgo: 4,
    frt: 300,
    resolution: 1500,
    slaFirst: 'met',
    slaResolution: 'met',
    rating: 5,
    priority: 'normal',
    billing: false,
  },
  {
    agent: 0,
    daysAgo: 2,
    frt: 1800,
    resolution: 5400,
    slaFirst: 'met',
    slaResolution: 'met',
    rating: 3,
    priority: 'urgent',
    billing: true,
  },
  {
    agent: 1,
    daysAgo: 1,
    at: LATE,
    frt: 900,
    resolution: null,
    slaFirst: 'met',
    slaResolution: null,
    rating: null,
    priority: 'normal',
    billing: false,
  },
];
const startOf = (chat: SeedChat) => new Date(chat.at ?? `${addDays(TODAY, -chat.daysAgo)}T09:00:00Z`);

/** Postgres's percentile_cont over `values`. */
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = fraction * (sorted.length - 1);
  const below = sorted[Math.floor(at)]!;
  return below + (sorted[Math.ceil(at)]! - below) * (at - Math.floor(at));
}

/** "17m 30s", "1h 30m": how the view writes business time. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
}

/** The figures the overview should show for `chats`. */
function expected(chats: SeedChat[]) {
  const closed = chats.filter((c) => c.resolution !== null);
  const outcomes = chats.flatMap((c) => [c.slaFirst, c.slaResolution]);
  const met = outcomes.filter((o) => o === 'met').length;
  const breached = outcomes.filter((o) => o === 'breached').length;
  const ratings = chats.flatMap((c) => (c.rating === null ? [] : [c.rating]));
  const frt = chats.map((c) => c.frt);
  const resolution = closed.map((c) => c.resolution!);
  return {
    chatsOpened: String(chats.length),
    chatsClosed: String(closed.length),
    firstResponse: `${duration(percentile(frt, 0.5))}median · p90 ${duration(percentile(frt, 0.9))}`,
    resolution: `${duration(percentile(resolution, 0.5))}median · p90 ${duration(percentile(resolution, 0.9))}`,
    sla: `${Math.round((100 * met) / (met + breached))}% met${met} met · ${breached} breached`,
    csat: `${(ratings.reduce((a, b) => a + b, 0) / ratings.length).toFixed(1)} / 5${ratings.length} ratings`,
  };
}

/** Per local day of the last 7 (oldest first), how many of `chats` opened and closed there in `zone`. */
function perDay(chats: SeedChat[], zone: string, last = todayIn(zone)) {
  const day = (instant: Date) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      instant,
    );
  return Array.from({ length: 7 }, (_, i) => addDays(last, i - 6)).map((date) => ({
    date,
    opened: chats.filter((c) => day(startOf(c)) === date).length,
    closed: chats.filter((c) => c.resolution !== null && day(new Date(startOf(c).getTime() + 7_200_000)) === date)
      .length,
  }));
}

/** The seeded chats' students, in CHATS' order. */
const contacts: string[] = [];

/** Writes the chats, their students, labels and messages straight into the stack's Postgres. */
async function seed(stack: TestStack, agents: TestAgent[]): Promise<void> {
  const { rows } = await stack.db.query<{ id: string; name: string }>(
    `insert into labels (name, color) values ('Billing', '#d73a49') returning id`,
  );
  const labelId = rows[0]!.id;
  for (const [i, chat] of CHATS.entries()) {
    const contact = `ct_${crypto.randomBytes(10).toString('hex')}`;
    contacts.push(contact);
    const started = startOf(chat);
    const plus = (seconds: number) => new Date(started.getTime() + seconds * 1000);
    const agent = agents[chat.agent]!;
    await stack.db.query('insert into contacts (id, phone) values ($1, $2)', [contact, `2348000000${i}`]);
    await stack.db.query(
      `insert into conversations (contact_id, profile_name, state, priority) values ($1, $2, 'IDLE', $3)`,
      [contact, `Student ${i}`, chat.priority],
    );
    if (chat.billing)
      await stack.db.query('insert into conversation_labels (contact_id, label_id) values ($1, $2)', [
        contact,
        labelId,
      ]);
    const ended = chat.resolution === null ? null : plus(7200);
    await stack.db.query(
      `insert into chat_sessions (contact_id, started_at, started_by, ended_at, ended_by, first_user_message_at,
         first_agent_reply_at, rating, holder_agent_id, holder_name, priority, available_at,
         first_response_business_seconds, resolution_business_seconds, sla_first_response, sla_resolution)
       values ($1, $2, 'user', $3, $4, $2, $5, $6, $7, $8, $9, $2, $10, $11, $12, $13)`,
      [
        contact,
        started,
        ended,
        ended && NAMES[chat.agent],
        plus(chat.frt),
        chat.rating,
        agent.client.agentId,
        NAMES[chat.agent],
        chat.priority,
        chat.frt,
        chat.resolution,
        chat.slaFirst,
        chat.slaResolution,
      ],
    );
    // Two lines from the student, the bot's answer (a utility template WhatsApp bills on the first
    // chat), the agent's reply.
    const messages: [string, string, string, object | null][] = [
      ['inbound', 'user', 'received', null],
      ['inbound', 'user', 'received', null],
      ['outbound', 'bot', 'delivered', i === 0 ? { billable: true, category: 'utility', type: 'regular' } : null],
      ['outbound', 'agent', 'delivered', { billable: false, category: 'service', type: 'free_customer_service' }],
    ];
    for (const [j, [direction, sender, status, pricing]] of messages.entries())
      await stack.db.query(
        `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, pricing, created_at)
         values ($1, $2, $3, $4, 'text', 'hi', $5, $6, $7)`,
        [contact, direction, sender, `seed-${contact}-${j}`, status, pricing, plus(60 * (j + 1))],
      );
  }
}

const figure = (page: Page, key: string) => page.locator(`#reports-body dd[data-figure="${key}"]`);

async function expectFigures(page: Page, want: Record<string, string>): Promise<void> {
  for (const [key, text] of Object.entries(want))
    await figure(page, key)
      .filter({ hasText: text })
      .waitFor()
      .catch(async (err: Error) => {
        // What the page said instead, so a failure reads at once.
        const said = await page.locator('#reports-status, #reports-error, #reports-body dl').allTextContents();
        throw new Error(`${err.message}\npage: ${JSON.stringify(said)}`);
      });
  const shown = Object.fromEntries(
    await Promise.all(Object.keys(want).map(async (key) => [key, await figure(page, key).textContent()])),
  );
  expect(shown).toEqual(want);
}

/** The cells' texts of each row of the first table in the section headed `heading`. */
async function tableRows(page: Page, heading: string): Promise<string[][]> {
  const rows = page
    .locator('#reports-body .report-section', { hasText: heading })
    .locator('table')
    .first()
    .locator('tbody tr');
  const texts: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) texts.push(await rows.nth(i).locator('th, td').allTextContents());
  return texts;
}

/** The chats chart's bars of a series, oldest day first: their labels, values and drawn heights. */
function bars(page: Page, series: string) {
  return page
    .locator(`#reports-body [data-chart="chats"] .${series} rect.bar`)
    .evaluateAll((rects) =>
      rects.map((r) => ({ value: Number(r.getAttribute('data-value')), height: Number(r.getAttribute('height')) })),
    );
}

/** Heights in the same order as the values: a larger value never gets a lower bar, equal ones equal bars. */
function expectOrdered(drawn: { value: number; height: number }[], values: number[]): void {
  expect(drawn.map((d) => d.value)).toEqual(values);
  for (const a of drawn)
    for (const b of drawn) expect(Math.sign(a.height - b.height)).toBe(Math.sign(a.value - b.value));
  expect(drawn.every((d) => d.value === 0 || d.height > 0)).toBe(true);
}

beforeAll(() => seed(setup.stack, setup.agents));

describe('the Reports view', () => {
  it('serves its scripts and styles under the console policy', async () => {
    for (const [path, type] of [
      ['/console/console-charts.js', 'text/javascript'],
      ['/console/console-reports-render.js', 'text/javascript'],
      ['/console/console-reports.js', 'text/javascript'],
      ['/console/console-reports.css', 'text/css'],
    ] as const) {
      const response = await fetch(setup.stack.baseUrl + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('shows the figures, charts and tables of the seeded chats, filters them and downloads the export', async () => {
    const { stack, browser } = setup;
    const { page, problems } = await openPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: ZONE });
    await signIn(page, stack.baseUrl, stack.config.adminToken);

    await page.getByRole('button', { name: 'Reports' }).click();
    expect(await page.locator('#reports-tz').inputValue()).toBe(ZONE);
    expect(await page.locator('#reports-from').inputValue()).toBe(addDays(TODAY, -6));
    expect(await page.locator('#reports-to').inputValue()).toBe(TODAY);
    await expectFigures(page, expected(CHATS));
    await figure(page, 'messages')
      .filter({ hasText: `${CHATS.length * 4}` })
      .waitFor();
    expect(await figure(page, 'messages').textContent()).toBe(
      `${CHATS.length * 4}student ${CHATS.length * 2} · bot ${CHATS.length} · agent ${CHATS.length}`,
    );

    // One bar per day and series, as high as the day's chats; the chart and each bar are named.
    const days = perDay(CHATS, ZONE);
    expectOrdered(
      await bars(page, 'series-opened'),
      days.map((d) => d.opened),
    );
    expectOrdered(
      await bars(page, 'series-closed'),
      days.map((d) => d.closed),
    );
    const chart = page.locator('#reports-body [data-chart="chats"] svg');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('title').first().textContent()).toBe('Chats opened and closed by day');
    // The first responses' line has a point for each day with a reply, the ratings one bar per star.
    const repliedDays = days.filter((d) => d.opened > 0).length;
    expect(await page.locator('#reports-body [data-chart="firstResponse"] circle.point').count()).toBe(repliedDays);
    const stars = await page
      .locator('#reports-body [data-chart="csat"] rect.bar')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value'))));
    expect(stars).toEqual([1, 2, 3, 4, 5].map((n) => CHATS.filter((c) => c.rating === n).length));

    // Per agent: each agent's chats, the name as text.
    const agentRows = await tableRows(page, 'Agents');
    expect(agentRows.map((r) => [r[0], r[1]]).sort()).toEqual(
      [
        ['Ada', String(CHATS.filter((c) => c.agent === 0).length)],
        [BO, String(CHATS.filter((c) => c.agent === 1).length)],
      ].sort(),
    );
    const labelRows = await tableRows(page, 'Labels');
    expect(labelRows.map((r) => [r[0], r[1]])).toEqual([['Billing', String(CHATS.filter((c) => c.billing).length)]]);
    // What WhatsApp bills: the first chat's utility message, priced by the rate card.
    expect((await tableRows(page, 'Billable messages'))[0]).toEqual(['utility', '1', `$${RATE_CARD.utility}`]);
    expect(await figure(page, 'cost').textContent()).toBe(`$${RATE_CARD.utility}what WhatsApp bills`);
    // Tall enough for the charts and the tables under them.
    await page.setViewportSize({ width: 1366, height: 1500 });
    await screenshot(page, 'console-reports');

    // A priority narrows every figure to its chats; a label likewise.
    await page.locator('#reports-priority').selectOption('high');
    await expectFigures(page, expected(CHATS.filter((c) => c.priority === 'high')));
    await page.locator('#reports-priority').selectOption('');
    await page.locator('#reports-label').selectOption('Billing');
    await expectFigures(page, expected(CHATS.filter((c) => c.billing)));

    // The export carries the same filters: one row per labelled chat, after its header.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`chats-${addDays(TODAY, -6)}-to-${TODAY}.csv`);
    const csv = fs
      .readFileSync(await download.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csv.length).toBe(1 + CHATS.filter((c) => c.billing).length);
    await page.locator('#reports-download', { hasText: '✓ chats-' }).waitFor();

    // In UTC the late chat falls on the day before: the bars move with the zone.
    await page.locator('#reports-label').selectOption('');
    await page.locator('#reports-tz').selectOption('UTC');
    const utcDays = perDay(CHATS, 'UTC');
    await page.locator('#reports-status', { hasText: 'UTC' }).waitFor();
    await figure(page, 'chatsOpened')
      .filter({ hasText: String(CHATS.length) })
      .waitFor();
    expect(utcDays.map((d) => d.opened)).not.toEqual(days.map((d) => d.opened));
    expectOrdered(
      await bars(page, 'series-opened'),
      utcDays.map((d) => d.opened),
    );

    // A range the wrong way round is refused in the page, before any request.
    await page.locator('#reports-from').fill(TODAY);
    await page.locator('#reports-to').fill(addDays(TODAY, -1));
    await page.locator('#reports-show').click();
    await page.locator('#reports-error', { hasText: 'The first day must not be after the last.' }).waitFor();

    // At 360 px the view fits, its charts drawn for the width, and every button is big enough to tap.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.locator('#reports-to').fill(TODAY);
    await page.locator('#reports-show').click();
    await page.waitForFunction("document.getElementById('reports-error').textContent === ''");
    // Redrawn for the narrower box.
    await page.waitForFunction(
      `Number(document.querySelector('#reports-body [data-chart="chats"] svg').getAttribute('width')) < 360`,
    );
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await smallButtons(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows an agent the figures without the export, and the API's refusal of a range too long", async () => {
    const { stack, browser, agents } = setup;
    const { page, problems } = await openPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: ZONE });
    // Who is signed in is asked twice: by the console at sign-in, by the view when it first opens.
    let roleAnswers = 0;
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/admin/me') roleAnswers++;
    });
    await signIn(page, stack.baseUrl, agents[0]!.token);
    // From the keyboard: the header's view buttons are plain buttons.
    await page.getByRole('button', { name: 'Reports' }).focus();
    await page.keyboard.press('Enter');
    await expectFigures(page, { chatsOpened: String(CHATS.length) });
    // The export is the admins' (it names students): once the view knows, an agent is not offered it.
    while (roleAnswers < 2) await page.waitForResponse((r) => new URL(r.url()).pathname === '/api/admin/me');
    expect(await page.getByRole('button', { name: 'Download CSV' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Download JSONL' }).isVisible()).toBe(false);

    await page.locator('#reports-from').fill(addDays(TODAY, -500));
    await page
      .locator('#reports-error', {
        hasText: 'Could not load the reports: HTTP 400 invalid_query: Invalid query: a range spans at most 400 days',
      })
      .waitFor();
    expect(await page.locator('#reports-body').isVisible()).toBe(false);
    // A day without chats: zeros, and words where a chart or a table would be empty.
    await page.locator('#reports-from').fill(TODAY);
    await page.locator('#reports-to').fill(TODAY);
    await expectFigures(page, { chatsOpened: '0', chatsClosed: '0', firstResponse: '—median · p90 —' });
    await page
      .locator('#reports-body [data-chart="firstResponse"]', { hasText: 'No first reply in this range.' })
      .waitFor();
    await page.locator('#reports-body', { hasText: 'No agent handled a chat in this range.' }).waitFor();
    expect(await page.locator('#reports-body [data-chart="chats"] .series-opened rect.bar').count()).toBe(1);
    // Back to the conversations: the Reports view hides.
    await page.getByRole('button', { name: 'Conversations' }).focus();
    await page.keyboard.press('Space');
    expect(await page.locator('#reports-view').isVisible()).toBe(false);
    expect(await page.locator('#app-view').isVisible()).toBe(true);
    // The first chat's conversation says what WhatsApp billed of it, priced by the rate card.
    await listButton(page, contacts[0]!).click();
    await page
      .locator('#conversation-billing', {
        hasText: `WhatsApp billed 1 message (utility 1) · estimated $${RATE_CARD.utility}`,
      })
      .waitFor();
    await listButton(page, contacts[1]!).click();
    await page.locator('#conversation-title', { hasText: 'Student 1' }).waitFor();
    expect(await page.locator('#conversation-billing').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
