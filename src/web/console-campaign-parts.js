// @ts-check
// What the Campaigns view's list and a campaign's page share: a campaign's progress from its
// recipients' statuses, its times, its buttons and progress bars. Built with node(): data is only text.
import { node } from './console-dom.js';
import { RECIPIENT_STATUSES } from './facts.js';

/** A campaign's recipients by status. @typedef {Partial<Record<string, number>> | null | undefined} Counts */

/** A recipient's status, as the server lists them (the keys of a campaign's `counts`). @typedef {(typeof RECIPIENT_STATUSES)[number]} RecipientStatus */
// The statuses of a campaign still going: polled, and offered pause, resume or cancel.
export const ACTIVE = ['scheduled', 'running', 'paused'];

export const count = (/** @type {unknown} */ n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
/**
 * @param {Counts} counts
 * @param {readonly RecipientStatus[]} statuses
 */
export const sum = (counts, statuses) => statuses.reduce((total, s) => total + count(counts && counts[s]), 0);

/**
 * Recipients finished with, one way or another (every status but queued), of all of them; a
 * campaign that has not taken its audience yet counts its expected recipients, none done.
 * @param {{ counts?: Counts; recipients?: number | null }} campaign
 */
export function progressOf(campaign) {
  const done = sum(
    campaign.counts,
    RECIPIENT_STATUSES.filter((s) => s !== 'queued'),
  );
  const total = Math.max(count(campaign.recipients), sum(campaign.counts, RECIPIENT_STATUSES));
  return { done, total };
}

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  const date = new Date(/** @type {string} */ (iso));
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/**
 * @param {string} text
 * @param {string} [className]
 */
export function button(text, className) {
  const element = node('button', className || null, text);
  element.type = 'button';
  return element;
}

/**
 * @param {number} done
 * @param {number} total
 * @param {string} label
 */
export function progressBar(done, total, label) {
  const bar = document.createElement('progress');
  bar.max = Math.max(total, 1);
  bar.value = Math.min(done, bar.max);
  bar.setAttribute('aria-label', label);
  return bar;
}
