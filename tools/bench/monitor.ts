import fs from 'node:fs';

// Samples, once a second, the resident memory (VmRSS) and CPU time of every process of the run,
// grouped by role: the product's worker and server, the load generator, the Temporal dev server and
// Postgres (all its backends). Linux /proc only; on other systems the samples stay empty. With the
// embedded cluster's postmaster.pid, Postgres is that postmaster and its children only: other clusters
// on the machine (other test suites) are not counted; on DATABASE_URL's cluster every `postgres` is.

export interface MemorySample {
  /** Seconds since the monitor started. */
  t: number;
  phase: string;
  rssMb: Record<string, number>;
}

const TICKS_PER_SECOND = 100;

export class Monitor {
  readonly samples: MemorySample[] = [];
  readonly peakMb: Record<string, number> = {};
  private readonly cpuTicks: Record<string, number> = {};
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  phase = 'start';

  constructor(
    private readonly roles: () => Record<string, number | undefined>,
    private readonly postmasterPidFile?: string,
  ) {}

  private postmaster: number | undefined;

  /** The bench's own postmaster, once its pid file exists. */
  private ownPostmaster(): number | undefined {
    if (this.postmaster === undefined && this.postmasterPidFile !== undefined) {
      try {
        const pid = Number(fs.readFileSync(this.postmasterPidFile, 'utf8').split('\n')[0]);
        if (Number.isInteger(pid) && pid > 0) this.postmaster = pid;
      } catch {
        // Not started yet.
      }
    }
    return this.postmaster;
  }

  start(intervalMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** CPU seconds used by each role since the last call (the previous phase). */
  takeCpu(): Record<string, number> {
    const now = this.readCpu();
    const used: Record<string, number> = {};
    for (const [role, ticks] of Object.entries(now)) {
      used[role] = Math.round(((ticks - (this.cpuTicks[role] ?? 0)) / TICKS_PER_SECOND) * 10) / 10;
      this.cpuTicks[role] = ticks;
    }
    return used;
  }

  private sample(): void {
    const rssMb: Record<string, number> = {};
    for (const [role, pid] of Object.entries(this.roles())) {
      if (pid === undefined) continue;
      const kb = readRssKb(pid);
      if (kb === undefined) continue;
      rssMb[role] = Math.round(kb / 102.4) / 10;
      this.peakMb[role] = Math.max(this.peakMb[role] ?? 0, rssMb[role]);
    }
    this.samples.push({ t: Math.round((Date.now() - this.started) / 100) / 10, phase: this.phase, rssMb });
  }

  /** CPU ticks last seen per process: a Postgres backend that exits keeps what it used (up to its last sample). */
  private readonly seenTicks = new Map<number, { role: string; ticks: number }>();

  private readCpu(): Record<string, number> {
    const byPid = new Map<number, string>();
    for (const [role, pid] of Object.entries(this.roles())) if (pid !== undefined) byPid.set(pid, role);
    const totals: Record<string, number> = {};
    let entries: string[];
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      return totals;
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const postmaster = this.ownPostmaster();
      const ours = postmaster === undefined || pid === postmaster || Number(fields[1]) === postmaster;
      const role = byPid.get(pid) ?? (comm === 'postgres' && ours ? 'postgres' : undefined);
      if (role !== undefined) this.seenTicks.set(pid, { role, ticks });
    }
    for (const { role, ticks } of this.seenTicks.values()) totals[role] = (totals[role] ?? 0) + ticks;
    return totals;
  }
}

function readRssKb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
