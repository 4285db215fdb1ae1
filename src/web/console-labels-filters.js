// @ts-check
// The conversation list's filters by label and by priority (console-labels.js keeps them): their
// options, the query they add, and a list shown in full again when the label filtered by is gone.
import { labelFilterOptions, priorityOptions } from './console-labels-render.js';

/** @typedef {import('./api-types').Label} Label */

/**
 * @param {string} id
 * @returns {HTMLSelectElement}
 */
const select = (id) => /** @type {HTMLSelectElement} */ (document.getElementById(id));

/**
 * `onFilterChange()` reloads the list.
 * @param {{ onFilterChange: () => void }} parts
 */
function createLabelFilters({ onFilterChange }) {
  const labelFilter = select('label-filter');
  const priorityFilter = select('priority-filter');
  priorityFilter.append(...priorityOptions());
  labelFilter.addEventListener('change', () => onFilterChange());
  priorityFilter.addEventListener('change', () => onFilterChange());

  return {
    /**
     * The label filter offers the labels loaded now.
     * @param {Label[]} catalogue
     */
    render(catalogue) {
      const chosen = labelFilter.value;
      labelFilter.replaceChildren(...labelFilterOptions(catalogue));
      const still = catalogue.some((label) => label.name === chosen);
      labelFilter.value = still ? chosen : '';
      // The label filtered by was deleted or renamed: the list shows everything again.
      if (chosen !== '' && !still) onFilterChange();
    },
    forget() {
      labelFilter.value = '';
      priorityFilter.value = '';
    },
    /**
     * Adds the list's filters to its query.
     * @param {URLSearchParams} params
     */
    filterParams(params) {
      if (labelFilter.value) params.set('label', labelFilter.value);
      if (priorityFilter.value) params.set('priority', priorityFilter.value);
    },
  };
}

export { createLabelFilters };
