import { CUSTOMER_SERVICE_WINDOW_MS } from '../../domain/whatsapp-limits';
import { readRating, type Input } from './intents';
import { ratingAsk, ratingTemplate, ratingThanks } from './texts';
import type { StepWork } from './step-work';

/**
 * The answer to "how was your chat?". A rating is stored on the session that asked; anything
 * else drops the question and is handled as usual, since ignoring the question is fine.
 * Returns whether the input was the rating.
 */
export function handleRating(work: StepWork, input: Input): boolean {
  const pending = work.state.awaitingRating;
  if (pending === undefined) return false;
  delete work.state.awaitingRating;
  const rating = readRating(input);
  if (rating === undefined) return false;
  work.emit({ type: 'recordRating', sessionKey: pending.sessionKey, rating });
  work.send(ratingThanks());
  return true;
}

/**
 * Asks how the chat went: a list inside the 24-hour window; past it (an agent or the idle timeout
 * ended the chat a day after the student last wrote) WhatsApp takes only a template, so the approved
 * rating template goes instead, when one is configured. Its quick replies come back as csat_N taps.
 */
export function askRating(work: StepWork): void {
  const { csatTemplate } = work.settings;
  const { now, lastInboundAt } = work.ctx;
  const windowClosed = lastInboundAt !== undefined && now - lastInboundAt > CUSTOMER_SERVICE_WINDOW_MS;
  work.send(windowClosed && csatTemplate !== undefined ? ratingTemplate(csatTemplate) : ratingAsk());
}
