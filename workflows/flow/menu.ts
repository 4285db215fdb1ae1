import type { StateName } from '../../domain/conversation';
import type { FlowState } from './state';
import { mainMenu, NOTES, welcomeMessage } from './texts';
import type { StepWork } from './step-work';

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
export function leaveFlow(work: StepWork): void {
  const { state } = work;
  delete state.draft;
  delete state.homework;
  if (state.payment !== undefined && state.payment.reference === undefined) delete state.payment;
  work.moveTo(restingName(state));
}

/** Moves to the resting state and sends its menu: the main menu when registered, the welcome otherwise. */
export function showMenu(work: StepWork, note?: string): void {
  const { state } = work;
  work.moveTo(restingName(state));
  work.send(
    state.registered && state.profile ? mainMenu(state.profile, note) : welcomeMessage(work.settings.botName, note),
  );
}

/** The menu after leaving a sub-flow early, saying what was stopped. */
export function leaveWithNote(work: StepWork, note: (what: string) => string): void {
  const hadLink = work.state.payment?.reference !== undefined && work.state.name === 'PAYMENT_PENDING';
  const what = flowLabel(work.state);
  leaveFlow(work);
  showMenu(work, hadLink ? NOTES.paymentStillOpen : note(what));
}
