// @ts-check
// The business hours' form of the admins' editor (console-hours-editor.js): a time zone (offered from
// the browser's list), each weekday's opening intervals with Add and Remove, and holidays to add and
// remove. The form is redrawn from what its fields hold, so a Remove or an Add keeps what was typed;
// the focus goes where the next key is wanted. Saving is the editor's.
import { node } from './console-dom.js';
import { button, DAYS, input, labelled, NEW_INTERVAL, showResult } from './console-hours-fields.js';

/** The week as the form holds it: per weekday key, its [opens, closes] intervals. @typedef {Record<string, string[][]>} Weekly */
/** @typedef {{ date: string; name: string }} Holiday */

/**
 * A field of the form, found by its selector.
 * @param {ParentNode} within
 * @param {string} selector
 * @returns {HTMLInputElement}
 */
const field = (within, selector) => /** @type {HTMLInputElement} */ (within.querySelector(selector));

/**
 * The week as the fields hold it now.
 * @param {HTMLElement} week
 * @returns {Weekly}
 */
function readWeek(week) {
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

/**
 * Draws the week's days, each with its intervals (Remove on each) and Add hours.
 * @param {HTMLElement} week
 * @param {Weekly} weekly
 */
function renderWeek(week, weekly) {
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
          const now = readWeek(week);
          now[day]?.splice(i, 1);
          renderWeek(week, now);
          field(week, '[data-day="' + day + '"] .hours-add').focus();
        });
        row.append(from, node('span', 'hours-dash', '–'), to, remove);
        list.append(row);
      });
      const add = button('Add hours', 'secondary hours-add');
      add.setAttribute('aria-label', 'Add ' + name + ' hours');
      add.addEventListener('click', () => {
        const now = readWeek(week);
        const intervals = now[day] || (now[day] = []);
        const last = intervals[intervals.length - 1];
        intervals.push(last ? [last[1] === '24:00' ? '00:00' : String(last[1]), '24:00'] : NEW_INTERVAL.slice());
        renderWeek(week, now);
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

/**
 * The holidays' list and the fields that add one; `hoursResult` is the form's result line.
 * @param {HTMLElement} hoursResult
 */
function holidayBox(hoursResult) {
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

  return { holidays, readHolidays, renderHolidays };
}

/** The form's elements, and its week and holidays to read and draw. */
function buildHoursForm() {
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
  const exceptionsNote = node('p', 'muted hours-exceptions');
  const saveHours = node('button', '', 'Save business hours');
  saveHours.type = 'submit';
  const hoursResult = node('p', 'result');
  hoursResult.id = 'hours-result';
  hoursResult.setAttribute('role', 'status');
  const { holidays, readHolidays, renderHolidays } = holidayBox(hoursResult);
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
  return {
    hoursForm,
    zone,
    exceptionsNote,
    saveHours,
    hoursResult,
    readWeek: () => readWeek(week),
    /** @param {Weekly} weekly */
    renderWeek: (weekly) => renderWeek(week, weekly),
    readHolidays,
    renderHolidays,
  };
}

export { buildHoursForm };
