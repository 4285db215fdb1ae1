import type { Conversation, ConversationPool } from './phase-pool';
import type { PhaseMetrics } from './phase-metrics';

// When a phase's users write: open loop (by time, Poisson or fixed intervals), closed loop (each user
// writes again once answered), the scale run's new, cached and evicted conversations, and one
// long-lived conversation. Each schedule calls `fire` at an arrival's scheduled time and never waits for
// answers (except the closed loop, by definition).

const now = (): number => performance.timeOrigin + performance.now();

export interface ArrivalHost {
  readonly startedAt: number;
  readonly measureFrom: number;
  /** Set when the orchestrator ended the arrivals early (the campaign phase, once its campaign is done). */
  readonly arrivalsEnded: boolean;
  readonly pool: ConversationPool;
  readonly metrics: PhaseMetrics;
  random(): number;
  fire(c: Conversation, scheduledAt: number, warmth?: string): void;
  /** The closed loop's hook: called when a conversation's answer is complete. */
  onIdle: ((c: Conversation) => void) | undefined;
  progress(line: string): void;
  readonly name: string;
}

export async function openLoop(host: ArrivalHost, rate: number, totalMs: number, poisson: boolean): Promise<void> {
  const end = host.startedAt + totalMs;
  const interval = 1000 / rate;
  let next = host.startedAt;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const t = now();
      while (next <= t && next < end && !host.arrivalsEnded) {
        host.metrics.lag.push(t - next);
        const c = host.pool.pickOpen();
        if (c) host.fire(c, next);
        else if (next >= host.measureFrom) host.metrics.skipped += 1;
        next += poisson ? -Math.log(1 - host.random()) * interval : interval;
      }
      if (next >= end || host.arrivalsEnded) return resolve();
      // At most a second's sleep, so an early end is seen in time.
      setTimeout(tick, Math.min(1000, Math.max(0, next - now())));
    };
    tick();
  });
}

export function closedLoop(host: ArrivalHost, totalMs: number): Promise<void> {
  const end = host.startedAt + totalMs;
  const loop = (c: Conversation): void => {
    if (now() < end) host.fire(c, now());
  };
  host.onIdle = loop;
  for (const c of host.pool.idleOnes()) loop(c);
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, end - now())));
}

export async function scale(
  host: ArrivalHost,
  rate: number,
  total: number,
  touches: number,
  window: number,
): Promise<void> {
  const recent: Conversation[] = [];
  const all: Conversation[] = [];
  const firstPass = total * touches;
  let fired = 0;
  const pick = (): { c: Conversation; warmth: string } | undefined => {
    const remainingNew = total - all.length;
    const remaining = firstPass - fired;
    if (remainingNew > 0 && (host.random() < remainingNew / remaining || recent.every((c) => c.queue.length > 0))) {
      const c = host.pool.add(all.length);
      all.push(c);
      recent.push(c);
      if (recent.length > window) recent.shift();
      return { c, warmth: 'new' };
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      const c = recent[Math.floor(host.random() * recent.length)];
      if (c && c.queue.length === 0) return { c, warmth: 'cached' };
    }
    return undefined;
  };
  await paced(host, rate, firstPass, () => {
    fired += 1;
    return pick();
  });
  host.progress(`${host.name}: first pass done (${all.length} conversations); second pass`);
  const order = [...all];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(host.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let k = 0;
  await paced(host, rate, order.length, () => {
    const c = order[k++]!;
    return c.queue.length === 0 ? { c, warmth: 'second-pass' } : undefined;
  });
}

export async function long(host: ArrivalHost, rate: number, messages: number): Promise<void> {
  const c = host.pool.byPhone.values().next().value as Conversation;
  await paced(host, rate, messages, () => ({ c, warmth: 'long' }));
}

/** `count` arrivals at `rate`, each choosing its conversation when it is due. */
function paced(
  host: ArrivalHost,
  rate: number,
  count: number,
  choose: () => { c: Conversation; warmth: string } | undefined,
): Promise<void> {
  const start = now();
  let i = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const t = now();
      while (i < count && start + (i * 1000) / rate <= t) {
        const scheduled = start + (i * 1000) / rate;
        host.metrics.lag.push(t - scheduled);
        const chosen = choose();
        if (chosen) host.fire(chosen.c, scheduled, chosen.warmth);
        else host.metrics.skipped += 1;
        i += 1;
      }
      if (i >= count) return resolve();
      setTimeout(tick, Math.max(0, start + (i * 1000) / rate - now()));
    };
    tick();
  });
}
