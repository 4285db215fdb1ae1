import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../src/config';
import type { Db } from '../src/db/pool';
import { createLogger, maskPhoneNumbers, type LogSink } from '../src/logger';
import { createApp } from '../src/server/app';
import type { ChatCommands } from '../src/server/chat-commands';
import type { EventHub } from '../src/server/event-hub';

interface LoggedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: LoggedError | string;
}

interface LogEntry {
  level: string;
  message: string;
  error?: LoggedError;
  [attr: string]: unknown;
}

class LineSink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): boolean {
    this.lines.push(line);
    return true;
  }
  entries(): LogEntry[] {
    return this.lines.map((line) => JSON.parse(line) as LogEntry);
  }
}

/** An error as HTTP clients build them: the request, with its credentials, rides along. */
function requestError(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), {
    code: 'ECONNRESET',
    request: { headers: { authorization: 'Bearer secret-token' }, body: '{"to":"15550001111"}' },
  });
}

describe('createLogger', () => {
  it('writes an error with its name, message, stack, code and cause chain, one JSON line', () => {
    const sink = new LineSink();
    const root = new TypeError('socket hang up');
    const err = requestError('send failed', root);
    createLogger('info', {}, sink).error('send failed', { error: err });

    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]!.endsWith('\n')).toBe(true);
    const { error } = sink.entries()[0]!;
    expect(error).toEqual({
      name: 'Error',
      message: 'send failed',
      stack: err.stack,
      code: 'ECONNRESET',
      cause: { name: 'TypeError', message: 'socket hang up', stack: root.stack },
    });
  });

  it('keeps nothing else of an error, at any depth of the cause chain', () => {
    const sink = new LineSink();
    createLogger('info', {}, sink).error('failed', { error: requestError('outer', requestError('inner')) });

    expect(sink.lines[0]).not.toContain('secret-token');
    expect(sink.lines[0]).not.toContain('15550001111');
    expect(Object.keys(sink.entries()[0]!.error!.cause!).sort()).toEqual(['code', 'message', 'name', 'stack']);
  });

  it('keeps a string cause and only the type of any other non-Error cause', () => {
    const sink = new LineSink();
    const logger = createLogger('info', {}, sink);
    logger.error('a', { error: new Error('a', { cause: 'timed out' }) });
    logger.error('b', { error: new Error('b', { cause: { phone: '15550001111' } }) });

    const [a, b] = sink.entries();
    expect(a!.error!.cause).toBe('timed out');
    expect(b!.error!.cause).toBe('[object]');
  });

  it('stops a cause chain after five errors, so a cycle still logs', () => {
    const sink = new LineSink();
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    (first as { cause?: unknown }).cause = second;
    createLogger('info', {}, sink).error('loop', { error: first });

    let depth = 0;
    let cause: LoggedError | string | undefined = sink.entries()[0]!.error;
    while (typeof cause === 'object') {
      depth++;
      cause = cause.cause;
    }
    expect(depth).toBe(5);
    expect(cause).toBe('[cause chain truncated]');
  });
});

describe('phone numbers in log lines', () => {
  const phone = '15550002222';

  it.each([
    [`conversation-${phone}`, 'conversation-…2222'],
    [`/api/admin/conversations/${phone}/notes`, '/api/admin/conversations/…2222/notes'],
    [`/api/admin/conversations/+${phone}`, '/api/admin/conversations/…2222'],
    [`/api/admin/conversations/%2B${phone}`, '/api/admin/conversations/%2B…2222'],
    [`no conversation with ${phone}: gone`, 'no conversation with …2222: gone'],
  ])('keeps the last four digits of %s', (text, masked) => {
    expect(maskPhoneNumbers(text)).toBe(masked);
  });

  it.each([
    ['a run id', '3f2a1b9c-1234-4a5b-8c9d-123456789012'],
    ['a task queue', 'test-edubot_test_123_1712345678901_f1'],
    ['an error code', 'code 131047'],
    ['a time', '2024-01-01T00:00:00.000Z'],
    ['a version', 'v1.12345678.9'],
  ])('leaves %s alone', (_what, text) => {
    expect(maskPhoneNumbers(text)).toBe(text);
  });

  it('masks every string of an entry: message, attributes, nested values and errors', () => {
    const sink = new LineSink();
    const logger = createLogger('info', { workflowId: `conversation-${phone}` }, sink);
    logger.warn(`send to ${phone} failed`, {
      path: `/api/admin/conversations/${phone}`,
      nested: { to: [`+${phone}`] },
      error: new Error(`no conversation with ${phone}`, { cause: new Error(`conversation-${phone} not found`) }),
    });

    expect(sink.lines[0]).not.toContain(phone);
    expect(sink.entries()[0]).toMatchObject({
      message: 'send to …2222 failed',
      workflowId: 'conversation-…2222',
      path: '/api/admin/conversations/…2222',
      nested: { to: ['…2222'] },
      error: { message: 'no conversation with …2222', cause: { message: 'conversation-…2222 not found' } },
    });
  });
});

/**
 * Asks the admin API for a conversation while every query fails with `failure`; returns the answer and
 * every line logged.
 */
async function adminRequestFailing(
  failure: unknown,
  phone = '15550002222',
): Promise<{ status: number; body: unknown; logged: LogEntry[]; lines: string[] }> {
  const config = loadConfig({});
  const db = {
    query: () => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
      return Promise.reject(failure);
    },
  } as unknown as Db;
  const sink = new LineSink();
  const app = createApp({
    config,
    db,
    temporal: {} as Client,
    logger: createLogger('info', {}, sink),
    chat: {} as ChatCommands,
    events: {} as EventHub,
  });
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/api/admin/conversations/${phone}`, {
      headers: { authorization: `Bearer ${config.adminToken}` },
    });
    const logged = sink.entries().filter((entry) => entry.message === 'request failed');
    return { status: response.status, body: await response.json(), logged, lines: sink.lines };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('the HTTP error middleware', () => {
  it('answers 500 and logs the stack and cause of an unexpected error', async () => {
    const failure = new Error('database unreachable', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    const { status, body, logged } = await adminRequestFailing(failure);

    expect(status).toBe(500);
    expect(body).toEqual({ status: 'error', error: { code: 'internal_error', message: 'Internal error' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', method: 'GET' });
    expect(logged[0]!.error!.stack).toBe(failure.stack);
    expect(logged[0]!.error!.cause).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:5432' });
  });

  it('logs only the type of a thrown value that is not an Error', async () => {
    const { status, logged } = await adminRequestFailing({ phone: '15550001111' });

    expect(status).toBe(500);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.error).toBe('[thrown object]');
  });

  it('logs a request path that holds a phone number with the number masked', async () => {
    const phone = '15550002222';
    const { status, logged, lines } = await adminRequestFailing(new Error('database unreachable'), phone);

    expect(status).toBe(500);
    expect(logged).toMatchObject([{ method: 'GET', path: '/api/admin/conversations/…2222' }]);
    for (const line of lines) expect(line).not.toContain(phone);
  });
});
