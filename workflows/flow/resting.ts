import { openUserChat } from './chat';
import { showFaq, showHelp, showTopic } from './faq';
import { startHomework } from './homework';
import { matchIntent, type Input, type Intent, type Tap } from './intents';
import { restingName, showMenu } from './menu';
import { confirmPayment, offerPayment } from './payment';
import { startRegistration } from './registration';
import { showStatus } from './status';
import { subjectFromSlug } from './subjects';
import { alreadyRegistered, NOTES } from './texts';
import type { Turn } from './turn';

// The resting states (INITIAL, IDLE, REGISTERED and the resting-like HOMEWORK_SUBMITTED): every tap and
// typed intent works from here; anything else gets a short "didn't get that" and the menu again.

/** Handles one message from a resting state; the user ends in a resting state unless a flow starts. */
export function handleResting(turn: Turn, input: Input): void {
  const firstContact = turn.state.name === 'INITIAL';
  turn.moveTo(restingName(turn.state));
  // The first message a number ever sends gets the welcome, whatever it says: a stranger's
  // "can you help with my order?" is a greeting, not a request for the help topics. Taps still obey.
  if (firstContact && input.kind !== 'tap') {
    if (input.kind !== 'reaction') showMenu(turn);
    return;
  }
  switch (input.kind) {
    case 'tap':
      handleTap(turn, input.tap);
      return;
    case 'text': {
      const intent = matchIntent(input.norm);
      if (intent === undefined) showMenu(turn, NOTES.didNotGetThat);
      else runIntent(turn, intent);
      return;
    }
    case 'media': {
      const homeworkLike = input.media.mediaType === 'image' || input.media.mediaType === 'document';
      showMenu(turn, turn.state.registered && homeworkLike ? NOTES.homeworkMediaOutsideFlow : NOTES.cannotRead);
      return;
    }
    case 'location':
      showMenu(turn, NOTES.cannotUseLocation);
      return;
    case 'other':
      showMenu(turn, NOTES.cannotRead);
      return;
    case 'reaction':
      return;
  }
}

/**
 * Taps are commands wherever they come from, including buttons of a flow that has ended: a late
 * Confirm still asks for the payment link, a subject row still starts homework on that subject.
 */
function handleTap(turn: Turn, tap: Tap): void {
  switch (tap.kind) {
    case 'intent':
      runIntent(turn, tap.intent);
      return;
    case 'homework_kind':
      startHomework(turn);
      return;
    case 'payment_confirm':
      confirmPayment(turn);
      return;
    case 'rating':
      // Ratings are read before the state's own handling; one reaching here has no chat waiting for it.
      showMenu(turn, NOTES.ratingClosed);
      return;
    case 'topic':
      showTopic(turn, tap.topic);
      return;
    case 'subject':
      startHomework(turn, subjectFromSlug(tap.slug));
      return;
    case 'unknown':
      showMenu(turn, NOTES.didNotGetThat);
      return;
  }
}

function runIntent(turn: Turn, intent: Intent): void {
  const { state } = turn;
  switch (intent) {
    case 'end_chat':
      showMenu(turn, NOTES.notInChat);
      return;
    case 'support':
      openUserChat(turn);
      return;
    case 'homework':
      startHomework(turn);
      return;
    case 'pay':
      offerPayment(turn);
      return;
    case 'status':
      showStatus(turn);
      return;
    case 'faq':
      showFaq(turn);
      return;
    case 'help':
      showHelp(turn);
      return;
    case 'update_profile':
      startRegistration(turn, true);
      return;
    case 'register':
      if (state.registered && state.profile !== undefined) turn.send(alreadyRegistered(state.profile));
      else startRegistration(turn, false);
      return;
    case 'main_menu':
      showMenu(turn);
      return;
  }
}
