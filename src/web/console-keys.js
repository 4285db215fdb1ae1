// Moving through a list of conversations with the keyboard.

/** Up and Down move between a list's items, Home and End jump to its ends; Enter opens (the button's own). */
export function listKeys(list) {
  list.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
    const at = buttons.indexOf(event.target);
    if (at === -1 || buttons.length === 0) return;
    const to = {
      ArrowDown: Math.min(at + 1, buttons.length - 1),
      ArrowUp: Math.max(at - 1, 0),
      Home: 0,
      End: buttons.length - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    buttons[to].focus();
  });
}

/** The contact id of the item of `list` that has the focus and its place, or null. */
export function focusedIn(list) {
  const active = document.activeElement;
  if (!active || !list.contains(active)) return null;
  const holder = active.closest('[data-contact-id]');
  const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
  return {
    contactId: holder ? holder.dataset.contactId : null,
    index: buttons.indexOf(active),
    // A rebuild removes the focused button before the new one takes the focus, so the browser's own
    // guess (from the element that had it) is gone: the ring the agent saw is carried over by hand.
    ringShown: active.matches(':focus-visible'),
  };
}

/** After a rebuild, the focus goes back to the same conversation, or to the item now in its place. */
export function refocus(list, focused) {
  if (!focused) return;
  const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
  const same = buttons.find((b) => b.closest('[data-contact-id]').dataset.contactId === focused.contactId);
  const target = same || buttons[Math.min(Math.max(focused.index, 0), buttons.length - 1)];
  // The list keeps its scroll position: a live reload must not move what the agent is reading.
  if (target) target.focus({ preventScroll: true, focusVisible: focused.ringShown });
}
