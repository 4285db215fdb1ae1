import type { StateName } from '../../domain/conversation';
import type { FlowState } from './state';
import { mainMenu, NOTES, welcomeMessage } from './texts';
import type { Turn } from './turn';

// Resting states and the way back to them, shared by every flow.

const SUB_FLOWS: readonly StateName[] = [
  'REGISTERING_NAME',
  'REGISTERING_EMAIL',
  'REGISTERING_CLASS',
  'HOMEWORK_SUBJECT',
  'HOMEWORK_TYPE',
  'HOMEWORK_CONTENT',
  'PAYMENT_PENDING',
];

export function restingName(state: FlowState): StateName {
  return state.registered ? 'REGISTERED' : 'IDLE';
}

export function isSubFlow(name: StateName): boolean {
  return SUB_FLOWS.includes(name);
}

/**
 * Whether the user is expected to answer, so silence should time out (`flow_idle`). Once a payment link
 * is out the user is waiting for the provider, not the other way round: the payment timer governs then.
 */
export function awaitsUser(state: FlowState): boolean {
  if (state.name === 'PAYMENT_PENDING') return state.payment?.reference === undefined;
  return isSubFlow(state.name);
}

/** What the user was doing, in the words of "I stopped the …". */
export function flowLabel(state: FlowState): string {
  switch (state.name) {
    case 'REGISTERING_NAME':
    case 'REGISTERING_EMAIL':
    case 'REGISTERING_CLASS':
      return state.draft?.updating === true ? 'profile update' : 'registration';
    case 'HOMEWORK_SUBJECT':
    case 'HOMEWORK_TYPE':
    case 'HOMEWORK_CONTENT':
      return 'homework submission';
    default:
      return 'payment';
  }
}

/**
 * Drops what a sub-flow collected but had not saved, and returns to the resting state. A payment whose
 * link was sent stays: the provider may still confirm it.
 */
export function leaveFlow(turn: Turn): void {
  const { state } = turn;
  delete state.draft;
  delete state.homework;
  if (state.payment !== undefined && state.payment.reference === undefined) delete state.payment;
  turn.moveTo(restingName(state));
}

/** Moves to the resting state and sends its menu: the main menu when registered, the welcome otherwise. */
export function showMenu(turn: Turn, note?: string): void {
  const { state } = turn;
  turn.moveTo(restingName(state));
  turn.send(
    state.registered && state.profile ? mainMenu(state.profile, note) : welcomeMessage(turn.settings.botName, note),
  );
}

/** The menu after leaving a sub-flow early, saying what was stopped. */
export function leaveWithNote(turn: Turn, note: (what: string) => string): void {
  const hadLink = turn.state.payment?.reference !== undefined && turn.state.name === 'PAYMENT_PENDING';
  const what = flowLabel(turn.state);
  leaveFlow(turn);
  showMenu(turn, hadLink ? NOTES.paymentStillOpen : note(what));
}
