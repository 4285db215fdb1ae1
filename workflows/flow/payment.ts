import { EXPIRED_PAYMENTS_KEPT } from '../../domain/types';
import { fnv1a64 } from './ids';
import { hasPhrase, matchIntent, type Input } from './intents';
import { restingName, showMenu } from './menu';
import { NOTES, notice, paymentLink, paymentOffer, paymentWaiting, registerFirst } from './texts';
import type { StepWork } from './step-work';

// Subscription payment: offer → Confirm records a pending payment and sends the provider's
// link → the provider's signed webhook confirms it, or the payment timer expires it.

const DAY_MS = 86_400_000;
export const SUBSCRIPTION_PERIOD_MS = 30 * DAY_MS;
const CONFIRM_WORDS = ['confirm', 'yes', 'ok', 'okay', 'proceed'];

function activeUntil(work: StepWork): number | undefined {
  const until = work.state.subscriptionActiveUntil;
  return until !== undefined && until > work.ctx.now ? until : undefined;
}

/** Shows the plan and price with Confirm; an earlier payment still open is offered again rather than doubled. */
export function offerPayment(work: StepWork): void {
  const { state, settings } = work;
  if (!state.registered) {
    work.moveTo(restingName(state));
    work.send(registerFirst('subscribe'));
    return;
  }
  if (state.payment?.reference === undefined) state.payment = { amount: settings.payment.planPrice };
  work.moveTo('PAYMENT_PENDING');
  const until = activeUntil(work);
  const pendingReference = state.payment.reference;
  work.send(
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
export function confirmPayment(work: StepWork): void {
  const { state, settings } = work;
  if (!state.registered) {
    work.moveTo(restingName(state));
    work.send(registerFirst('subscribe'));
    return;
  }
  work.moveTo('PAYMENT_PENDING');
  const open = state.payment;
  if (open?.reference !== undefined) {
    work.send(paymentLink(settings, open.reference, open.link ?? linkFor(work, open.reference)));
    return;
  }
  // The reference travels to the payment provider inside the link: it names the conversation by a
  // hash of its contact id, which itself holds nothing of the student.
  const reference = `PAY-${contactHash(work.ctx.contactId)}-${work.newId()}`;
  const amount = open?.amount ?? settings.payment.planPrice;
  const link = linkFor(work, reference);
  state.payment = { reference, amount, link };
  work.emit({ type: 'createPayment', reference, amount, planName: settings.payment.planName });
  work.startTimer('payment', settings.timers.paymentTimeoutMs);
  work.send(paymentLink(settings, reference, link));
}

export function linkFor(work: StepWork, reference: string): string {
  return work.settings.payment.linkTemplate.split('{reference}').join(reference);
}

/** One message in PAYMENT_PENDING. Returns false for a command that leaves the flow. */
export function handlePaymentPending(work: StepWork, input: Input): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'payment_confirm') return false;
    confirmPayment(work);
    return true;
  }
  if (input.kind === 'text') {
    if (hasPhrase(input.norm, CONFIRM_WORDS)) {
      confirmPayment(work);
      return true;
    }
    if (matchIntent(input.norm) !== undefined) return false;
  }
  const open = work.state.payment;
  if (open?.reference !== undefined) work.send(paymentWaiting(open.reference, open.link));
  else offerPayment(work);
  return true;
}

/**
 * The provider confirmed `reference`. Only the open payment counts: an unknown or repeated reference
 * changes nothing. The subscription runs 30 days from now, or 30 days past a subscription still active.
 * A user busy elsewhere (a chat, another flow) gets the news as a note and stays where they are.
 */
export function onPaymentConfirmed(work: StepWork, reference: string): boolean {
  const { state, settings } = work;
  const pending = state.payment?.reference !== undefined && state.payment.reference === reference;
  // Money that arrives after the payment timed out is still honoured: the student paid.
  const late = !pending && (state.expiredPayments ?? []).includes(reference);
  if (!pending && !late) return false;
  const until = Math.max(work.ctx.now, state.subscriptionActiveUntil ?? 0) + SUBSCRIPTION_PERIOD_MS;
  work.emit({ type: 'confirmPayment', reference, activeUntil: until });
  state.subscriptionActiveUntil = until;
  if (pending) {
    delete state.payment;
    work.cancelTimer('payment');
  } else {
    state.expiredPayments = state.expiredPayments!.filter((r) => r !== reference);
  }
  const note = NOTES.paymentReceived(settings.payment.planName, until);
  if (state.name === 'PAYMENT_PENDING') showMenu(work, note);
  else work.send(notice(note));
  return true;
}

/** The payment timer fired: the open payment expires; a user still on the payment step goes back to the menu. */
export function onPaymentTimeout(work: StepWork): void {
  const { state } = work;
  const reference = state.payment?.reference;
  if (reference === undefined) return;
  work.emit({ type: 'expirePayment', reference });
  delete state.payment;
  state.expiredPayments = [...(state.expiredPayments ?? []), reference].slice(-EXPIRED_PAYMENTS_KEPT);
  const note = NOTES.paymentExpired(reference);
  if (state.name === 'PAYMENT_PENDING') showMenu(work, note);
  // The bot stays out of a live chat; the status and the next offer show the payment is gone.
  else if (state.name !== 'CHAT_SUPPORT_ACTIVE') work.send(notice(note));
}

/** 64-bit FNV-1a of the contact id, hex: unique enough to keep references of different contacts apart. */
function contactHash(contactId: string): string {
  return fnv1a64(contactId).toString(16).padStart(16, '0');
}
