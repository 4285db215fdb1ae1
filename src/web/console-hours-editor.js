// @ts-check
// The admins' editors of the business hours and the SLA targets (SPEC §7.6), in one modal dialog:
// a time zone, each weekday's opening intervals, holidays to add and remove; first-reply and
// resolution targets per priority, the warning share and escalation. Each form saves with PUT and
// shows the API's 400 message as it is; dated exceptions set through the API are kept as they are.
// Keyboard use is the dialog's own: Tab through the fields, Escape closes.
import { node } from './console-dom.js';
import { buildSlaForm, button, showResult } from './console-hours-fields.js';
import { buildHoursForm } from './console-hours-form.js';

/** @typedef {import('./console-hours-form.js').Weekly} Weekly */
/** @typedef {import('./console-hours-form.js').Holiday} Holiday */
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

  // The two forms: business hours (console-hours-form.js) and SLA targets (console-hours-fields.js).
  const {
    hoursForm,
    zone,
    exceptionsNote,
    saveHours,
    hoursResult,
    readWeek,
    readHolidays,
    renderWeek,
    renderHolidays,
  } = buildHoursForm();
  const { slaForm, targetInputs, warn, escalate, saveSla, slaResult } = buildSlaForm();

  dialog.append(head, hoursForm, slaForm);
  document.body.append(dialog);

  /** @type {unknown[] | undefined} */
  let exceptions;
  let busy = false;

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
