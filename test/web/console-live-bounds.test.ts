import { openPage, signIn } from './browser';
import { useConsoleStack, type TestAgent } from './console-helpers';
import { sleep } from '../helpers/wait';

// The console in Chromium when its token opens more event streams than the server keeps for one token
// (five): the server ends the oldest with `event: superseded`, and the console stops there instead of
// reconnecting, which would push out another of the token's streams, which would reconnect in turn.

const setup = useConsoleStack(['Ada']);

interface OtherStream {
  events: string[];
  close(): void;
}

/** One of the token's other streams (another tab, say), noting the kind of each event it gets. */
async function openOtherStream(baseUrl: string, token: string): Promise<OtherStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/admin/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const events: string[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const match of decoder.decode(value, { stream: true }).matchAll(/^event: (.*)$/gm)) events.push(match[1]!);
      }
    } catch {
      // Aborted by close().
    }
  })();
  return { events, close: () => controller.abort() };
}

it('stops following, and says so, when a newer stream of its token supersedes its own', async () => {
  const { stack, browser } = setup;
  const [ada] = setup.agents as [TestAgent];
  const { page, problems } = await openPage(browser);
  await signIn(page, stack.baseUrl, ada.token);

  const others: OtherStream[] = [];
  try {
    for (let i = 0; i < 5; i++) others.push(await openOtherStream(stack.baseUrl, ada.token));
    await page.locator('#live').filter({ hasText: 'Paused' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#live').getAttribute('class')).not.toContain('live-ok');

    // Past the console's reconnection delay (3 s): had it reconnected, the oldest of the others
    // would have been superseded in its turn.
    await sleep(7_000);
    expect(others.map((s) => s.events.filter((e) => e === 'superseded').length)).toEqual([0, 0, 0, 0, 0]);
    await expect(page.locator('#live').textContent()).resolves.toContain('Paused');
    expect(problems).toEqual([]);
  } finally {
    for (const stream of others) stream.close();
  }
});
