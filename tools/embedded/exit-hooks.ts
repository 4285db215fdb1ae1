// Keeps embedded child processes (Temporal's server and Web UI, Postgres, a Go build) from outliving the
// Node process that started them.
//
// - On a normal exit (`process.exit()`, an empty event loop) the 'exit' event runs every cleanup.
// - A signal that nobody handles kills Node without an 'exit' event, so we also listen for
//   SIGINT/SIGTERM/SIGHUP. We only act when we are the sole listener: an entry point with its own
//   graceful shutdown owns the signal and calls stop() itself. When we act, we run the cleanups,
//   remove ourselves and re-raise the signal so the process still dies the way it would have.

type Cleanup = () => void;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const cleanups = new Set<Cleanup>();
const signalListeners = new Map<NodeJS.Signals, () => void>();

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away and has nowhere left to report to.
    }
  }
  cleanups.clear();
}

function onExit(): void {
  runCleanups();
  uninstall();
}

function install(): void {
  process.on('exit', onExit);
  for (const signal of SIGNALS) {
    const listener = (): void => {
      if (process.listenerCount(signal) > 1) return;
      runCleanups();
      uninstall();
      process.kill(process.pid, signal);
    };
    signalListeners.set(signal, listener);
    process.on(signal, listener);
  }
}

function uninstall(): void {
  process.removeListener('exit', onExit);
  for (const [signal, listener] of signalListeners) process.removeListener(signal, listener);
  signalListeners.clear();
}

/**
 * Runs `cleanup` (synchronously: only signals can be sent at exit time) when the process exits or
 * is killed by an unhandled signal. Returns a function that unregisters it once the child is stopped.
 */
export function onProcessExit(cleanup: Cleanup): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup) && cleanups.size === 0) uninstall();
  };
}
