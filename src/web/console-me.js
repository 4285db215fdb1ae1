// @ts-check
// Who is signed in, and whether they are available for automatic assignment or away.
import { api, describeFailure } from './console-api.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/**
 * `onMe(me)` runs each time the agent is known anew (their role decides what they are offered).
 * @param {{ onMe: (me: import('./api-types').Me) => void }} parts
 */
export function createMe({ onMe }) {
  let busy = false;

  async function load() {
    /** @type {import('./console-api.js').Answer<import('./api-types').MeAnswer>} */
    const res = await api('GET', '/api/admin/me');
    if (res.status === 200 && state.token) {
      state.me = res.body.agent;
      render();
      onMe(state.me);
    }
  }

  function render() {
    const me = state.me;
    const known = me !== null && typeof me.available === 'boolean';
    ui.availability.hidden = !known || !state.token;
    if (me === null || !known) return;
    ui.availability.textContent = me.available ? 'Available' : 'Away';
    ui.availability.classList.toggle('away', !me.available);
    ui.availability.title = me.available
      ? 'New chats can be given to you. Click to be away.'
      : 'No new chats are given to you. Click to be available.';
  }

  async function toggle() {
    if (!state.me || busy) return;
    busy = true;
    ui.availability.disabled = true;
    /** @type {import('./console-api.js').Answer<import('./api-types').MeAnswer>} */
    const res = await api('POST', '/api/admin/me/availability', { available: !state.me.available });
    busy = false;
    ui.availability.disabled = false;
    if (!state.token) return;
    if (res.status === 200 && res.body && res.body.agent) {
      ui.availabilityError.textContent = '';
      state.me = res.body.agent;
      render();
      return;
    }
    ui.availabilityError.textContent = 'Not changed — ' + describeFailure(res);
  }

  ui.availability.addEventListener('click', () => void toggle());

  return { load };
}
