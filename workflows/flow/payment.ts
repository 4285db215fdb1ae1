import { EXPIRED_PAYMENTS_KEPT } from '../../domain/types';
import { fnv1a64 } from './ids';
import { hasPhrase, matchIntent, type Input } from './intents';
import { restingName, showMenu } from './menu';
import { NOTES, notice, paymentLink, paymentOffer, paymentWaiting, registerFirst } from './texts';
import type { Turn } from './turn';

// Subscription payment: offer → Confirm records a pending payment and sends the provider's
// link → the provider's signed webhook confirms it, or the payment timer expires it.

const DAY_MS = 86_400_000;
export const SUBSCRIPTION_PERIOD_MS = 30 * DAY_MS;
const CONFIRM_WORDS = ['confirm', 'yes', 'ok', 'okay', 'proceed'];

function activeUntil(turn: Turn): number | undefined {
  const until = turn.state.subscriptionActiveUntil;
  return until !== undefined && until > turn.ctx.now ? until : undefined;
}

/** Shows the plan and price with Confirm; an earlier payment still open is offered again rather than doubled. */
export function offerPayment(turn: Turn): void {
  const { state, settings } = turn;
  if (!state.registered) {
    turn.moveTo(restingName(state));
    turn.send(registerFirst('subscribe'));
    return;
  }
  if (state.payment?.reference === undefined) state.payment = { amount: settings.payment.planPrice };
  turn.moveTo('PAYMENT_PENDING');
  const until = activeUntil(turn);
  const pendingReference = state.payment.reference;
  turn.send(
    paymentOffer(settings, {
      ...(until === undefined ? {} : { activeUntil: until }),
      ...(pendingReference === undefined ? {} : { pendingReference }),
    }),
  );
}

/**
 * The user's Confirm: records a pending payment under a new reference and sends its link, or sends the
 * link of the payment already open again (one open payment at a time, so the user cannot pay twice by accident).
 */
export function confirmPayment(turn: Turn): void {
  const { state, settings } = turn;
  if (!state.registered) {
    turn.moveTo(restingName(state));
    turn.send(registerFirst('subscribe'));
    return;
  }
  turn.moveTo('PAYMENT_PENDING');
  const open = state.payment;
  if (open?.reference !== undefined) {
    turn.send(paymentLink(settings, open.reference, open.link ?? linkFor(turn, open.reference)));
    return;
  }
  // The reference travels to the payment provider inside the link: it names the conversation by a
  // hash of its contact id, which itself holds nothing of the student.
  const reference = `PAY-${contactHash(turn.ctx.contactId)}-${turn.newId()}`;
  const amount = open?.amount ?? settings.payment.planPrice;
  const link = linkFor(turn, reference);
  state.payment = { reference, amount, link };
  turn.emit({ type: 'createPayment', reference, amount, planName: settings.payment.planName });
  turn.startTimer('payment', settings.timers.paymentTimeoutMs);
  turn.send(paymentLink(settings, reference, link));
}

export function linkFor(turn: Turn, reference: string): string {
  return turn.settings.payment.linkTemplate.split('{reference}').join(reference);
}

/** One message in PAYMENT_PENDING. Returns false for a command that leaves the flow. */
export function handlePaymentPending(turn: Turn, input: Input): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'payment_confirm') return false;
    confirmPayment(turn);
    return true;
  }
  if (input.kind === 'text') {
    if (hasPhrase(input.norm, CONFIRM_WORDS)) {
      confirmPayment(turn);
      return true;
    }
    if (matchIntent(input.norm) !== undefined) return false;
  }
  const open = turn.state.payment;
  if (open?.reference !== undefined) turn.send(paymentWaiting(open.reference, open.link));
  else offerPayment(turn);
  return true;
}

/**
 * The provider confirmed `reference`. Only the open payment counts: an unknown or repeated reference
 * changes nothing. The subscription runs 30 days from now, or 30 days past a subscription still active.
 * A user busy elsewhere (a chat, another flow) gets the news as a note and stays where they are.
 */
export function onPaymentConfirmed(turn: Turn, reference: string): boolean {
  const { state, settings } = turn;
  const pending = state.payment?.reference !== undefined && state.payment.reference === reference;
  // Money that arrives after the payment timed out is still honoured: the student paid.
  const late = !pending && (state.expiredPayments ?? []).includes(reference);
  if (!pending && !late) return false;
  const until = Math.max(turn.ctx.now, state.subscriptionActiveUntil ?? 0) + SUBSCRIPTION_PERIOD_MS;
  turn.emit({ type: 'confirmPayment', reference, activeUntil: until });
  state.subscriptionActiveUntil = until;
  if (pending) {
    delete state.payment;
    turn.cancelTimer('payment');
  } else {
    state.expiredPayments = state.expiredPayments!.filter((r) => r !== reference);
  }
  const note = NOTES.paymentReceived(settings.payment.planName, until);
  if (state.name === 'PAYMENT_PENDING') showMenu(turn, note);
  else turn.send(notice(note));
  return true;
}

/** The payment timer fired: the open payment expires; a user still on the payment step goes back to the menu. */
export function onPaymentTimeout(turn: Turn): void {
  const { state } = turn;
  const reference = state.payment?.reference;
  if (reference === undefined) return;
  turn.emit({ type: 'expirePayment', reference });
  delete state.payment;
  state.expiredPayments = [...(state.expiredPayments ?? []), reference].slice(-EXPIRED_PAYMENTS_KEPT);
  const note = NOTES.paymentExpired(reference);
  if (state.name === 'PAYMENT_PENDING') showMenu(turn, note);
  // The bot stays out of a live chat; the status and the next offer show the payment is gone.
  else if (state.name !== 'CHAT_SUPPORT_ACTIVE') turn.send(notice(note));
}

/** 64-bit FNV-1a of the contact id, hex: unique enough to keep references of different contacts apart. */
function contactHash(contactId: string): string {
  return fnv1a64(contactId).toString(16).padStart(16, '0');
}
