// @ts-check
// Desktop notifications: offered once, shown only for what concerns this agent and only while they
// are not looking at that conversation; a click brings the conversation up.
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/**
 * True while this agent is looking at that conversation: nothing to notify them of.
 * @param {string} contactId
 */
function watching(contactId) {
  return state.openId === contactId && document.visibilityState === 'visible' && document.hasFocus();
}

function notificationsAllowed() {
  return 'Notification' in window && window.Notification.permission === 'granted';
}

/** "Notify me" is offered only while the browser has not been asked yet: once answered, never again. */
export function renderNotifyMe() {
  ui.notifyMe.hidden = !('Notification' in window) || window.Notification.permission !== 'default';
}

/**
 * `open(contactId)` opens a conversation: what a click on a notification does.
 * @param {{ open: (contactId: string) => void }} parts
 */
export function createNotifier({ open }) {
  ui.notifyMe.addEventListener('click', () => {
    // Asked from the click itself: browsers ignore or penalise a request without a user gesture.
    void Promise.resolve(window.Notification.requestPermission()).then(renderNotifyMe, renderNotifyMe);
  });

  /**
   * A desktop notification, if allowed; a click on it brings the conversation up.
   * @param {string} title
   * @param {string} body
   * @param {string} contactId
   */
  function notify(title, body, contactId) {
    if (!notificationsAllowed() || watching(contactId)) return;
    let shown;
    try {
      // One per conversation: a newer one replaces the last instead of piling up.
      shown = new window.Notification(title, { body, tag: 'edubot-' + contactId });
    } catch {
      // Some browsers (Chrome on Android) show notifications only from a service worker.
      return;
    }
    shown.onclick = () => {
      window.focus();
      open(contactId);
      shown.close();
    };
  }

  return { notify };
}
