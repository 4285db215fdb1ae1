import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { JAVASCRIPT, sendWebAsset } from './web-headers';

// GET /lib/lit-html/<path>.js: the view library the pages import, served by this server from the
// installed package (the CSP allows scripts from 'self' only, and nothing is copied into src/web by
// hand). The browser build's files only, read once when the app is built: the package's root and its
// directives/, .js files, nothing else (no development/ or node/ builds, no source maps, no
// package.json). One route per file: `..`, an encoded slash or any other path matches none of them.

const PREFIX = '/lib/lit-html/';
// The browser build: what the package's exports map gives the `browser` condition by default.
const SERVED_DIRS = ['', 'directives/'];

/** The package's folder, wherever node_modules is (beside src/ when run from source, or from dist/). */
export function packageDir(name: string): string {
  // The package exports no package.json: resolve its main file, then walk up to the folder whose
  // package.json names it.
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name)
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no folder of package ${name} above ${require.resolve(name)}`);
    dir = parent;
  }
}

/** The served files: URL path under /lib/lit-html/ → contents. */
export function litHtmlFiles(dir = packageDir('lit-html')): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const sub of SERVED_DIRS) {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.js'))
        files.set(sub + entry.name, fs.readFileSync(path.join(dir, sub, entry.name)));
    }
  }
  if (!files.has('lit-html.js')) throw new Error(`${dir} holds no lit-html.js: is lit-html installed?`);
  return files;
}

export function webLibraryRoutes(): Router {
  const router = new Router();
  for (const [file, body] of litHtmlFiles()) router.get(PREFIX + file, (ctx) => sendWebAsset(ctx, JAVASCRIPT, body));
  return router;
}
