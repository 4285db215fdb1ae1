// @ts-check
// A list message's rows, in a sheet (a modal <dialog>) as WhatsApp shows them: tapping a row answers
// the message that carried the list, and closes the sheet. Rendered with lit-html, texts as text.
import { html, nothing, render } from '../lib/lit-html/lit-html.js';

/** @typedef {import('./simulator-thread.js').ListContent} ListContent */
/** @typedef {import('./simulator-thread.js').Reply} Reply */

/**
 * @param {{ sheet: HTMLDialogElement, sheetTitle: HTMLElement, sheetSections: HTMLElement, sheetClose: HTMLElement }} ui
 * @param {(reply: Reply, contextId: string) => void} onPick
 */
export function createSheet(ui, onPick) {
  ui.sheetClose.addEventListener('click', () => ui.sheet.close());
  // A click on the backdrop (the dialog element itself, outside its content) closes it, as in WhatsApp.
  ui.sheet.addEventListener('click', (event) => {
    if (event.target === ui.sheet) ui.sheet.close();
  });

  /** @param {ListContent['sections'][number]['rows'][number]} row @param {string} contextId */
  const rowButton = (row, contextId) =>
    html`<li>
      <button
        type="button"
        class="sheet-row"
        data-id=${row.id}
        @click=${() => {
          ui.sheet.close();
          onPick({ kind: 'list', id: row.id, title: row.title }, contextId);
        }}
      >
        <span class="row-title">${row.title}</span>${
          row.description ? html`<span class="row-description">${row.description}</span>` : nothing
        }
      </button>
    </li>`;

  return {
    /** Opens the rows of `content`, the list message `contextId`, with the first row focused. */
    open(/** @type {ListContent} */ content, /** @type {string} */ contextId) {
      ui.sheetTitle.textContent = content.button;
      render(
        content.sections.map(
          (section) =>
            html`<section class="sheet-section">
              ${section.title ? html`<h3 class="section-title">${section.title}</h3>` : nothing}
              <ul class="sheet-rows">
                ${(section.rows || []).map((row) => rowButton(row, contextId))}
              </ul>
            </section>`,
        ),
        ui.sheetSections,
      );
      ui.sheet.showModal();
      const first = ui.sheetSections.querySelector('button');
      if (first) first.focus();
    },
  };
}
