import { CUSTOMER_SERVICE_WINDOW_MS } from '../../domain/whatsapp-limits';
import { readRating, type Input } from './intents';
import { ratingAsk, ratingTemplate, ratingThanks } from './texts';
import type { Turn } from './turn';

/**
 * The answer to "how was your chat?". A rating is stored on the session that asked; anything
 * else drops the question and is handled as usual, since ignoring the question is fine.
 * Returns whether the input was the rating.
 */
export function handleRating(turn: Turn, input: Input): boolean {
  const pending = turn.state.awaitingRating;
  if (pending === undefined) return false;
  delete turn.state.awaitingRating;
  const rating = readRating(input);
  if (rating === undefined) return false;
  turn.emit({ type: 'recordRating', sessionKey: pending.sessionKey, rating });
  turn.send(ratingThanks());
  return true;
}

/**
 * Asks how the chat went: a list inside the 24-hour window; past it (an agent or the idle timeout
 * ended the chat a day after the student last wrote) WhatsApp takes only a template, so the approved
 * rating template goes instead, when one is configured. Its quick replies come back as csat_N taps.
 */
export function askRating(turn: Turn): void {
  const { csatTemplate } = turn.settings;
  const { now, lastInboundAt } = turn.ctx;
  const windowClosed = lastInboundAt !== undefined && now - lastInboundAt > CUSTOMER_SERVICE_WINDOW_MS;
  turn.send(windowClosed && csatTemplate !== undefined ? ratingTemplate(csatTemplate) : ratingAsk());
}
