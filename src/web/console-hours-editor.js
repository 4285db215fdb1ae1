// @ts-check
// The admins' editors of the business hours and the SLA targets (SPEC §7.6), in one modal dialog:
// a time zone, each weekday's opening intervals, holidays to add and remove; first-reply and
// resolution targets per priority, the warning share and escalation. Each form saves with PUT and
// shows the API's 400 message as it is; dated exceptions set through the API are kept as they are.
// Keyboard use is the dialog's own: Tab through the fields, Escape closes.
import { node } from './console-dom.js';
import { buildSlaForm, button, DAYS, input, labelled, NEW_INTERVAL, showResult } from './console-hours-fields.js';

/** The week as the form holds it: per weekday key, its [opens, closes] intervals. @typedef {Record<string, string[][]>} Weekly */
/** @typedef {{ date: string; name: string }} Holiday */
/** @typedef {import('./api-types').BusinessHours} BusinessHours */
/** @typedef {import('./api-types').Sla} Sla */

/**
 * `onSaved('hours' | 'sla', body)` once the API took a change.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   onSaved: (kind: 'hours' | 'sla', body: any) => void }} parts
 */
function create({ api, describeFailure, onSaved }) {
  const dialog = node('dialog', 'hours-dialog');
  dialog.id = 'hours-dialog';
  dialog.setAttribute('aria-labelledby', 'hours-dialog-title');
  const head = node('div', 'hours-dialog-head');
  const title = node('h2', '', 'Business hours and SLAs');
  title.id = 'hours-dialog-title';
  const close = button('Close');
  head.append(title, close);

  // ---- business hours ----
  const hoursForm = node('form', 'hours-form');
  hoursForm.id = 'hours-form';
  hoursForm.noValidate = true;
  const zone = input('text', 'hours-timezone');
  zone.id = 'hours-timezone';
  zone.maxLength = 64;
  zone.setAttribute('list', 'hours-zones');
  const zones = node('datalist');
  zones.id = 'hours-zones';
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  zones.append(
    ...known.map((name) => {
      const option = node('option');
      option.value = name;
      return option;
    }),
  );
  const week = node('div', 'hours-week');
  const holidayList = node('ul', 'hours-holidays');
  holidayList.setAttribute('aria-label', 'Holidays');
  const holidayDate = input('date', 'hours-holiday-date');
  const holidayName = input('text', 'hours-holiday-name');
  holidayName.maxLength = 100;
  const addHoliday = button('Add holiday');
  const holidays = node('fieldset', 'hours-holiday-box');
  const addRow = node('div', 'hours-holiday-add');
  addRow.append(labelled('Holiday date', holidayDate), labelled('Holiday name', holidayName), addHoliday);
  holidays.append(node('legend', '', 'Holidays (closed all day)'), holidayList, addRow);
  const exceptionsNote = node('p', 'muted hours-exceptions');
  const saveHours = node('button', '', 'Save business hours');
  saveHours.type = 'submit';
  const hoursResult = node('p', 'result');
  hoursResult.id = 'hours-result';
  hoursResult.setAttribute('role', 'status');
  hoursForm.append(
    node('h3', '', 'Business hours'),
    labelled('Time zone', zone),
    zones,
    week,
    holidays,
    exceptionsNote,
    saveHours,
    hoursResult,
  );

  // ---- SLA targets ----
  const { slaForm, targetInputs, warn, escalate, saveSla, slaResult } = buildSlaForm();

  dialog.append(head, hoursForm, slaForm);
  document.body.append(dialog);

  /** @type {unknown[] | undefined} */
  let exceptions;
  let busy = false;

  /**
   * A field of the dialog, found by its selector.
   * @param {ParentNode} within
   * @param {string} selector
   * @returns {HTMLInputElement}
   */
  const field = (within, selector) => /** @type {HTMLInputElement} */ (within.querySelector(selector));

  /**
   * The week as the fields hold it now.
   * @returns {Weekly}
   */
  function readWeek() {
    /** @type {Weekly} */
    const weekly = {};
    for (const [day] of DAYS) {
      weekly[day] = Array.from(week.querySelectorAll('[data-day="' + day + '"] .hours-interval'), (row) => [
        field(row, '.hours-opens').value.trim(),
        field(row, '.hours-closes').value.trim(),
      ]);
    }
    return weekly;
  }

  /** @returns {Holiday[]} */
  function readHolidays() {
    return Array.from(
      /** @type {NodeListOf<HTMLElement>} */ (holidayList.querySelectorAll('.hours-holiday')),
      (item) => ({
        date: String(item.dataset.date),
        name: String(item.dataset.name),
      }),
    );
  }

  /** @param {Weekly} weekly */
  function renderWeek(weekly) {
    week.replaceChildren(
      ...DAYS.map(([day, name]) => {
        const box = node('fieldset', 'hours-day');
        box.dataset.day = day;
        const list = node('ul', 'hours-intervals');
        const intervals = weekly[day] || [];
        intervals.forEach(([opens, closes], i) => {
          const row = node('li', 'hours-interval');
          const from = input('text', 'hours-time hours-opens', opens);
          const to = input('text', 'hours-time hours-closes', closes);
          for (const field of [from, to]) {
            field.maxLength = 5;
            field.inputMode = 'numeric';
            field.placeholder = 'HH:MM';
          }
          from.setAttribute('aria-label', name + ' opens ' + (i + 1));
          to.setAttribute('aria-label', name + ' closes ' + (i + 1));
          const remove = button('Remove');
          remove.setAttribute('aria-label', 'Remove ' + name + ' hours ' + (i + 1));
          remove.addEventListener('click', () => {
            const now = readWeek();
            now[day]?.splice(i, 1);
            renderWeek(now);
            field(week, '[data-day="' + day + '"] .hours-add').focus();
          });
          row.append(from, node('span', 'hours-dash', '–'), to, remove);
          list.append(row);
        });
        const add = button('Add hours', 'secondary hours-add');
        add.setAttribute('aria-label', 'Add ' + name + ' hours');
        add.addEventListener('click', () => {
          const now = readWeek();
          const intervals = now[day] || (now[day] = []);
          const last = intervals[intervals.length - 1];
          intervals.push(last ? [last[1] === '24:00' ? '00:00' : String(last[1]), '24:00'] : NEW_INTERVAL.slice());
          renderWeek(now);
          /** @type {NodeListOf<HTMLInputElement>} */
          const opens = week.querySelectorAll('[data-day="' + day + '"] .hours-opens');
          opens[opens.length - 1]?.focus();
        });
        box.append(node('legend', '', name), list);
        if (intervals.length === 0) box.append(node('span', 'muted hours-closed-day', 'Closed'));
        box.append(add);
        return box;
      }),
    );
  }

  /** @param {Holiday[]} list */
  function renderHolidays(list) {
    const sorted = list.slice().sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    holidayList.replaceChildren(
      ...sorted.map((holiday) => {
        const item = node('li', 'hours-holiday');
        item.dataset.date = holiday.date;
        item.dataset.name = holiday.name;
        const remove = button('Remove');
        remove.setAttribute('aria-label', 'Remove holiday ' + holiday.date + ' ' + holiday.name);
        remove.addEventListener('click', () => {
          renderHolidays(readHolidays().filter((h) => h.date !== holiday.date));
          holidayDate.focus();
        });
        item.append(node('span', 'hours-holiday-date-text', holiday.date), node('span', '', holiday.name), remove);
        return item;
      }),
    );
    if (sorted.length === 0) holidayList.append(node('li', 'muted', 'No holidays.'));
  }

  addHoliday.addEventListener('click', () => {
    const date = holidayDate.value;
    const name = holidayName.value.trim();
    if (!date || !name) {
      showResult(hoursResult, 'A holiday needs a date and a name.', 'error');
      (date ? holidayName : holidayDate).focus();
      return;
    }
    renderHolidays(readHolidays().concat([{ date, name }]));
    holidayDate.value = '';
    holidayName.value = '';
    showResult(hoursResult, 'Holiday added: save to keep it.', 'pending');
    holidayDate.focus();
  });

  /**
   * PUTs `body`; the form's result line says how it went, in the API's words when refused.
   * @param {'hours' | 'sla'} kind
   * @param {string} path
   * @param {object} body
   * @param {HTMLButtonElement} saveButton
   * @param {HTMLElement} result
   * @param {string} done
   */
  async function save(kind, path, body, saveButton, result, done) {
    if (busy) return;
    busy = saveButton.disabled = true;
    showResult(result, 'Saving…', 'pending');
    const res = await api('PUT', path, body);
    busy = saveButton.disabled = false;
    if (res.status === 200) {
      showResult(result, '✓ ' + done, 'ok');
      onSaved(kind, res.body);
    } else showResult(result, 'Not saved — ' + describeFailure(res), 'error');
  }

  hoursForm.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {{ timezone: string; weekly: Weekly; holidays: Holiday[]; exceptions?: unknown[] }} */
    const body = { timezone: zone.value.trim(), weekly: readWeek(), holidays: readHolidays() };
    if (exceptions) body.exceptions = exceptions;
    void save('hours', '/api/admin/business-hours', body, saveHours, hoursResult, 'Business hours saved');
  });

  slaForm.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {Record<string, Record<string, string>>} */
    const targets = { firstResponse: {}, resolution: {} };
    for (const [key, field] of Object.entries(targetInputs)) {
      const [kind, priority] = key.split(':');
      const set = targets[String(kind)];
      if (set && field.value.trim() !== '') set[String(priority)] = field.value.trim();
    }
    const body = Object.assign(targets, { warnAt: Number(warn.value) / 100, escalate: escalate.checked });
    void save('sla', '/api/admin/sla', body, saveSla, slaResult, 'SLA targets saved');
  });

  close.addEventListener('click', () => dialog.close());

  return {
    /**
     * Opens the editors on the hours and targets last read (GET answers).
     * @param {BusinessHours | null} hours
     * @param {Sla | null} sla
     */
    open(hours, sla) {
      zone.value = hours ? hours.timezone : 'UTC';
      renderWeek(hours ? hours.weekly : {});
      renderHolidays(hours ? hours.holidays : []);
      const set = /** @type {{ exceptions?: unknown }} */ (hours || {}).exceptions;
      exceptions = Array.isArray(set) ? set : undefined;
      exceptionsNote.textContent = exceptions
        ? exceptions.length + ' dated exception(s) set through the API are kept as they are.'
        : '';
      /** @type {Record<string, Record<string, string | undefined> | undefined>} */
      const policy = /** @type {any} */ (sla || {});
      for (const [key, field] of Object.entries(targetInputs)) {
        const [kind, priority] = key.split(':');
        field.value = (policy[String(kind)] || {})[String(priority)] || '';
      }
      warn.value = String(Math.round((sla ? sla.warnAt : 0.8) * 100));
      escalate.checked = Boolean(sla && sla.escalate);
      hoursResult.textContent = '';
      slaResult.textContent = '';
      if (!dialog.open) dialog.showModal();
      zone.focus();
    },
    close() {
      if (dialog.open) dialog.close();
    },
  };
}

export { create };
