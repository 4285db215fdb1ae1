import type { TimerName } from './flow/state';

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
