import { ensureChromium } from './chromium';
import globalSetup from '../helpers/global-setup';

// The browser tests need what every integration test needs, and a Chromium: checked first, so a run
// without one stops in seconds instead of failing each browser test after the stack has started.
export default async function browserGlobalSetup(): Promise<void> {
  ensureChromium();
  await globalSetup();
}
