// One structured logger for the whole process: a JSON line per entry on stderr. Callers pass
// attributes, never secrets, tokens, phone numbers or message bodies.

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

export function createLogger(level: LogLevel = 'info', base: LogAttrs = {}, sink = process.stderr): Logger {
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

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
