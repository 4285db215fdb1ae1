import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { loadConfig } from '../../src/config';
import { readRawBody } from '../../src/server/raw-body';
import { sandboxRoutes, simulatedWebhook, SandboxMessageBody } from '../../tools/sandbox/routes';
import { webRoutes } from '../../src/server/routes/web';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';
import type { GraphFake } from '../../tools/sandbox/graph-fake';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { verifySignature } from '../../src/whatsapp/signature';

// The web pages without a browser: how they are served, that their scripts only ever put data in as
// text, the event-stream parser and its resume logic, and the webhook the simulator builds.

const WEB_DIR = path.resolve(__dirname, '../../src/web');

interface SseEvent {
  id: string;
  event: string;
  data: string;
}
interface SseModule {
  createSseParser(
    onEvent: (event: SseEvent) => void,
    onRetry?: (ms: number) => void,
  ): { push(text: string): void; lastEventId: string };
  followEvents(options: Record<string, unknown>): { stop(): void; lastEventId: string };
}
// A browser ES module with no types of its own; jest compiles src/web's modules for Node (jest.config.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JavaScript module without declarations
const sse = require('../../src/web/sse.js') as SseModule;

async function serve(app: Koa, host = '127.0.0.1'): Promise<{ url: string; port: number; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler settles every request itself (ctx.onerror) and never rejects
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('webRoutes', () => {
  it('serves the simulator only when asked to, and every file with its type, no-store and the policy', async () => {
    for (const simulator of [false, true]) {
      const app = new Koa();
      const router = webRoutes({ simulator });
      app.use(router.routes()).use(router.allowedMethods());
      const server = await serve(app);
      try {
        const console = await fetch(`${server.url}/console`);
        expect(console.status).toBe(200);
        expect(console.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(console.headers.get('cache-control')).toBe('no-store');
        expect(console.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        expect(console.headers.get('x-content-type-options')).toBe('nosniff');
        expect(await console.text()).toBe(fs.readFileSync(path.join(WEB_DIR, 'console.html'), 'utf8'));
        expect((await fetch(`${server.url}/simulator`)).status).toBe(simulator ? 200 : 404);
        expect((await fetch(`${server.url}/simulator/simulator.js`)).status).toBe(simulator ? 200 : 404);
        expect((await fetch(`${server.url}/console/nothing.js`)).status).toBe(404);
      } finally {
        await server.close();
      }
    }
  });

  it('serves the folder by its listing: scripts and styles of each page, nothing else', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-web-'));
    const dir = path.join(root, 'web');
    fs.mkdirSync(dir);
    const files: Record<string, string> = {
      'console.html': '<p>console</p>',
      'console-part.js': 'export const part = 1;',
      'shared.js': 'export const shared = 1;',
      'console.css': 'p {}',
      'simulator.html': '<p>simulator</p>',
      'simulator-part.js': 'export const sim = 1;',
      'api-types.d.ts': 'export type A = 1;',
      'notes.ts': 'export {};',
      '.hidden.js': 'secret',
      'other.html': '<p>other</p>',
      'README.md': 'text',
    };
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.writeFileSync(path.join(dir, 'lib', 'inner.js'), 'export {};');
    fs.writeFileSync(path.join(root, 'outside.js'), 'outside');
    const app = new Koa();
    const router = webRoutes({ simulator: false, dir });
    app.use(router.routes()).use(router.allowedMethods());
    const server = await serve(app);
    try {
      const status = async (urlPath: string) => (await fetch(`${server.url}${urlPath}`)).status;
      const part = await fetch(`${server.url}/console/console-part.js`);
      expect(part.status).toBe(200);
      expect(part.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(part.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(part.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await part.text()).toBe(files['console-part.js']);
      expect(await status('/console/shared.js')).toBe(200);
      expect(await status('/console/console.css')).toBe(200);
      for (const refused of [
        '/console/console.html',
        '/console/other.html',
        '/other',
        '/console/api-types.d.ts',
        '/console/notes.ts',
        '/console/.hidden.js',
        '/console/README.md',
        '/console/lib/inner.js',
        '/console/../outside.js',
        '/console/%2e%2e/outside.js',
        '/console/simulator-part.js',
        '/simulator',
        '/simulator/simulator-part.js',
      ])
        expect([refused, await status(refused)]).toEqual([refused, 404]);
    } finally {
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the missing file when the pages were not copied next to the build', () => {
    expect(() => webRoutes({ simulator: false, dir: '/nonexistent' })).toThrow(/console\.html is missing/);
  });

  it('allows only same-origin scripts, styles and connections', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});

describe('page sources', () => {
  const files = fs.readdirSync(WEB_DIR);
  const scripts = files.filter((f) => f.endsWith('.js'));
  const pages = files.filter((f) => f.endsWith('.html'));

  it.each(scripts)('%s never turns data into markup or code', (file) => {
    const source = fs.readFileSync(path.join(WEB_DIR, file), 'utf8');
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
      "setAttribute('on",
      '.srcdoc',
    ]) {
      expect(source).not.toContain(sink);
    }
  });

  it.each(pages)('%s has no inline script, style or event handler and loads nothing from elsewhere', (file) => {
    const html = fs.readFileSync(path.join(WEB_DIR, file), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('keeps the token out of forms: the token field has no name, so no submission can carry it', () => {
    const html = fs.readFileSync(path.join(WEB_DIR, 'console.html'), 'utf8');
    expect(html).toMatch(/<input id="token" type="password"(?![^>]*\bname=)[^>]*>/);
    const script = scripts
      .filter((f) => !f.startsWith('simulator'))
      .map((f) => fs.readFileSync(path.join(WEB_DIR, f), 'utf8'))
      .join('\n');
    expect(script).toContain('sessionStorage');
    expect(script).not.toContain('localStorage');
    expect(script).not.toMatch(/[?&](token|access_token)=/);
  });
});

describe('event-stream parser', () => {
  const stream =
    'retry: 3000\n: connected\n\n' +
    'id: 7\nevent: message\ndata: {"phone":"1555"}\n\n' +
    ': heartbeat\n\n' +
    'id: 8\r\nevent: state\r\ndata: line one\r\ndata: line two\r\n\r\n' +
    'data:no space\nid: 9\n\n';

  const expected = [
    { id: '7', event: 'message', data: '{"phone":"1555"}' },
    { id: '8', event: 'state', data: 'line one\nline two' },
    { id: '9', event: 'message', data: 'no space' },
  ];

  it('reads events, ids, multi-line data, comments and retry, whole', () => {
    const events: SseEvent[] = [];
    const retries: number[] = [];
    const parser = sse.createSseParser(
      (e) => events.push(e),
      (ms) => retries.push(ms),
    );
    parser.push(stream);
    expect(events).toEqual(expected);
    expect(retries).toEqual([3000]);
    expect(parser.lastEventId).toBe('9');
  });

  it('gives the same events however the bytes are split, \\r\\n across chunks included', () => {
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const events: SseEvent[] = [];
      const parser = sse.createSseParser((e) => events.push(e));
      for (let i = 0; i < stream.length; i += size) parser.push(stream.slice(i, i + size));
      expect(events).toEqual(expected);
    }
  });

  it('waits for the blank line before dispatching', () => {
    const events: SseEvent[] = [];
    const parser = sse.createSseParser((e) => events.push(e));
    parser.push('id: 1\ndata: x\n');
    expect(events).toEqual([]);
    parser.push('\n');
    expect(events).toHaveLength(1);
  });
});

describe('followEvents', () => {
  function body(text: string): ReadableStream<Uint8Array> {
    return new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });
  }

  it('sends the token as a header and resumes after a drop with Last-Event-ID', async () => {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const received: string[] = [];
    const statuses: string[] = [];
    const answers = [
      () => new Response(body('retry: 10\n\nid: 41\ndata: {"n":1}\n\nid: 42\ndata: {"n":2}\n\n'), { status: 200 }),
      () => new Response(body('id: 43\ndata: {"n":3}\n\n'), { status: 200 }),
    ];
    let follower: { stop(): void } | undefined;
    const done = new Promise<void>((resolve) => {
      follower = sse.followEvents({
        url: '/api/admin/events',
        token: 'secret-token',
        fetch: async (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => {
          calls.push({ url, headers: init.headers });
          const next = answers.shift();
          // Like fetch: a request in flight ends when it is aborted.
          if (!next)
            return new Promise((_, reject) =>
              init.signal.addEventListener('abort', () => reject(new Error('aborted'))),
            );
          return next();
        },
        onEvent: (event: SseEvent) => {
          received.push(event.data);
          if (received.length === 3) resolve();
        },
        onStatus: (status: string) => statuses.push(status),
      });
    });
    await done;
    follower!.stop();
    expect(received).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(calls.map((c) => c.url)).toEqual(['/api/admin/events', '/api/admin/events']);
    expect(calls[0]!.headers).toMatchObject({ Authorization: 'Bearer secret-token' });
    expect(calls[0]!.headers['Last-Event-ID']).toBeUndefined();
    expect(calls[1]!.headers['Last-Event-ID']).toBe('42');
    expect(statuses).toContain('reconnecting');
  });

  it('stops without retrying when the token is refused', async () => {
    let calls = 0;
    const status = await new Promise<string>((resolve) => {
      sse.followEvents({
        url: '/api/admin/events',
        token: 'revoked',
        fetch: async () => {
          calls++;
          return new Response('{}', { status: 401 });
        },
        onEvent: () => undefined,
        onStatus: (s: string) => {
          if (s === 'unauthorized') resolve(s);
        },
      });
    });
    expect(status).toBe('unauthorized');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
  });
});

describe('the simulator webhook', () => {
  const at = Date.UTC(2025, 0, 31, 12, 0, 0);

  it('is a Meta-shaped text message the product parses back', () => {
    const input = SandboxMessageBody.parse({ from: '+1 555-000-1111', name: 'Ada', text: 'Hello' });
    const parsed = parseWebhook(simulatedWebhook(input, 'wamid.A', at, '106000000000001'), at + 5);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.messages).toEqual([
      {
        waMessageId: 'wamid.A',
        sender: { phone: '15550001111' },
        profileName: 'Ada',
        sentAt: at,
        receivedAt: at + 5,
        content: { kind: 'text', text: 'Hello' },
      },
    ]);
  });

  it.each([
    ['button', { kind: 'button', id: 'register', title: '📝 Register' }],
    ['list', { kind: 'list', id: 'support', title: 'Chat Support' }],
  ] as const)('carries a %s reply with its id, title and context', (_, reply) => {
    const input = SandboxMessageBody.parse({ from: '15550001111', name: 'Ada', reply, context: 'wamid.BOT1' });
    const [message] = parseWebhook(simulatedWebhook(input, 'wamid.B', at, '106000000000001'), at).messages;
    expect(message).toMatchObject({ contextId: 'wamid.BOT1', content: reply });
  });

  it('names a username user by the BSUID only: from_user_id, user_id and the username, no from and no wa_id', () => {
    const input = SandboxMessageBody.parse({
      userId: 'US.13491208655302741918',
      username: '@ada.hidden',
      name: 'Ada',
      text: 'Hello',
    });
    const body = simulatedWebhook(input, 'wamid.C', at, '106000000000001');
    const json = JSON.stringify(body);
    expect(json).not.toContain('"from"');
    expect(json).not.toContain('"wa_id"');
    const [message] = parseWebhook(body, at).messages;
    expect(message).toMatchObject({
      waMessageId: 'wamid.C',
      sender: { bsuid: 'US.13491208655302741918', username: 'ada.hidden' },
      profileName: 'Ada',
      content: { kind: 'text', text: 'Hello' },
    });
    expect(message!.sender.phone).toBeUndefined();
  });

  it('sends user_changed_number with the new number and user_changed_user_id with only the new BSUID', () => {
    const number = SandboxMessageBody.parse({
      from: '15550001111',
      userId: 'US.13491208655302741918',
      name: 'Ada',
      system: { type: 'user_changed_number', newPhone: '+1 555 000 9999', newUserId: 'US.58213409917736420155' },
    });
    const [changed] = parseWebhook(simulatedWebhook(number, 'wamid.D', at, '106000000000001'), at).messages;
    expect(changed).toMatchObject({
      sender: { phone: '15550001111', bsuid: 'US.13491208655302741918' },
      identityChange: { type: 'user_changed_number', phone: '15550009999', bsuid: 'US.58213409917736420155' },
    });

    const hidden = SandboxMessageBody.parse({
      userId: 'US.13491208655302741918',
      name: 'Ada',
      system: { type: 'user_changed_user_id', newUserId: 'US.58213409917736420155' },
    });
    const body = simulatedWebhook(hidden, 'wamid.E', at, '106000000000001');
    expect(JSON.stringify(body)).not.toMatch(/"(from|wa_id|contacts)"/);
    const [renamed] = parseWebhook(body, at).messages;
    expect(renamed).toMatchObject({
      sender: { bsuid: 'US.13491208655302741918' },
      identityChange: { type: 'user_changed_user_id', bsuid: 'US.58213409917736420155' },
    });
  });
});

describe('POST /sandbox/messages', () => {
  it('posts a signed webhook to the server it arrived on, over IPv4 or IPv6, and answers with its wamid', async () => {
    const config = loadConfig({});
    const received: { signed: boolean; body: unknown }[] = [];
    const app = new Koa();
    const webhook = new Router();
    // Stands in for the real webhook route: checks the signature as it does, and answers as it does
    // (the answer is checked against the OpenAPI document).
    webhook.post('/api/webhook/whatsapp', async (ctx) => {
      const raw = await readRawBody(ctx, 1 << 20);
      received.push({
        signed: verifySignature(raw, ctx.get('x-hub-signature-256'), config.whatsapp.appSecret),
        body: JSON.parse(raw.toString()),
      });
      ctx.body = { status: 'success', messages: 1, statuses: 0, quarantined: 0 };
    });
    const sandbox = sandboxRoutes({} as GraphFake, config);
    app.use(webhook.routes()).use(sandbox.routes());
    // Listening on :: as `npm start` does, reached over 127.0.0.1 and over ::1.
    const server = await serve(app, '::');
    try {
      for (const origin of [`http://127.0.0.1:${server.port}`, `http://[::1]:${server.port}`]) {
        const response = await fetch(`${origin}/sandbox/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            from: '15550001111',
            name: 'Ada',
            reply: { kind: 'list', id: 'support', title: 'Chat Support' },
          }),
        });
        expect(response.status).toBe(200);
        const { waMessageId } = (await response.json()) as { waMessageId: string };
        const last = received[received.length - 1]!;
        expect(last.signed).toBe(true);
        const [message] = parseWebhook(last.body, Date.now()).messages;
        expect(message).toMatchObject({
          waMessageId,
          sender: { phone: '15550001111' },
          content: { kind: 'list', id: 'support', title: 'Chat Support' },
        });
      }
      expect(received).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
