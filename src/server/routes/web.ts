import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';

// The two web pages: the agents' console (always) and the sandbox simulator (only with the local
// WhatsApp emulator). Plain files from src/web, read once when the app is built, so a request never
// touches the disk.

// `web` next to this module's parent folder: src/web when run from source, dist/src/web in the build
// (the build script copies it there). A build run inside the repository without that copy still finds
// the sources, so a forgotten copy step cannot take the webhook down with the console.
const WEB_DIRS = [path.resolve(__dirname, '../../web'), path.resolve(__dirname, '../../../../src/web')];
const WEB_DIR = WEB_DIRS.find((dir) => fs.existsSync(path.join(dir, 'console.html'))) ?? WEB_DIRS[0]!;

// Only our own files may run or load: no inline script or style, no framing, no plugins. The pages
// call the API of their own origin with fetch, so connect-src 'self' is all they need. The console
// shows media it fetched with the agent's token (an <img> cannot send one) through object URLs, hence
// blob: for images and nothing else.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
}

/** The URL paths of a page and its assets, mapped to files in src/web. */
const PAGES = {
  console: {
    '/console': 'console.html',
    '/console/console.js': 'console.js',
    '/console/console.css': 'console.css',
    '/console/sse.js': 'sse.js',
    '/console/console-dom.js': 'console-dom.js',
    '/console/console-history.js': 'console-history.js',
    '/console/console-media.js': 'console-media.js',
    '/console/console-attach.js': 'console-attach.js',
    '/console/console-templates.js': 'console-templates.js',
    '/console/console-labels.js': 'console-labels.js',
    '/console/console-labels.css': 'console-labels.css',
    '/console/console-hours.js': 'console-hours.js',
    '/console/console-hours-editor.js': 'console-hours-editor.js',
    '/console/console-hours.css': 'console-hours.css',
    '/console/console-charts.js': 'console-charts.js',
    '/console/console-reports-render.js': 'console-reports-render.js',
    '/console/console-reports.js': 'console-reports.js',
    '/console/console-reports.css': 'console-reports.css',
    '/console/console-campaign-form.js': 'console-campaign-form.js',
    '/console/console-campaigns.js': 'console-campaigns.js',
    '/console/console-campaigns.css': 'console-campaigns.css',
  },
  simulator: {
    '/simulator': 'simulator.html',
    '/simulator/simulator.js': 'simulator.js',
    '/simulator/simulator.css': 'simulator.css',
  },
} as const satisfies Record<string, Record<string, string>>;

export interface WebDeps {
  /** Serve /simulator: true only in sandbox mode, where its messages go to the local emulator. */
  simulator: boolean;
  /** Where the page files are; tests may point elsewhere. */
  dir?: string;
}

export function webRoutes({ simulator, dir = WEB_DIR }: WebDeps): Router {
  const router = new Router();
  const files: Record<string, string> = { ...PAGES.console, ...(simulator ? PAGES.simulator : {}) };
  for (const [urlPath, file] of Object.entries(files)) {
    const asset = readAsset(dir, file);
    router.get(urlPath, (ctx) => {
      ctx.set('Content-Type', asset.type);
      // The pages change with each release and carry no secrets; no-store keeps a stale console from
      // talking to a newer API after a deploy.
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.body = asset.body;
    });
  }
  return router;
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
