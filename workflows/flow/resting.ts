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
import type { StepWork } from './step-work';

// The resting states (INITIAL, IDLE, REGISTERED and the resting-like HOMEWORK_SUBMITTED): every tap and
// typed intent works from here; anything else gets a short "didn't get that" and the menu again.

/** Handles one message from a resting state; the user ends in a resting state unless a flow starts. */
export function handleResting(work: StepWork, input: Input): void {
  const firstContact = work.state.name === 'INITIAL';
  work.moveTo(restingName(work.state));
  // The first message a number ever sends gets the welcome, whatever it says: a stranger's
  // "can you help with my order?" is a greeting, not a request for the help topics. Taps still obey.
  if (firstContact && input.kind !== 'tap') {
    if (input.kind !== 'reaction') showMenu(work);
    return;
  }
  switch (input.kind) {
    case 'tap':
      handleTap(work, input.tap);
      return;
    case 'text': {
      const intent = matchIntent(input.norm);
      if (intent === undefined) showMenu(work, NOTES.didNotGetThat);
      else runIntent(work, intent);
      return;
    }
    case 'media': {
      const homeworkLike = input.media.mediaType === 'image' || input.media.mediaType === 'document';
      showMenu(work, work.state.registered && homeworkLike ? NOTES.homeworkMediaOutsideFlow : NOTES.cannotRead);
      return;
    }
    case 'location':
      showMenu(work, NOTES.cannotUseLocation);
      return;
    case 'other':
      showMenu(work, NOTES.cannotRead);
      return;
    case 'reaction':
      return;
  }
}

/**
 * Taps are commands wherever they come from, including buttons of a flow that has ended: a late
 * Confirm still asks for the payment link, a subject row still starts homework on that subject.
 */
function handleTap(work: StepWork, tap: Tap): void {
  switch (tap.kind) {
    case 'intent':
      runIntent(work, tap.intent);
      return;
    case 'homework_kind':
      startHomework(work);
      return;
    case 'payment_confirm':
      confirmPayment(work);
      return;
    case 'rating':
      // Ratings are read before the state's own handling; one reaching here has no chat waiting for it.
      showMenu(work, NOTES.ratingClosed);
      return;
    case 'topic':
      showTopic(work, tap.topic);
      return;
    case 'subject':
      startHomework(work, subjectFromSlug(tap.slug));
      return;
    case 'unknown':
      showMenu(work, NOTES.didNotGetThat);
      return;
  }
}

function runIntent(work: StepWork, intent: Intent): void {
  const { state } = work;
  switch (intent) {
    case 'end_chat':
      showMenu(work, NOTES.notInChat);
      return;
    case 'support':
      openUserChat(work);
      return;
    case 'homework':
      startHomework(work);
      return;
    case 'pay':
      offerPayment(work);
      return;
    case 'status':
      showStatus(work);
      return;
    case 'faq':
      showFaq(work);
      return;
    case 'help':
      showHelp(work);
      return;
    case 'update_profile':
      startRegistration(work, true);
      return;
    case 'register':
      if (state.registered && state.profile !== undefined) work.send(alreadyRegistered(state.profile));
      else startRegistration(work, false);
      return;
    case 'main_menu':
      showMenu(work);
      return;
  }
}
