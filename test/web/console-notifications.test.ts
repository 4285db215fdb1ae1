import type { Page } from 'playwright-core';
import { openPage, signIn } from './browser';
import { askForSupport, listButton, queueButton, type TestAgent, useConsoleStack } from './console-helpers';

// Desktop notifications in Chromium against the real stack. The browser's Notification is replaced
// at its boundary (before the console's script runs) by a recorder: it reports what the page asked
// to show and whether the permission was asked from a user gesture.

const setup = useConsoleStack(['Ada', 'Bo']);

interface Shown {
  title: string;
  body: string;
  tag: string;
}

// Runs in the page before its scripts: Notification becomes a recorder of what the console asks to
// show (and of each notification, to click it), and of each permission request with whether a user
// gesture made it. The permission is 'default' until asked, then 'granted'.
const RECORD_NOTIFICATIONS = `
  let permission = 'default';
  window.shownNotifications = [];
  window.shownNotificationObjects = [];
  window.permissionRequests = [];
  class RecordingNotification {
    constructor(title, options) {
      this.onclick = null;
      window.shownNotifications.push({ title, body: (options && options.body) || '', tag: (options && options.tag) || '' });
      window.shownNotificationObjects.push(this);
    }
    close() {}
    static get permission() {
      return permission;
    }
    static requestPermission() {
      window.permissionRequests.push({ fromGesture: navigator.userActivation.isActive });
      permission = 'granted';
      return Promise.resolve(permission);
    }
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
`;

const shown = (page: Page) => page.evaluate<Shown[]>('window.shownNotifications');
const shownCount = (page: Page, count: number) => page.waitForFunction(`window.shownNotifications.length >= ${count}`);
const permissionRequests = (page: Page) => page.evaluate<{ fromGesture: boolean }[]>('window.permissionRequests');

describe('desktop notifications', () => {
  it('asks only on "Notify me", then tells of chats that start waiting and of messages in chats this agent holds', async () => {
    const { stack, browser } = setup;
    const [ada, bo] = setup.agents as [TestAgent, TestAgent];
    const { page, problems } = await openPage(browser);
    await page.addInitScript(RECORD_NOTIFICATIONS);
    await signIn(page, stack.baseUrl, ada.token);
    const notifyMe = page.getByRole('button', { name: 'Notify me' });
    await notifyMe.waitFor();

    // Before the agent asks for them: no request, no notification.
    const early = await askForSupport(stack, 'Early Bird');
    await queueButton(page, early.id).waitFor();
    expect(await permissionRequests(page)).toEqual([]);
    expect(await shown(page)).toEqual([]);

    await notifyMe.click();
    await notifyMe.waitFor({ state: 'hidden' });
    expect(await permissionRequests(page)).toEqual([{ fromGesture: true }]);

    // A chat that starts waiting is news; the one that waited already is not.
    const nkem = await askForSupport(stack, 'Nkem Udo');
    await queueButton(page, nkem.id).waitFor();
    await shownCount(page, 1);
    expect(await shown(page)).toEqual([
      { title: 'Waiting: Nkem Udo', body: 'A chat is waiting for an agent.', tag: `edubot-${nkem.id}` },
    ]);

    // Ada takes Nkem's chat. While she is looking at it, its messages notify nobody.
    await queueButton(page, nkem.id).click();
    await page.getByRole('button', { name: 'Take chat' }).click();
    await page.locator('#conversation-holder', { hasText: 'You hold this chat.' }).waitFor();
    await nkem.say('my homework is missing');
    await page.locator('#messages > li', { hasText: 'my homework is missing' }).waitFor();
    expect(await shown(page)).toHaveLength(1);

    // Bo takes the early chat: its messages are his to hear of, not Ada's (they count as unread).
    expect((await bo.client.request('POST', `/api/admin/conversations/${early.id}/assign`)).status).toBe(200);
    await early.say('anyone?');
    await listButton(page, early.id).locator('.unread', { hasText: '3' }).waitFor();
    expect(await shown(page)).toHaveLength(1);

    // Looking at another conversation, Ada hears of the next message in hers.
    await listButton(page, early.id).click();
    await page.locator('#conversation-holder', { hasText: 'Held by Bo' }).waitFor();
    await nkem.say('it was maths');
    await shownCount(page, 2);
    expect((await shown(page))[1]).toEqual({
      title: 'Message from Nkem Udo',
      body: 'it was maths',
      tag: `edubot-${nkem.id}`,
    });

    // A click on a notification brings its conversation up.
    await page.evaluate('window.shownNotificationObjects[1].onclick()');
    await page.locator('#conversation-title', { hasText: 'Nkem Udo' }).waitFor();
    await page.locator('#messages > li', { hasText: 'it was maths' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('never offers "Notify me" once the browser has an answer', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(browser);
    await page.addInitScript("Object.defineProperty(Notification, 'permission', { get: () => 'denied' });");
    await signIn(page, stack.baseUrl, ada.token);
    await page.locator('#queue-heading').waitFor();
    expect(await page.evaluate('Notification.permission')).toBe('denied');
    await expect(page.getByRole('button', { name: 'Notify me' }).isVisible()).resolves.toBe(false);
    expect(problems).toEqual([]);
  });
});
