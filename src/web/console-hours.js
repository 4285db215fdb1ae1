// @ts-check
// Business hours and SLAs in the console (SPEC §7.6): the header says whether the support team is open
// and when that changes ("Closed — back Mon 08:00"), updated at that moment and whenever an admin saves
// new hours anywhere (the `support_settings` event); the Waiting view and the open conversation show
// each chat's SLA clocks (console-hours-clocks.js); admins get **Hours & SLA**, the editors of
// console-hours-editor.js. Every text goes into the page as text.
import { latest } from './console-api.js';
import { node } from './console-dom.js';
import { createClocks, formatSpan } from './console-hours-clocks.js';
import { create as createHoursEditor } from './console-hours-editor.js';

/** @typedef {import('./api-types').BusinessHours} BusinessHours */
/** @typedef {import('./api-types').Sla} Sla */

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

/** The header's status line and Hours & SLA button, and the open conversation's clocks line, in the page. */
function addElements() {
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
  return { status, open, chatClocks };
}

/**
 * `api(method, path, body)` and `describeFailure(res)` are the console's; the editors are made here
 * and told to reload the status once an admin saved.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure }} parts
 */
function create({ api, describeFailure }) {
  const { status, open, chatClocks } = addElements();

  /** @type {BusinessHours | null} */
  let hours = null;
  /** @type {Sla | null} */
  let sla = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const loads = latest();
  let signedIn = false;
  const { clocks, tick } = createClocks(() => sla);

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
