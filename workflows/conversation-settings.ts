import type { StepResult } from './flow/context';
import type { ConversationSettings } from '../domain/types';

// The product settings as a conversation last got them. Every turn activity hands them over, so the
// per-message path never asks for them; only a chat a student opens needs them to be recent.

/** How old the settings may be when a student's support request opens a chat (the worker caches the policy as long). */
const SETTINGS_FRESH_MS = 5_000;

export class HandedSettings {
  /** Undefined in a run that has not been handed any yet (read from the snapshot otherwise). */
  value: ConversationSettings | undefined;
  /** When an activity last handed the settings over (workflow time; unknown in a new run). */
  private at: number | undefined;

  constructor(settings: ConversationSettings | undefined) {
    this.value = settings;
  }

  /** An activity handed the settings over, now. */
  handedOver(settings: ConversationSettings): ConversationSettings {
    this.value = settings;
    this.at = Date.now();
    return settings;
  }

  /**
   * Whether the step opened a chat for the student on settings handed over more than
   * SETTINGS_FRESH_MS ago: whether the team is open, and the SLA targets, must be today's, not those
   * of the conversation's last turn, which may be days old. Only then is a fresh copy asked for (from
   * the worker's cache), so the per-message path costs nothing more. Settings without a policy (a
   * history recorded before business hours) never ask, so such a history replays as it ran.
   */
  mayBeStaleFor(result: StepResult): boolean {
    if (this.value?.support === undefined) return false;
    if (this.at !== undefined && Date.now() - this.at < SETTINGS_FRESH_MS) return false;
    return result.effects.some((effect) => effect.type === 'openChat' && effect.startedBy === 'user');
  }
}
