// @ts-check
// Signing in with a token (checked against the API before it is kept, in this tab's sessionStorage
// only) and signing out (the token revoked on the server first).
import { api, describeFailure, onUnauthorized } from './console-api.js';
import { forgetTabState, state, TOKEN_KEY } from './console-state.js';
import { ui } from './console-ui.js';

/**
 * `views` is console-views.js's; `started()` runs once signed in (the stream, the first loads),
 * `stopped()` once signed out (everything shown is forgotten); `stopStream()` closes the live stream.
 * @param {{ views: ReturnType<typeof import('./console-views.js').createViews>; started: () => void;
 *   stopped: () => void; stopStream: () => void }} parts
 */
export function createSession({ views, started, stopped, stopStream }) {
  /** @param {string} [message] */
  function showLogin(message) {
    ui.appView.hidden = true;
    ui.signOut.hidden = true;
    ui.live.hidden = true;
    ui.availability.hidden = true;
    ui.availabilityError.textContent = '';
    ui.notifyMe.hidden = true;
    views.hide();
    ui.loginView.hidden = false;
    ui.loginError.textContent = message || '';
    ui.token.value = '';
    ui.token.focus();
  }

  function showApp() {
    ui.loginView.hidden = true;
    views.show('app-view');
    ui.signOut.hidden = false;
    ui.live.hidden = false;
    started();
  }

  /** @param {string} message */
  function signOut(message) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    forgetTabState();
    stopStream();
    state.me = null;
    stopped();
    showLogin(message);
  }

  onUnauthorized(() => signOut('The server refused the token (401 unauthorized). Sign in again.'));

  ui.loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const candidate = ui.token.value.trim();
    if (candidate === '') {
      ui.loginError.textContent = 'Enter a token.';
      return;
    }
    ui.signIn.disabled = true;
    ui.loginError.textContent = 'Checking the token…';
    state.token = candidate;
    const res = await api('GET', '/api/admin/conversations?limit=1');
    ui.signIn.disabled = false;
    if (res.status === 200) {
      forgetTabState();
      sessionStorage.setItem(TOKEN_KEY, candidate);
      ui.token.value = '';
      ui.loginError.textContent = '';
      showApp();
      return;
    }
    state.token = null;
    ui.loginError.textContent =
      res.status === 401 ? 'That token is not valid (401 unauthorized).' : 'Could not sign in: ' + describeFailure(res);
  });

  // Signing out revokes the token on the server first: a copy left in this browser (its storage, a
  // password manager, the history of a shared computer) must let nobody in afterwards.
  ui.signOut.addEventListener('click', async () => {
    ui.signOut.disabled = true;
    // The revocation closes the live stream; its reconnection must not sign out first, with a refusal.
    stopStream();
    const res = await api('POST', '/api/admin/tokens/self/revoke');
    ui.signOut.disabled = false;
    // A 401 has signed out already (the token no longer worked).
    if (state.token === null) return;
    if (res.status === 200) signOut('Signed out. The token is revoked: ask an admin for a new one to sign in again.');
    else if (res.body && res.body.error && res.body.error.code === 'token_not_revocable')
      signOut('Signed out. The ADMIN_TOKEN stays valid until the server is given another.');
    else
      signOut(
        'Signed out of this browser, but the server did not revoke the token (' +
          describeFailure(res) +
          '): ask an admin to revoke it.',
      );
  });

  return { showLogin, showApp, signOut };
}
