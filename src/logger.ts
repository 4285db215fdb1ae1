// One structured logger for the whole process: a JSON line per entry on stderr. Callers pass
// attributes, never secrets, tokens, phone numbers or message bodies. Phone numbers still arrive
// through values the product does not write itself (the Temporal SDK's `workflowId` on every
// workflow and activity line, a request path, an error message): every string is masked here.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogAttrs = Record<string, unknown>;

export interface Logger {
  debug(message: string, attrs?: LogAttrs): void;
  info(message: string, attrs?: LogAttrs): void;
  warn(message: string, attrs?: LogAttrs): void;
  error(message: string, attrs?: LogAttrs): void;
  child(attrs: LogAttrs): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where the JSON lines go: process.stderr, or anything else with a write method. */
export interface LogSink {
  write(line: string): unknown;
}

export function createLogger(level: LogLevel = 'info', base: LogAttrs = {}, sink: LogSink = process.stderr): Logger {
  const write = (entryLevel: LogLevel, message: string, attrs?: LogAttrs): void => {
    if (RANK[entryLevel] < RANK[level]) return;
    const entry = { time: new Date().toISOString(), level: entryLevel, message, ...base, ...attrs };
    sink.write(JSON.stringify(entry, errorReplacer) + '\n');
  };
  return {
    debug: (m, a) => write('debug', m, a),
    info: (m, a) => write('info', m, a),
    warn: (m, a) => write('warn', m, a),
    error: (m, a) => write('error', m, a),
    child: (attrs) => createLogger(level, { ...base, ...attrs }, sink),
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

// Causes nest rarely more than two or three deep; the bound also stops a cycle of causes.
const MAX_CAUSE_DEPTH = 5;

function errorReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value);
  return value instanceof Error ? serializeError(value, 0) : value;
}

// A WhatsApp number (E.164 digits, 8 to 15 of them, `+` optional, or `%2B` in a raw path) standing
// alone, or as the digits of a conversation's workflow id. Digits inside a word, a dotted number or a
// dash-joined id (a UUID's groups, a task queue name) are something else and stay.
const PHONE_NUMBER = /(?:(?<=\bconversation-|%2[Bb])|(?<![\w.+-]))\+?\d{4,11}(\d{4})(?![\w.-])/g;

/** Keeps only the last four digits of every phone number in `text`: `conversation-…2222`, `/conversations/…2222/`. */
export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_NUMBER, '…$1');
}

/**
 * Only name, message, stack, code and cause: errors such as HTTP clients' may carry the request,
 * with its headers and body, in other fields.
 */
function serializeError(err: Error, depth: number): LogAttrs {
  const out: LogAttrs = { name: err.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined) {
    if (depth + 1 >= MAX_CAUSE_DEPTH) out.cause = '[cause chain truncated]';
    else if (err.cause instanceof Error) out.cause = serializeError(err.cause, depth + 1);
    // A string cause is kept as a message is; any other non-Error by its type alone.
    else out.cause = typeof err.cause === 'string' ? err.cause : `[${typeof err.cause}]`;
  }
  return out;
}
