// @ts-check
// Notes on the open conversation: for the team only, never sent to the student.
import { api, describeFailure } from './console-api.js';
import { showResult } from './console-commands.js';
import { formatTime } from './console-format.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/**
 * `timeline` is console-timeline.js's (a note added scrolls to the end); `refreshConversation` reloads it.
 * @param {{ timeline: { scrollToEndNext(): void }; refreshConversation: import('./console-api.js').Refresher }} parts
 */
export function createNotes({ timeline, refreshConversation }) {
  let busy = false;

  async function addNote() {
    const contactId = state.openId;
    if (!contactId || busy) return;
    const text = ui.note.value;
    busy = true;
    ui.addNote.disabled = true;
    showResult('Adding the note…', 'pending', ui.noteResult);
    /** @type {import('./console-api.js').Answer<import('./api-types').NoteSavedAnswer>} */
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/notes', { text });
    busy = false;
    ui.addNote.disabled = false;
    if (!state.token || state.openId !== contactId) return;
    if (res.status === 201) {
      if (ui.note.value === text) ui.note.value = '';
      showResult('✓ Note added (' + formatTime(res.body && res.body.timestamp) + ')', 'ok', ui.noteResult);
      timeline.scrollToEndNext();
      refreshConversation.schedule();
      return;
    }
    showResult('✗ Note not added — ' + describeFailure(res), 'error', ui.noteResult);
  }

  ui.noteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void addNote();
  });
  ui.note.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void addNote();
    }
  });
}
