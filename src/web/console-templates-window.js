// @ts-check
// WhatsApp's 24-hour customer-service window as the console words it: open until when and for how
// long, or closed since when. Free-form messages reach a student only inside it (the length comes from
// the server, /console/facts.js); after it only an approved template does (console-templates.js).
import { SERVICE_WINDOW_MS } from './facts.js';

/** @typedef {{ open: boolean; until: number | null }} WindowState */

/**
 * `{ open, until }`: `until` is when the window closes (epoch ms), null when the student never wrote.
 * @param {string | null | undefined} lastInboundAt
 * @param {number} now
 * @returns {WindowState}
 */
function windowOf(lastInboundAt, now) {
  const last = lastInboundAt ? Date.parse(lastInboundAt) : NaN;
  if (Number.isNaN(last)) return { open: false, until: null };
  return { open: now < last + SERVICE_WINDOW_MS, until: last + SERVICE_WINDOW_MS };
}

/**
 * "40 s", "12 min", "3 h 05 min", "3 h", "2 d": as precise as a glance needs.
 * @param {number} ms
 */
function formatSpan(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  const min = Math.floor(s / 60);
  if (min < 60) return min + ' min';
  const h = Math.floor(min / 60);
  if (h < 10) return h + ' h ' + String(min % 60).padStart(2, '0') + ' min';
  if (h < 48) return h + ' h';
  return Math.floor(h / 24) + ' d';
}

/**
 * "14:32", or with the day when that is not today.
 * @param {number} ms
 * @param {number} now
 */
function clock(ms, now) {
  const date = new Date(ms);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === new Date(now).toDateString()) return time;
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' }) + ', ' + time;
}

/**
 * @param {WindowState} state
 * @param {number} now
 */
function windowText(state, now) {
  if (state.until === null) return 'Window closed: the student has not written yet';
  if (state.open)
    return 'Window open until ' + clock(state.until, now) + ' (' + formatSpan(state.until - now) + ' left)';
  return 'Window closed ' + formatSpan(now - state.until) + ' ago';
}

export { windowOf, windowText };
