import { log } from '@temporalio/activity';
import { ALWAYS_OPEN } from '../domain/business-hours';
import type { SupportPolicy } from '../domain/support-policy';
import type { ConversationSettings } from '../domain/types';
import type { Queryable } from '../src/db/queryable';
import { readSupportPolicy, type SupportDefaults } from '../src/db/support-settings';

// The support team's policy (business hours, SLA targets) as the conversation workflow is told it:
// with the settings every turn hands back. Read from Postgres at most once per SUPPORT_POLICY_MAX_AGE_MS
// per worker, so the per-message path gains no query; an admin's change reaches conversations within
// that time (at their next turn).

/** How long one read of the policy serves every turn of this worker. */
export const SUPPORT_POLICY_MAX_AGE_MS = 5_000;

/** The current policy, or the last one read while Postgres cannot be (undefined before any read). */
export type SupportPolicyReader = () => Promise<SupportPolicy | undefined>;

/**
 * A reader sharing one read among concurrent callers and for `maxAgeMs` after it. A failed read is
 * not the turn's failure: it answers the last policy read (the turn's own writes will say whether
 * Postgres is really away), and asks again at the next call.
 */
export function createSupportPolicyReader(
  db: Queryable,
  defaults: SupportDefaults = { hours: ALWAYS_OPEN },
  maxAgeMs = SUPPORT_POLICY_MAX_AGE_MS,
  now: () => number = () => performance.now(),
): SupportPolicyReader {
  let last: { at: number; policy: SupportPolicy } | undefined;
  let inFlight: Promise<SupportPolicy | undefined> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < maxAgeMs) return Promise.resolve(last.policy);
    inFlight ??= readSupportPolicy(db, defaults)
      .then(
        (policy) => {
          last = { at: now(), policy };
          return policy;
        },
        (err: unknown) => {
          log.warn('support policy unreadable, the last one read holds', { error: String(err) });
          return last?.policy;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

/** The settings handed to the workflow, with the policy when there is one. */
export async function currentSettings(
  settings: ConversationSettings,
  support: SupportPolicyReader | undefined,
): Promise<ConversationSettings> {
  const policy = support === undefined ? undefined : await support();
  return policy === undefined ? settings : { ...settings, support: policy };
}
