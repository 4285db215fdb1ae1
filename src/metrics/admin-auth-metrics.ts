import { Counter, type Registry } from 'prom-client';

// Refused sign-ins to the admin API, counted in this process. They are no longer audited one row
// each (a flood would fill the audit log), so this counter is where their volume shows.

/** Why an admin request was refused before anyone was identified; a closed set of labels. */
export const ADMIN_AUTH_FAILURE_REASONS = [
  'missing_token',
  'malformed_header',
  'unknown_token',
  'revoked_token',
  'expired_token',
  'rate_limited',
] as const;

export interface AdminAuthMetrics {
  failed(reason: string): void;
}

export function createAdminAuthMetrics(registry: Registry): AdminAuthMetrics {
  const failures = new Counter({
    name: 'edubot_admin_auth_failures_total',
    help: 'Admin API requests refused by this server process for want of a valid token (401), or for too many such refusals from their source (429), by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of ADMIN_AUTH_FAILURE_REASONS) failures.inc({ reason }, 0);
  const known = new Set<string>(ADMIN_AUTH_FAILURE_REASONS);
  return {
    // A reason the token check may add later is counted as `other` rather than growing the label set.
    failed: (reason) => failures.inc({ reason: known.has(reason) ? reason : 'other' }),
  };
}
