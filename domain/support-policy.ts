// The support team's policy (SPEC §7.6): priorities, SLA targets and where both sit beside the business
// hours. Plain data shared by the admin API, the activities and the conversation workflow; the zod
// schemas that admit it live in src/ (domain/ imports nothing, as workflow code does).

import type { BusinessHours } from './business-hours';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export type Priority = (typeof PRIORITIES)[number];

export const DEFAULT_PRIORITY: Priority = 'normal';

/** The two clocks an SLA runs: until an agent's first reply, and until the chat is closed. */
export type SlaKind = 'first_response' | 'resolution';

/**
 * SLA targets, in milliseconds of business time, per priority (a priority without a target has no
 * clock). `warnAt` is the share of a target at which a warning is raised (0 < warnAt < 1); with
 * `escalate`, a breached chat goes to the top of the queue and admins are told.
 */
export interface SlaPolicy {
  firstResponse: Partial<Record<Priority, number>>;
  resolution: Partial<Record<Priority, number>>;
  warnAt: number;
  escalate: boolean;
}

/** No targets: no clock runs (the default until an admin sets some). */
export const NO_SLA: SlaPolicy = { firstResponse: {}, resolution: {}, warnAt: 0.8, escalate: false };

/** What the conversation workflow is told of the team's policy, current as of its last turn. */
export interface SupportPolicy {
  hours: BusinessHours;
  sla: SlaPolicy;
}

/** What an SLA clock records (SPEC §10, `edubot_sla_breaches_total{kind}`): a warning at `warnAt`, a breach at the target. */
export const SLA_EVENT_KINDS = [
  'first_response_warning',
  'first_response_breach',
  'resolution_warning',
  'resolution_breach',
] as const;

export type SlaEventKind = (typeof SLA_EVENT_KINDS)[number];
