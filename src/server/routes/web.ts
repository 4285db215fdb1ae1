import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { sendWebAsset } from './web-headers';

// The two web pages: the agents' console (always) and the sandbox simulator (only with the local
// WhatsApp emulator). Plain files from src/web, read once when the app is built, so a request never
// touches the disk.

// `web` next to this module's parent folder: src/web when run from source, dist/src/web in the build
// (the build script copies it there). A build run inside the repository without that copy still finds
// the sources, so a forgotten copy step cannot take the webhook down with the console.
const WEB_DIRS = [path.resolve(__dirname, '../../web'), path.resolve(__dirname, '../../../../src/web')];
const WEB_DIR = WEB_DIRS.find((dir) => fs.existsSync(path.join(dir, 'console.html'))) ?? WEB_DIRS[0]!;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The pages and the files that belong to each. A page is `/<name>` (its `<name>.html`); its scripts and
 * styles are `/<name>/<file>`. The simulator's files are `simulator*`; every other script and style is
 * the console's. Anything else in the folder (TypeScript declarations, dotfiles, other pages) is never
 * served, and a name outside the folder's listing cannot be asked for: there is no route for it.
 */
const PAGES = {
  console: (file: string) => !file.startsWith('simulator'),
  simulator: (file: string) => file.startsWith('simulator'),
} as const satisfies Record<string, (file: string) => boolean>;

export interface WebDeps {
  /** Serve /simulator: true only in sandbox mode, where its messages go to the local emulator. */
  simulator: boolean;
  /** Where the page files are; tests may point elsewhere. */
  dir?: string;
}

export function webRoutes({ simulator, dir = WEB_DIR }: WebDeps): Router {
  const router = new Router();
  const pages: (keyof typeof PAGES)[] = simulator ? ['console', 'simulator'] : ['console'];
  for (const [urlPath, asset] of pageAssets(dir, pages)) {
    router.get(urlPath, (ctx) => sendWebAsset(ctx, asset.type, asset.body));
  }
  return router;
}

/** Every served URL path and its file, read once: each page's HTML and its own scripts and styles. */
function pageAssets(dir: string, pages: (keyof typeof PAGES)[]): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const page of pages) assets.set(`/${page}`, readAsset(dir, `${page}.html`));
  const files = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  for (const entry of files) {
    const file = entry.name;
    const extension = path.extname(file);
    if (!entry.isFile() || file.startsWith('.') || extension === '.html' || !Object.hasOwn(TYPES, extension)) continue;
    const page = pages.find((name) => PAGES[name](file));
    if (page !== undefined) assets.set(`/${page}/${file}`, readAsset(dir, file));
  }
  return assets;
}

function readAsset(dir: string, file: string): Asset {
  const type = TYPES[path.extname(file)];
  if (type === undefined) throw new Error(`web asset ${file} has no known content type`);
  try {
    return { type, body: fs.readFileSync(path.join(dir, file)) };
  } catch (err) {
    throw new Error(`web asset ${file} is missing from ${dir}; the build copies src/web to dist/src/web`, {
      cause: err,
    });
  }
}
