import { ConfigError, loadConfig, type Config, type ProcessRole } from './config';
import { createLogger, type Logger } from './logger';

// What every entry point shares: config or a one-line exit, one logger, and graceful shutdown.

export interface EntryContext {
  config: Config;
  logger: Logger;
  /** Registers cleanup run in reverse order on SIGINT/SIGTERM or a fatal error. */
  onShutdown: (fn: () => Promise<void>) => void;
  fatal: (err: unknown) => void;
}

/** Runs an entry point: `role` says which credentials it needs (see ProcessRole). */
export function runEntry(name: string, main: (ctx: EntryContext) => Promise<void>, role: ProcessRole = 'all'): void {
  let config: Config;
  try {
    config = loadConfig(process.env, role);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { process: name });
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => logger.error('shutdown step failed', { error: err }));
    }
    process.exit(code);
  };
  const fatal = (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${name}: ${err.message}\n`);
    else logger.error(`${name} failed`, { error: err, stack: err instanceof Error ? err.stack : undefined });
    void shutdown(1);
  };
  // `on`, not `once`: a repeated signal (Ctrl-C reaches npm and node both) finds shutdown under way, and
  // the embedded processes' exit hooks keep seeing another listener, so they leave the order to us.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  main({ config, logger, onShutdown: (fn) => cleanups.push(fn), fatal }).catch(fatal);
}
