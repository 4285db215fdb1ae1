import { readRating, type Input } from './intents';
import { ratingThanks } from './texts';
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
