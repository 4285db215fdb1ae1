import net from 'node:net';
import Koa from 'koa';
import { logAppErrors } from '../../src/server/client-errors';
import { createLogger } from '../../src/logger';
import { startScoped } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';

// Requests Node's HTTP parser refuses before any route sees them still get a JSON error body, and an
// error Koa reports after answering goes to the logger, not to stderr as a bare stack.

let port: number;

beforeAll(async () => {
  const app = new Koa();
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  const { baseUrl } = await startScoped(async (defer) => ({ baseUrl: await serveOnLoopback(app, defer) }));
  port = Number(new URL(baseUrl).port);
});

/** Sends raw bytes and reads the whole answer. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

describe('requests the HTTP parser refuses', () => {
  it('answers a malformed request 400 with a JSON error', async () => {
    const answer = await raw('GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 400 /);
    expect(answer).toContain('content-type: application/json');
    expect(bodyOf(answer)).toEqual({ status: 'error', error: { code: 'bad_request', message: expect.any(String) } });
  });

  it('answers headers past the limit 431 with a JSON error', async () => {
    const answer = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(bodyOf(answer)).toMatchObject({ error: { code: 'headers_too_large' } });
  });
});

describe("Koa's error reports", () => {
  it('logs a client gone mid-answer at debug and anything else as a warning', () => {
    const app = new Koa();
    const seen: { level: string; message: string }[] = [];
    logAppErrors(app, createLogger('debug', {}, { write: (line: string) => seen.push(JSON.parse(line)) }));
    app.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    app.emit('error', new Error('something else'));
    expect(seen.map((l) => [l.level, l.message])).toEqual([
      ['debug', 'client went away mid-answer'],
      ['warn', 'error after answering'],
    ]);
  });
});
