// @ts-check
// An agent's attachment: a file chosen with the attach button or dropped on the conversation is
// uploaded at once (POST /api/admin/media), so a refusal (too large, a type WhatsApp does not take)
// shows before anything is typed; the next send carries it by its id, with the message as its caption.
import { formatSize, kindOf } from './console-media.js';

/**
 * An uploaded file, as POST /api/admin/media answers it, for the conversation it was attached in.
 * @typedef {{ contactId: string } & import('./api-types').MediaUploadAnswer['media']} Attachment
 */

/** @param {DragEvent} event */
const carriesFiles = (event) =>
  Boolean(event.dataTransfer) && Array.from((event.dataTransfer && event.dataTransfer.types) || []).includes('Files');

/** A file dropped anywhere else must not make the browser leave the console to show it. */
function keepDroppedFilesInPage() {
  window.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
  window.addEventListener('drop', (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
}

/**
 * `elements`: conversation (the drop target), attach (button), input (file input), box, name and
 * remove (the attached file's line), message (the composer's text). `contactId()` is the open
 * conversation's contact; `refusal()` says why no file may be sent now, or null; `showResult(text, kind)` shows
 * where the composer's results go; `onChange()` runs when an upload starts or ends.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   elements: { conversation: HTMLElement; attach: HTMLButtonElement; input: HTMLInputElement; box: HTMLElement;
 *     name: HTMLElement; remove: HTMLButtonElement; message: HTMLTextAreaElement };
 *   contactId: () => string | null; refusal: () => string | null;
 *   showResult: (text: string, kind: 'pending' | 'ok' | 'error') => void; onChange: () => void }} parts
 */
function create({ api, describeFailure, elements, contactId, refusal, showResult, onChange }) {
  const placeholder = elements.message.placeholder;
  /** @type {Attachment | null} */
  let attachment = null;
  /** @type {{ contactId: string; name: string } | null} */
  let uploading = null;

  function render() {
    const mine = uploading && uploading.contactId === contactId() ? uploading : null;
    let text = null;
    if (mine) text = 'Uploading ' + mine.name + '…';
    else if (attachment && attachment.contactId === contactId()) {
      const size = formatSize(attachment.sizeBytes);
      text =
        '📎 ' +
        (attachment.filename || kindOf(attachment.mimeType)) +
        (size ? ' (' + size + ')' : '') +
        ' — Send sends it, with the message as its caption';
    }
    elements.box.hidden = text === null;
    elements.box.classList.toggle('attachment-uploading', Boolean(mine));
    elements.name.textContent = text || '';
    elements.remove.hidden = !attachment;
    elements.message.placeholder = attachment ? 'Caption for the file (optional; Ctrl+Enter sends)' : placeholder;
  }

  /** Forgets the file (another conversation, sign-out, sent); an upload still running is ignored. */
  function clear() {
    attachment = null;
    uploading = null;
    render();
  }

  /** @param {File} file */
  async function attach(file) {
    const to = contactId();
    if (!to || uploading) return;
    const why = refusal();
    if (why) {
      showResult('✗ File not attached — ' + why, 'error');
      return;
    }
    const mine = { contactId: to, name: file.name || 'the file' };
    uploading = mine;
    attachment = null;
    render();
    onChange();
    showResult('Uploading ' + mine.name + '…', 'pending');
    const form = new window.FormData();
    form.append('file', file, file.name);
    /** @type {import('./console-api.js').Answer<import('./api-types').MediaUploadAnswer>} */
    const res = await api('POST', '/api/admin/media', form);
    if (uploading !== mine) return;
    uploading = null;
    if (res.status === 201 && res.body && res.body.media) {
      /** @type {Attachment} */
      const attached = Object.assign({ contactId: to }, res.body.media);
      attachment = attached;
      showResult('✓ ' + (attached.filename || mine.name) + ' attached', 'ok');
    } else {
      showResult('✗ File not attached — ' + describeFailure(res), 'error');
    }
    render();
    onChange();
  }

  elements.attach.addEventListener('click', () => elements.input.click());
  elements.input.addEventListener('change', () => {
    const file = elements.input.files && elements.input.files[0];
    // Cleared, so choosing the same file again is a change too.
    elements.input.value = '';
    if (file) void attach(file);
  });
  elements.remove.addEventListener('click', () => {
    clear();
    showResult('File removed: nothing was sent', 'pending');
    elements.message.focus();
  });

  const target = elements.conversation;
  target.addEventListener('dragover', (event) => {
    if (!contactId() || !carriesFiles(event)) return;
    event.preventDefault();
    const refused = refusal() !== null;
    if (event.dataTransfer) event.dataTransfer.dropEffect = refused ? 'none' : 'copy';
    // Marked as a place to drop only while a file can go; a drop anyway says why not.
    target.classList.toggle('dropping', !refused);
  });
  target.addEventListener('dragleave', (event) => {
    if (!target.contains(/** @type {Node | null} */ (event.relatedTarget))) target.classList.remove('dropping');
  });
  target.addEventListener('drop', (event) => {
    target.classList.remove('dropping');
    if (!contactId() || !carriesFiles(event)) return;
    event.preventDefault();
    const files = event.dataTransfer ? event.dataTransfer.files : [];
    const file = files[0];
    if (files.length > 1) showResult('✗ One file per message: drop them one at a time.', 'error');
    else if (file) void attach(file);
  });
  keepDroppedFilesInPage();

  return {
    /** The file the next send in the open conversation carries, or null. */
    current() {
      return attachment && attachment.contactId === contactId() ? attachment : null;
    },
    uploading() {
      return uploading !== null;
    },
    clear,
    /**
     * The send that carried `file` was accepted.
     * @param {object} file
     */
    sent(file) {
      if (attachment === file) clear();
    },
  };
}

export { create };
