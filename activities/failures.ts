import { ApplicationFailure } from '@temporalio/activity';
import { refusedValues } from '../src/db/pool';
import { WhatsAppApiError } from '../src/whatsapp/errors';
import { PERMANENT_FAILURE, type SetAsideReason } from '../domain/failures';

// Which activity failures are for good. Everything else (a lost connection, a timeout, a 5xx, a rate
// limit, a column a rolling upgrade has not migrated yet) is an outage, retried for as long as it lasts.

/** The quarantine reason of a failure that retrying can never mend, or undefined for an outage. */
export function permanentReason(err: unknown): SetAsideReason | undefined {
  if (err instanceof ApplicationFailure) return undefined;
  if (refusedValues(err)) return 'store_refused';
  // Outside a send (whose refusals are kept on the message), WhatsApp refusing for good is a photo
  // that cannot be downloaded: expired, deleted or never ours.
  if (err instanceof WhatsAppApiError && !err.retryable) return 'media_unavailable';
  // A value no Date, array or number can hold (`toISOString` of an absurd time, say).
  if (err instanceof RangeError) return 'failed';
  return undefined;
}

/** `err` as the non-retryable failure the workflow recognises, when it is permanent; otherwise as is. */
export function asPermanent(err: unknown): unknown {
  const reason = permanentReason(err);
  if (reason === undefined) return err;
  return ApplicationFailure.create({
    type: PERMANENT_FAILURE,
    message: err instanceof Error ? err.message : String(err),
    nonRetryable: true,
    details: [{ reason }],
    cause: err instanceof Error ? err : undefined,
  });
}

type AnyActivity = (input: never) => Promise<unknown>;

/** The same activities, each throwing its permanent failures as PERMANENT_FAILURE. */
export function classifyFailures<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (input: never) => {
      try {
        return await fn(input);
      } catch (err) {
        throw asPermanent(err);
      }
    };
  }
  return wrapped as T;
}
