// Whatever a test file starts is stopped when the file ends, even when its beforeAll failed
// halfway. Helpers start their parts through `startScoped`, which registers the parts before they
// exist: a `Promise.all` that rejects early can no longer leave a worker or a child process behind,
// retrying a server that the global teardown has stopped, and keep jest from exiting.
// jest gives every test file its own module registry, so this module's state is per file;
// `stopEverythingStarted` runs after each file (setup-after-env.ts).

type Stop = () => unknown;

/** Stops registered in order of starting, run in reverse; running it again returns the first run. */
class Scope {
  private readonly stops: Stop[] = [];
  private closing: Promise<void> | undefined;

  defer(stop: Stop): void {
    if (this.closing) throw new Error('a part was started after its scope was closed');
    this.stops.push(stop);
  }

  close(): Promise<void> {
    return (this.closing ??= this.stopAll());
  }

  private async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const stop of this.stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} part(s) did not stop`);
  }
}

const open: { scope: Scope; started: Promise<unknown> }[] = [];

export type Defer = (stop: Stop) => void;

/**
 * Starts a resource made of parts: `start` registers each part's stop with `defer` as soon as the
 * part runs. The parts are stopped, last first, by the returned `stop()`, by a failure of `start`,
 * or at the end of the test file, whichever comes first.
 */
export async function startScoped<T extends object>(
  start: (defer: Defer) => Promise<T>,
): Promise<T & { stop: () => Promise<void> }> {
  const scope = new Scope();
  const started = start((stop) => scope.defer(stop));
  open.push({ scope, started });
  try {
    return Object.assign(await started, { stop: () => scope.close() });
  } catch (error) {
    await scope.close().catch(() => undefined);
    throw error;
  }
}

/** Registers one stop for the end of the test file (a child process, a server). */
export function stopAtFileEnd(stop: Stop): void {
  const scope = new Scope();
  scope.defer(stop);
  open.push({ scope, started: Promise.resolve() });
}

/** Waits for starts still in flight, then stops everything the file started, last first. */
export async function stopEverythingStarted(): Promise<void> {
  const entries = open.splice(0).reverse();
  await Promise.allSettled(entries.map(({ started }) => started));
  const errors: unknown[] = [];
  for (const { scope } of entries) await scope.close().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw new AggregateError(errors, 'the test file left parts that did not stop');
}
