// Deterministic formatting: no Intl, no locale, no clock. Dates are UTC from epoch ms.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "25 Dec 2026", in UTC. */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()}`;
}

/**
 * A price given in the currency's smallest unit (Paystack amounts are kobo) as naira:
 * 5000 → "₦50.00", 250000 → "₦2,500.00". The naira sign because the payment provider is Paystack.
 */
export function formatPrice(minorUnits: number): string {
  const total = Math.max(0, Math.round(minorUnits));
  const major = Math.floor(total / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const minor = (total % 100).toString().padStart(2, '0');
  return `₦${major}.${minor}`;
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A timer length as people say it: "30 minutes", "2 hours", "45 seconds" (short test timers stay honest). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes >= 120 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}
