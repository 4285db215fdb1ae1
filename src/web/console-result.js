// @ts-check
// A form's result line ("Saving…", "✓ Saved", "Not saved — …"): its text, and its class for the colour.

/**
 * @param {HTMLElement} element
 * @param {string} text
 * @param {'pending' | 'ok' | 'error'} kind
 */
function showResult(element, text, kind) {
  element.textContent = text;
  element.className = 'result result-' + kind;
}

export { showResult };
