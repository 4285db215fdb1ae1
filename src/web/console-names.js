// @ts-check
// The words the console shows for the server's lists: one name per priority and per weekday, keyed by
// the lists of /console/facts.js. Each map is typed by its list, so a value the server adds or drops
// fails the type check here instead of showing as a raw key or a silent gap.
import { PRIORITIES, WEEKDAYS } from './facts.js';

/** @typedef {(typeof PRIORITIES)[number]} Priority */
/** @typedef {(typeof WEEKDAYS)[number]} Weekday */

// Plain literals (not frozen) so the check also refuses a key the list lacks.
/** @type {Record<Priority, string>} */
const PRIORITY_NAMES = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };

/** @type {Record<Weekday, string>} */
const WEEKDAY_NAMES = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/**
 * A priority's name; a value the console does not know shows as it is.
 * @param {string} priority
 */
function priorityName(priority) {
  return Object.hasOwn(PRIORITY_NAMES, priority) ? PRIORITY_NAMES[/** @type {Priority} */ (priority)] : priority;
}

export { PRIORITIES, WEEKDAYS, PRIORITY_NAMES, WEEKDAY_NAMES, priorityName };
