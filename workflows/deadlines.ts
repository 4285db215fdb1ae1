import * as wf from '@temporalio/workflow';
import type { TimerName } from '../domain/conversation';

/** When each running flow timer is due (epoch ms of workflow time). Plain JSON, carried across continue-as-new. */
export type Deadlines = Partial<Record<TimerName, { token: string; at: number }>>;

/** The earliest deadline, or undefined when no timer runs. */
export function earliestDeadline(deadlines: Deadlines): number | undefined {
  let earliest: number | undefined;
  for (const entry of Object.values(deadlines)) {
    if (entry && (earliest === undefined || entry.at < earliest)) earliest = entry.at;
  }
  return earliest;
}

/** Removes and returns the timers due at `now`, earliest first. */
export function takeDue(deadlines: Deadlines, now: number): { timer: TimerName; token: string }[] {
  const due = (Object.entries(deadlines) as [TimerName, { token: string; at: number }][])
    .filter(([, entry]) => entry.at <= now)
    .sort((a, b) => a[1].at - b[1].at);
  for (const [timer] of due) delete deadlines[timer];
  return due.map(([timer, entry]) => ({ timer, token: entry.token }));
}

/**
 * One durable timer for the earliest deadline. Flow timers restart with nearly every message of a
 * sub-flow, so a timer per wait would cost the server a timer started and cancelled per message; an
 * alarm instead stays set while deadlines only move later (it rings early, finds nothing due, and is
 * set again for the new earliest deadline), and is replaced only when a deadline moves earlier.
 */
export class Alarm {
  rang = false;
  private readonly scope = new wf.CancellationScope();

  private constructor(readonly at: number) {
    this.scope
      .run(() => wf.sleep(at - Date.now()))
      .then(
        () => {
          this.rang = true;
        },
        // Cancelled: an earlier deadline replaced it.
        () => undefined,
      );
  }

  /** The alarm to wait on for a deadline at `at` (later than now): `current` if it rings no later. */
  static for(at: number, current: Alarm | undefined): Alarm {
    if (current !== undefined && !current.rang && current.at <= at) return current;
    if (current !== undefined && !current.rang) current.scope.cancel();
    return new Alarm(at);
  }
}
