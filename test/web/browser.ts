import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stopAtFileEnd } from '../helpers/cleanup';
import { chromiumPath } from './chromium';

// Debian's Chromium driven by playwright-core: no browser download, nothing from the network. The
// browser project's global setup installs it when it is missing (chromium.ts).

/** A headless Chromium, closed at the end of the test file if the test does not close it first. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: run the tests with npm test`);
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  stopAtFileEnd(() => browser.close());
  return browser;
}

/** A page that records script errors, dialogs (an injected alert would open one) and CSP violations. */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

/** Signs in to the console at `baseUrl` with `token` and waits until its live stream is open. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#live.live-ok').waitFor({ timeout: 10_000 });
}

/**
 * Saves a screenshot and returns its path: outside the repository, or where SCREENSHOTS_DIR says
 * (`npm run screenshots` makes the README's pictures from the browser tests that way).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.SCREENSHOTS_DIR
    ? path.resolve(process.env.SCREENSHOTS_DIR)
    : path.join(os.tmpdir(), 'edubot-web-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
