import type { Browser, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';
import { AdminClient } from '../helpers/admin-client';
import { textOf } from '../helpers/conversation';
import { WebStudent } from './student';
import { fixtureJson, newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { conversationWorkflowId, inboundSignal } from '../../workflows/messages';
import { launchBrowser, openPage, screenshot, signIn as signInToConsole } from './browser';

interface SseEvent {
  id: string;
  event: string;
  data: string;
}
// The console's stream reader, a browser ES module that jest compiles for Node (jest.config.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JavaScript module without declarations
const sse = require('../../src/web/sse.js') as {
  followEvents(options: Record<string, unknown>): { stop(): void };
};

// The agents' console in Chromium against the whole product: real Temporal and Postgres, the admin
// API with an agent token, the Graph API fake as WhatsApp, and a user writing through signed webhooks.

const HOSTILE = '<img src=x onerror=alert(1)>';

let stack: TestStack;
let browser: Browser;
let agentToken: string;
let user: WebStudent;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  const admin = new AdminClient(stack, stack.config.adminToken);
  const created = await admin.request('POST', '/api/admin/tokens', { name: 'Alice', role: 'agent' });
  agentToken = created.body.token;

  // A registered student in a chat with support; the WhatsApp profile name is hostile markup.
  user = new WebStudent(stack, newPhone(), `Howard ${HOSTILE}`);
  await user.say('Hi');
  await user.tap('register');
  await user.say('Howard Smith');
  await user.say('howard@example.com');
  await user.say('Grade 10');
  await user.say('support');
  expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const supportTexts = () =>
  user
    .sends()
    .map(textOf)
    .filter((text) => text.startsWith('🎧 Alice (Support Team): '));

const signIn = (page: Page) => signInToConsole(page, stack.baseUrl, agentToken);

describe('GET /console', () => {
  it('serves the page and its assets with a strict policy and no caching', async () => {
    for (const [path, type] of [
      ['/console', 'text/html'],
      ['/console/console.js', 'text/javascript'],
      ['/console/sse.js', 'text/javascript'],
      ['/console/console-dom.js', 'text/javascript'],
      ['/console/console-history.js', 'text/javascript'],
      ['/console/console-media.js', 'text/javascript'],
      ['/console/console-attach.js', 'text/javascript'],
      ['/console/console-templates.js', 'text/javascript'],
      ['/console/console.css', 'text/css'],
    ] as const) {
      const response = await fetch(stack.baseUrl + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('serves no simulator outside sandbox mode', async () => {
    expect((await fetch(`${stack.baseUrl}/simulator`)).status).toBe(404);
    const post = await fetch(`${stack.baseUrl}/sandbox/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: user.phone, name: 'X', text: 'hi' }),
    });
    expect(post.status).toBe(404);
  });
});

describe('the console in a browser', () => {
  it('lets an agent follow and answer a chat, live, and shows every refusal as the API gave it', async () => {
    const { page, problems } = await openPage(browser);

    // A wrong token is refused and nothing is stored.
    await page.goto(`${stack.baseUrl}/console`);
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token is not valid (401 unauthorized).').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('Token').fill(agentToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#live.live-ok').waitFor({ timeout: 10_000 });
    // The token lives in the tab's sessionStorage, under its own key only, never in the address.
    expect(page.url()).toBe(`${stack.baseUrl}/console`);
    expect(
      await page.evaluate(
        `Object.entries(sessionStorage).filter(([, value]) => value.includes(${JSON.stringify(agentToken)}))`,
      ),
    ).toEqual([['edubot.console.token', agentToken]]);

    // The conversation is listed with its state; the hostile profile name is plain text.
    const item = page.locator(`button[data-contact-id="${user.id}"]`);
    await item.waitFor();
    await expect(item.locator('.badge').textContent()).resolves.toBe('CHAT_SUPPORT_ACTIVE');
    await expect(item.locator('.item-name').textContent()).resolves.toBe(`Howard ${HOSTILE}`);

    // Filtering by another state hides it; by its own state shows it again.
    await page.getByLabel('State').selectOption('REGISTERED');
    await item.waitFor({ state: 'detached' });
    await page.getByLabel('State').selectOption('CHAT_SUPPORT_ACTIVE');
    await item.waitFor();

    // The history, oldest first, with senders.
    await item.click();
    await page.locator('#conversation-title', { hasText: 'Howard Smith' }).waitFor();
    const messages = page.locator('#messages > li');
    await messages.filter({ hasText: 'howard@example.com' }).waitFor();
    await expect(messages.first().locator('.sender').textContent()).resolves.toBe(`Howard ${HOSTILE}`);
    await expect(page.locator('#messages .message-bot').first().locator('.status').textContent()).resolves.toMatch(
      /accepted|sent|delivered|read/,
    );
    await expect(page.locator('#conversation-chat').textContent()).resolves.toContain('Chat open since');

    // Send: success only once the API said 200, and WhatsApp got the agent's message.
    await page.locator('#message').fill('Hi Howard, which subject?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#command-result.result-ok', { hasText: 'Message sent' }).waitFor();
    expect(supportTexts()).toEqual(['🎧 Alice (Support Team): Hi Howard, which subject?']);
    await expect(page.locator('#message').inputValue()).resolves.toBe('');
    await page
      .locator('#messages .message-agent', { hasText: 'Hi Howard, which subject?' })
      .locator('.sender', { hasText: 'Agent Alice' })
      .waitFor();

    // The user writes while the page is open: it appears through the event stream, as text.
    await user.say(HOSTILE);
    await page.locator('#messages .message-user .message-body', { hasText: HOSTILE }).waitFor({ timeout: 10_000 });
    expect(await page.locator('img').count()).toBe(0);

    // WhatsApp refuses a send: 502 with its code, and the failed message is marked with the code.
    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    await page.locator('#message').fill('Are you there?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page
      .locator('#command-result.result-error', { hasText: 'HTTP 502 whatsapp_rejected (WhatsApp code 131047)' })
      .waitFor();
    await expect(page.locator('#message').inputValue()).resolves.toBe('Are you there?');
    await page
      .locator('#messages .message-failed', { hasText: 'Are you there?' })
      .locator('.message-error', { hasText: 'WhatsApp error code 131047' })
      .waitFor();

    // End the chat with a closing text; the new state arrives live.
    await page.locator('#message').fill('Thanks, bye!');
    await page.getByRole('button', { name: 'End chat' }).click();
    await page.locator('#command-result.result-ok', { hasText: 'Chat ended' }).waitFor();
    await page.locator('#conversation-state', { hasText: 'REGISTERED' }).waitFor({ timeout: 10_000 });
    expect(supportTexts()).toEqual([
      '🎧 Alice (Support Team): Hi Howard, which subject?',
      '🎧 Alice (Support Team): Thanks, bye!',
    ]);

    // A send after the end is refused: the 409 is shown, nothing reaches WhatsApp.
    const before = user.sends().length;
    await page.locator('#message').fill('One more thing');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#command-result.result-error', { hasText: 'HTTP 409 not_in_chat_support' }).waitFor();
    expect(user.sends().length).toBe(before);

    await page.getByLabel('State').selectOption('');
    await item.locator('.badge', { hasText: 'REGISTERED' }).waitFor();
    await screenshot(page, 'console');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows, live, a message the conversation set aside where it happened in the history', async () => {
    const student = new WebStudent(stack, newPhone(), 'Nora Ade');
    await student.say('hello');
    const { page } = await openPage(browser);
    await signIn(page);
    await page.locator(`button[data-contact-id="${student.id}"]`).click();
    await page.locator('#messages > li', { hasText: 'Welcome to EduBot' }).waitFor();

    // Signalled as a server that does not clean its input would: Postgres refuses the text.
    const now = Date.now();
    await stack.client.workflow.getHandle(conversationWorkflowId(student.id)).signal(inboundSignal, {
      waMessageId: `wamid.NUL${student.phone}`,
      sender: { phone: student.phone! },
      sentAt: now,
      receivedAt: now,
      content: { kind: 'text', text: 'a \0 in it' },
    });
    const setAside = page.locator('#messages > li.message-set-aside');
    await setAside.waitFor({ timeout: 15_000 });
    await expect(setAside.textContent()).resolves.toContain('A message from the user could not be handled');
    await expect(setAside.locator('.type').textContent()).resolves.toBe('store_refused');
    // After the welcome, before the notice that tells the student.
    const texts = await page.locator('#messages > li').allTextContents();
    const at = texts.findIndex((t) => t.includes('could not be handled'));
    expect(texts[at - 1]).toContain('Welcome to EduBot');
    await page.locator('#messages > li', { hasText: "couldn't handle it" }).waitFor();
    await page.close();
  });

  it('signs out when the token is revoked while the page is open', async () => {
    const admin = new AdminClient(stack, stack.config.adminToken);
    const created = await admin.request('POST', '/api/admin/tokens', { name: 'Bob', role: 'agent' });
    const { page } = await openPage(browser);
    agentToken = created.body.token;
    await signIn(page);
    await page.locator(`button[data-contact-id="${user.id}"]`).click();
    expect((await admin.request('DELETE', `/api/admin/tokens/${created.body.id}`)).status).toBe(200);
    // Whichever request meets the revoked token first (a live refresh or this click) signs out.
    const startChat = page.getByRole('button', { name: 'Start chat' });
    if (await startChat.isVisible()) await startChat.click({ timeout: 2_000 }).catch(() => undefined);
    await page.getByText('The server refused the token (401 unauthorized). Sign in again.').waitFor();
    await expect(page.locator('#command-result').textContent()).resolves.not.toContain('✓');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });
});

describe("the console's event reader on the real stream", () => {
  it('resumes after a dropped connection with Last-Event-ID, losing and repeating nothing', async () => {
    const calls: (string | undefined)[] = [];
    const events: SseEvent[] = [];
    let drop: (() => void) | undefined;
    // The first connection goes through a body that can be cut, as a network drop would.
    const droppable = async (url: string, init: RequestInit & { headers: Record<string, string> }) => {
      calls.push(init.headers['Last-Event-ID']);
      const response = await fetch(url, init);
      if (drop !== undefined || !response.body) return response;
      const reader = response.body.getReader();
      let cut: (err: Error) => void = () => undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          cut = (err) => {
            controller.error(err);
            void reader.cancel().catch(() => undefined);
          };
        },
        async pull(controller) {
          try {
            const chunk = await reader.read();
            if (chunk.done) controller.close();
            else controller.enqueue(chunk.value);
          } catch {
            // Cut while reading: the stream is already errored.
          }
        },
      });
      drop = () => cut(new Error('connection dropped'));
      return new Response(body, { status: response.status, headers: response.headers });
    };
    let opened = 0;
    const follower = sse.followEvents({
      url: `${stack.baseUrl}/api/admin/events`,
      token: stack.config.adminToken,
      fetch: droppable,
      onEvent: (event: SseEvent) => events.push(event),
      onStatus: (status: string) => {
        if (status === 'open') opened++;
      },
    });
    try {
      await waitFor(async () => opened === 1, 'the stream to open');
      await user.say('first while connected');
      const bodies = () =>
        events.map((e) => JSON.parse(e.data) as { phone: string; kind: string; payload: { body?: string } });
      await waitFor(
        async () => bodies().some((e) => e.payload.body === 'first while connected'),
        'the first message event',
      );
      const seenBeforeDrop = events.length;
      const lastIdBeforeDrop = events[seenBeforeDrop - 1]!.id;
      drop!();
      await user.say('second while dropped');
      await waitFor(
        async () => bodies().some((e) => e.payload.body === 'second while dropped'),
        'the replayed message event',
        15_000,
      );
      expect(opened).toBe(2);
      expect(calls).toEqual([undefined, lastIdBeforeDrop]);
      const ids = events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      follower.stop();
    }
  });
});
