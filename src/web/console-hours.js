// @ts-check
// Business hours and SLAs in the console (SPEC §7.6): the header says whether the support team is open
// and when that changes ("Closed — back Mon 08:00"), updated at that moment and whenever an admin saves
// new hours anywhere (the `support_settings` event); the Waiting view and the open conversation show
// each chat's SLA clocks counting down, amber once past the warning share of the target, red when
// breached; admins get **Hours & SLA**, the editors of console-hours-editor.js. Every text goes into
// the page as text.
import { latest } from './console-api.js';
import { node } from './console-dom.js';
import { create as createHoursEditor } from './console-hours-editor.js';

/** @typedef {import('./api-types').BusinessHours} BusinessHours */
/** @typedef {import('./api-types').Sla} Sla */
/** @typedef {{ firstResponseDueAt?: string | null; resolutionDueAt?: string | null; firstResponse?: string | null;
 *   resolution?: string | null; escalated?: boolean }} ChatSla */
/** @typedef {'firstResponse' | 'resolution'} ClockKind */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const DAY_MS = 86_400_000;
// A browser timer fires late after a sleep and cannot wait longer than about 24.8 days: the status
// is read again at least this often, and whenever it changes.
const MAX_WAIT_MS = 6 * 3_600_000;

/**
 * "Mon 08:00" in the business's zone; a date too when it is a week or more away.
 * @param {string} iso
 * @param {string} timezone
 */
function describeInstant(iso, timezone) {
  const at = Date.parse(iso);
  /** @type {Intl.DateTimeFormatOptions} */
  const options = { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (at - Date.now() >= 6 * DAY_MS) Object.assign(options, { day: 'numeric', month: 'short' });
  try {
    return new Intl.DateTimeFormat('en-GB', options).format(at).replace(',', '');
  } catch {
    return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
}

/**
 * The header's words for the hours GET /api/admin/business-hours answered.
 * @param {BusinessHours} hours
 */
function statusText(hours) {
  const when = hours.nextChange ? describeInstant(hours.nextChange, hours.timezone) : null;
  if (hours.openNow) return when ? 'Open — until ' + when : 'Open';
  return when ? 'Closed — back ' + when : 'Closed';
}

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

/** @type {Record<string, string>} */
const CLOCK_NAMES = { firstResponse: 'First reply', resolution: 'Resolution' };

/**
 * `api(method, path, body)` and `describeFailure(res)` are the console's; the editors are made here
 * and told to reload the status once an admin saved.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure }} parts
 */
function create({ api, describeFailure }) {
  const status = node('p', 'hours-status');
  status.id = 'hours-status';
  status.setAttribute('role', 'status');
  status.hidden = true;
  const open = node('button', 'secondary hours-open-editor', 'Hours & SLA');
  open.type = 'button';
  open.id = 'hours-edit';
  open.hidden = true;
  const live = $('live');
  live.before(status, open);
  // The open conversation's clocks, under the line that says whether a chat is open.
  const chatClocks = node('p', 'chat-sla');
  chatClocks.id = 'conversation-sla';
  chatClocks.hidden = true;
  $('conversation-chat').after(chatClocks);

  /** @type {BusinessHours | null} */
  let hours = null;
  /** @type {Sla | null} */
  let sla = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const loads = latest();
  let signedIn = false;

  const editor = createHoursEditor({
    api,
    describeFailure,
    /**
     * @param {'hours' | 'sla'} kind
     * @param {any} body
     */
    onSaved(kind, body) {
      if (kind === 'hours') showHours(body);
      else sla = body;
      tick();
    },
  });
  open.addEventListener('click', () => editor.open(hours, sla));

  async function load() {
    const signal = loads.next();
    /** @type {[import('./console-api.js').Answer<import('./api-types').BusinessHoursAnswer>, import('./console-api.js').Answer<import('./api-types').SlaAnswer>]} */
    const [hoursRes, slaRes] = await Promise.all([
      api('GET', '/api/admin/business-hours', undefined, { signal }),
      api('GET', '/api/admin/sla', undefined, { signal }),
    ]);
    if (signal.aborted || !signedIn) return;
    if (slaRes.status === 200) sla = slaRes.body;
    if (hoursRes.status === 200) showHours(hoursRes.body);
    else {
      status.textContent = 'Hours unknown';
      status.title = 'Could not read the business hours: ' + describeFailure(hoursRes);
      status.className = 'hours-status hours-unknown';
      schedule(60_000);
    }
    tick();
  }

  /** @param {BusinessHours} body */
  function showHours(body) {
    hours = body;
    status.hidden = false;
    status.textContent = statusText(body);
    status.className = 'hours-status ' + (body.openNow ? 'hours-open' : 'hours-closed');
    status.title = 'Business hours, ' + body.timezone + ' time';
    const wait = body.nextChange ? Date.parse(body.nextChange) - Date.now() + 1000 : MAX_WAIT_MS;
    schedule(Math.min(Math.max(wait, 1000), MAX_WAIT_MS));
  }

  /** @param {number} ms */
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), ms);
  }

  async function loadRole() {
    /** @type {import('./console-api.js').Answer<import('./api-types').MeAnswer>} */
    const res = await api('GET', '/api/admin/me');
    open.hidden = !(signedIn && res.status === 200 && res.body && res.body.agent && res.body.agent.role === 'admin');
  }

  /**
   * The milliseconds of a priority's target for this clock, when the policy sets one.
   * @param {string | undefined} kind
   * @param {string | undefined} priority
   */
  function targetMs(kind, priority) {
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

  /**
   * When a running clock turns amber, from the policy read last (so a clock drawn before the policy
   * arrived turns amber at the next tick): on the wall clock, due less the remaining share of the
   * target, so across a closed stretch the amber comes later than the workflow's business-time warning.
   * @param {HTMLElement} element
   * @param {number} due
   */
  function warnsAt(element, due) {
    const target = targetMs(element.dataset.kind, element.dataset.priority);
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

  return {
    start() {
      signedIn = true;
      void load();
      void loadRole();
    },
    forget() {
      signedIn = false;
      loads.cancel();
      clearTimeout(timer);
      hours = null;
      sla = null;
      status.hidden = true;
      status.textContent = '';
      open.hidden = true;
      chatClocks.hidden = true;
      chatClocks.replaceChildren();
      editor.close();
    },
    /**
     * An admin saved hours or SLA targets, here or in another console.
     * @param {{ kind?: string }} data
     */
    noteEvent(data) {
      if (data.kind === 'support_settings' && signedIn) void load();
    },
    /**
     * The first-reply clock of a Waiting view item (an empty span when it runs none).
     * @param {import('./api-types').QueueItem} chat
     */
    queueClock(chat) {
      return clocks(chat.sla, chat.priority, ['firstResponse']) || node('span', 'sla-clocks');
    },
    /**
     * The open chat's clocks, and when a chat asked for after hours reaches the team.
     * @param {Partial<import('./api-types').ConversationDetail>} conversation
     */
    renderChat(conversation) {
      const chat = conversation.openChat;
      /** @type {HTMLElement[]} */
      const parts = [];
      if (chat && chat.availableAt && Date.parse(chat.availableAt) > Date.now()) {
        const when = hours
          ? describeInstant(chat.availableAt, hours.timezone)
          : new Date(chat.availableAt).toLocaleString();
        parts.push(node('span', 'chat-available', 'Asked outside business hours: reaches the team ' + when));
      }
      const shown = chat && clocks(chat.sla, conversation.priority, ['firstResponse', 'resolution']);
      if (shown) parts.push(shown);
      chatClocks.replaceChildren(...parts);
      chatClocks.hidden = parts.length === 0;
    },
  };
}

export { create, statusText, formatSpan };
