import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

// The browser tests drive Debian's Chromium through playwright-core: a test tool's own browser
// download cannot work on this project's machines. `npm test` installs the package when it is
// missing and it can (root on Debian); otherwise it stops at once with one line saying what to do.

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** CHROMIUM_PATH, else Debian's Chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
}

/** Thrown when no Chromium is there and none can be installed; the message is the one line to act on. */
export class ChromiumUnavailableError extends Error {
  override name = 'ChromiumUnavailableError';
}

/** Makes sure a Chromium is at `chromiumPath()`, installing Debian's package as root when it is not. */
export function ensureChromium(
  env: NodeJS.ProcessEnv = process.env,
  log = (line: string) => process.stderr.write(line),
): string {
  const path = chromiumPath(env);
  if (fs.existsSync(path)) return path;
  if (env.CHROMIUM_PATH) {
    throw new ChromiumUnavailableError(
      `CHROMIUM_PATH=${path} does not exist: point it at a Chromium binary, or unset it`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  if (!asRoot || !commandExists('apt-get')) {
    throw new ChromiumUnavailableError(
      `no Chromium at ${path}: install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  log(`\nno Chromium at ${path}: installing Debian's chromium package for the browser tests (once, about a minute)\n`);
  // A second run installing at the same time holds dpkg's lock: wait for it instead of failing.
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', 'chromium'],
  ]) {
    const run = spawnSync('apt-get', args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      const reason = (run.stderr || `exit code ${run.status}`).trim().split('\n').pop();
      throw new ChromiumUnavailableError(
        `apt-get ${args[0]} failed (${reason}): install chromium, or set CHROMIUM_PATH`,
      );
    }
  }
  if (!fs.existsSync(path))
    throw new ChromiumUnavailableError(`the chromium package installed no ${path}: set CHROMIUM_PATH`);
  return path;
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
