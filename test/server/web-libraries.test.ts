import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';
import { packageDir, webLibraryRoutes } from '../../src/server/routes/web-libraries';
import { startScoped } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';

// The view library the pages import, served from the installed package over a real socket.

async function serve(): Promise<string> {
  const app = new Koa();
  const router = webLibraryRoutes();
  app.use(router.routes()).use(router.allowedMethods());
  const { baseUrl } = await startScoped(async (defer) => ({ baseUrl: await serveOnLoopback(app, defer) }));
  return baseUrl;
}

/** A GET whose path goes out as written: fetch() would resolve `..` before sending. */
function rawGet(baseUrl: string, rawPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${baseUrl}/`, { path: rawPath }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('GET /lib/lit-html/…', () => {
  const dir = path.resolve(__dirname, '../../node_modules/lit-html');

  it('serves the browser build of the installed package, as the pages are served', async () => {
    expect(packageDir('lit-html')).toBe(dir);
    const baseUrl = await serve();
    for (const file of ['lit-html.js', 'directives/repeat.js', 'directive.js']) {
      const response = await fetch(`${baseUrl}/lib/lit-html/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await response.arrayBuffer()).equals(fs.readFileSync(path.join(dir, file)))).toBe(true);
    }
  });

  it('answers 404 for anything but those .js files', async () => {
    const baseUrl = await serve();
    // Files the package has but the pages need not: its manifest, source maps, the other builds, types.
    for (const file of [
      'package.json',
      'lit-html.js.map',
      'lit-html.d.ts',
      'development/lit-html.js',
      'node/lit-html.js',
    ]) {
      expect(fs.existsSync(path.join(dir, file))).toBe(true);
      expect((await fetch(`${baseUrl}/lib/lit-html/${file}`)).status).toBe(404);
    }
    for (const raw of [
      '/lib/lit-html/../package.json',
      '/lib/lit-html/directives/../../lit-html/package.json',
      '/lib/lit-html/%2e%2e/package.json',
      '/lib/lit-html/directives%2f..%2fpackage.json',
      '/lib/lit-html/',
      '/lib/lit-html/nothing.js',
    ]) {
      expect([raw, await rawGet(baseUrl, raw)]).toEqual([raw, 404]);
    }
  });
});
