import type { Browser, Page } from 'playwright-core';
import { AdminClient } from '../helpers/admin-client';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { launchBrowser } from './browser';

// What the console's browser tests share: agents with tokens to sign in with, students who ask for
// support, and the items of the Waiting view and the conversation list.

export interface TestAgent {
  /** The bearer token, for signing in to the console. */
  token: string;
  /** The same person through the admin API. */
  client: AdminClient;
}

/** A new person with an agent token, made with the stack's ADMIN_TOKEN. */
export async function createAgent(stack: TestStack, name: string): Promise<TestAgent> {
  const admin = new AdminClient(stack, stack.config.adminToken);
  const { status, body } = await admin.request('POST', '/api/admin/tokens', { name, role: 'agent' });
  if (status !== 201) throw new Error(`token create answered ${status}`);
  return { token: body.token, client: new AdminClient(stack, body.token, body.agentId) };
}

export interface ConsoleSetup {
  stack: TestStack;
  browser: Browser;
  /** One per name given, in that order. */
  agents: TestAgent[];
}

/**
 * Starts the real stack (with `env`) and Chromium before the file's tests and stops them after,
 * with an agent for each name. The fields are set once the tests run.
 */
export function useConsoleStack(names: string[], env: Record<string, string> = {}): ConsoleSetup {
  const setup = { agents: [] as TestAgent[] } as unknown as ConsoleSetup;
  beforeAll(async () => {
    [setup.stack, setup.browser] = await Promise.all([startTestStack(env), launchBrowser()]);
    setup.agents = await Promise.all(names.map((name) => createAgent(setup.stack, name)));
  });
  afterAll(async () => {
    await setup.browser?.close();
    await setup.stack?.stop();
  });
  return setup;
}

/** A new student who says hello and asks for support: two messages, and a chat waiting. */
export async function askForSupport(stack: TestStack, name: string): Promise<WebStudent> {
  const student = new WebStudent(stack, newPhone(), name);
  await student.say('hello');
  await student.say('support');
  return student;
}

export const queueButton = (page: Page, phone: string) =>
  page.locator(`#queue-list li[data-contact-id="${phone}"] button`);

export const listButton = (page: Page, phone: string) =>
  page.locator(`#conversation-list button[data-contact-id="${phone}"]`);

/** How wide the page is laid out: more than the screen means something overflows. */
export const pageWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

/** Text and height of every button on screen that is shorter than a finger can hit. */
export function smallButtons(page: Page): Promise<string[]> {
  return page
    .locator('button')
    .evaluateAll((buttons) =>
      buttons
        .filter((button) => button.getClientRects().length > 0 && button.getBoundingClientRect().height < 40)
        .map((button) => `${String(button.textContent).trim()} (${button.getBoundingClientRect().height}px)`),
    );
}
