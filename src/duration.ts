const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "30s", "15m", "1h", "2d" (or a bare number of milliseconds) into milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
