import type http from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../logger';

// What happens outside any route: a request Node's parser refuses before Koa sees it, and an error
// Koa reports after the answer was given (a client that went away mid-answer).

const CLIENT_GONE = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A request Node cannot parse still gets the JSON error body every other answer has. */
export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || CLIENT_GONE.has(err.code ?? '')) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      status: 'error',
      error: tooLarge
        ? { code: 'headers_too_large', message: 'The request headers are too large' }
        : { code: 'bad_request', message: 'The request could not be parsed' },
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  });
}

/** Koa's own error reports go to the logger; a client that left mid-answer is no error of ours. */
export function logAppErrors(app: Koa, logger: Logger): void {
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (CLIENT_GONE.has(err.code ?? '')) logger.debug('client went away mid-answer', { code: err.code });
    else logger.warn('error after answering', { error: err });
  });
}
