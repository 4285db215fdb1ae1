// @ts-check
// A chat's SLA clocks (SPEC §7.6), as console-hours.js shows them in the Waiting view and the open
// conversation: each counts down to its due moment, amber once past the warning share of its target,
// red when breached, and says "met" or "breached" once settled. One ticker keeps every clock on the
// page current, once a second.
import { node } from './console-dom.js';

/** @typedef {import('./api-types').Sla} Sla */
/** @typedef {{ firstResponseDueAt?: string | null; resolutionDueAt?: string | null; firstResponse?: string | null;
 *   resolution?: string | null; escalated?: boolean }} ChatSla */
/** @typedef {'firstResponse' | 'resolution'} ClockKind */

const DAY_MS = 86_400_000;

/** @type {Record<string, string>} */
const CLOCK_NAMES = { firstResponse: 'First reply', resolution: 'Resolution' };

/**
 * "4 min 05 s", "2 h 10 min", "3 d 4 h": how long until (or since) a due moment.
 * @param {number} ms
 */
function formatSpan(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
  return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}

/**
 * The milliseconds of a priority's target for this clock, when the policy sets one.
 * @param {Sla | null} sla
 * @param {string | undefined} kind
 * @param {string | undefined} priority
 */
function targetMs(sla, kind, priority) {
  /** @type {Record<string, Record<string, unknown> | undefined> | null} */
  const policy = /** @type {any} */ (sla);
  const targets = policy && kind ? policy[kind] : undefined;
  const text = targets && targets[priority || 'normal'];
  const match = typeof text === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text) : null;
  if (!match) return undefined;
  /** @type {Record<string, number>} */
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
  return Number(match[1]) * Number(units[String(match[2])]);
}

/**
 * The clocks' maker and ticker; `policy()` is the SLA policy read last (null before it arrived).
 * @param {() => Sla | null} policy
 */
function createClocks(policy) {
  /**
   * When a running clock turns amber, from the policy read last (so a clock drawn before the policy
   * arrived turns amber at the next tick): on the wall clock, due less the remaining share of the
   * target, so across a closed stretch the amber comes later than the workflow's business-time warning.
   * @param {HTMLElement} element
   * @param {number} due
   */
  function warnsAt(element, due) {
    const sla = policy();
    const target = targetMs(sla, element.dataset.kind, element.dataset.priority);
    return target === undefined || !sla ? Infinity : due - (1 - sla.warnAt) * target;
  }

  /**
   * @param {HTMLElement} element
   * @param {number} now
   */
  function render(element, now) {
    const name = CLOCK_NAMES[String(element.dataset.kind)];
    const due = element.dataset.due ? Date.parse(element.dataset.due) : NaN;
    let text;
    let tone;
    if (element.dataset.outcome === 'met') {
      text = name + ' SLA met';
      tone = 'met';
    } else if (element.dataset.outcome === 'breached') {
      text = name + ' SLA breached';
      tone = 'breached';
    } else if (due <= now) {
      text = name + ' overdue by ' + formatSpan(now - due);
      tone = 'breached';
    } else {
      text = name + ' due in ' + formatSpan(due - now);
      tone = warnsAt(element, due) <= now ? 'warned' : 'running';
    }
    if (element.textContent !== text) element.textContent = text;
    element.dataset.tone = tone;
    element.title = element.dataset.due ? name + ' due ' + new Date(due).toLocaleString() : String(name);
  }

  /**
   * One clock as an element the ticker keeps current: its kind, outcome, due moment and priority.
   * @param {ClockKind} kind
   * @param {ChatSla} chatSla
   * @param {string | null | undefined} priority
   */
  function clock(kind, chatSla, priority) {
    const outcome = chatSla[kind];
    const due = chatSla[kind === 'firstResponse' ? 'firstResponseDueAt' : 'resolutionDueAt'];
    if (!outcome && !due) return null;
    const element = node('span', 'sla-clock');
    element.dataset.kind = kind;
    if (outcome) element.dataset.outcome = outcome;
    if (due) element.dataset.due = due;
    element.dataset.priority = priority || 'normal';
    render(element, Date.now());
    return element;
  }

  /** Every clock on the page, once a second. */
  function tick() {
    const now = Date.now();
    for (const element of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.sla-clock')))
      render(element, now);
  }
  setInterval(tick, 1000);

  /**
   * The clocks of a chat's `sla` (and `priority`), with an escalation badge; null when it has none.
   * @param {ChatSla | null | undefined} chatSla
   * @param {string | null | undefined} priority
   * @param {ClockKind[]} kinds
   */
  function clocks(chatSla, priority, kinds) {
    if (!chatSla || typeof chatSla !== 'object') return null;
    /** @type {HTMLElement[]} */
    const parts = [];
    for (const kind of kinds) {
      const shown = clock(kind, chatSla, priority);
      if (shown) parts.push(shown);
    }
    if (chatSla.escalated) parts.push(node('span', 'sla-escalated badge', 'escalated'));
    if (parts.length === 0) return null;
    const element = node('span', 'sla-clocks');
    element.append(...parts);
    return element;
  }

  return { clocks, tick };
}

export { createClocks, formatSpan };
