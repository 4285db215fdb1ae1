import type { MessagePricing } from '../../domain/types';
import { bsuidOf, parentBsuidOf, phoneOf } from './parse-identity';
import { eachItem, type ValueScope } from './parse-items';
import { clampInt, saneId, saneTime } from './sanitize';
import { DeliveryStatus, WebhookStatus } from './webhook-schema';
import { clip, errorTitle, quote } from './webhook-text';

// A value's `statuses[]`: what became of a message the product sent (sent, delivered, read, failed),
// with whom it reached, what it cost and the send's own key echoed back. A status the product does not
// know is set aside rather than guessed at.

/** Reads `statuses[]` into `out.statuses`; a time out of range becomes `receivedAt`. */
export function parseStatuses(list: unknown[], scope: ValueScope): void {
  const { receivedAt, out, setAside } = scope;
  const kind = { source: 'webhook_status', key: 'statuses', required: 'id or status' } as const;
  eachItem(list, WebhookStatus, kind, scope, (s, id, raw) => {
    const status = DeliveryStatus.safeParse(s.status);
    if (!status.success) {
      return setAside(
        'webhook_status',
        'unknown_status',
        raw,
        `status ${quote(s.status)} of ${clip(id)} is not handled`,
      );
    }
    const error = s.errors?.[0];
    const recipientId = phoneOf(s.recipient_id);
    const recipientUserId = bsuidOf(s.recipient_user_id);
    const recipientParentUserId = parentBsuidOf(
      s.recipient_parent_user_id ?? s.parent_recipient_user_id ?? s.parent_user_id,
    );
    const pricing = s.pricing && pricingOf(s.pricing);
    // Meta allows 512 characters; anything unusable is dropped, the status itself still counts.
    const callbackData = s.biz_opaque_callback_data === undefined ? undefined : saneId(s.biz_opaque_callback_data, 512);
    out.statuses.push({
      waMessageId: id,
      status: status.data,
      timestamp: saneTime(s.timestamp, receivedAt),
      ...(recipientId === undefined ? {} : { recipientId }),
      ...(recipientUserId === undefined ? {} : { recipientUserId }),
      ...(recipientParentUserId === undefined ? {} : { recipientParentUserId }),
      ...(pricing === undefined ? {} : { pricing }),
      // error_code is an integer column; Meta's codes are six digits at most.
      ...(error === undefined ? {} : { errorCode: clampInt(error.code), errorTitle: errorTitle(error) }),
      ...(callbackData === undefined ? {} : { callbackData }),
    });
  });
}

/** A status's `pricing`, its strings cleaned. */
function pricingOf(pricing: NonNullable<WebhookStatus['pricing']>): MessagePricing | undefined {
  const result: MessagePricing = {
    ...(pricing.pricing_model === undefined ? {} : { pricingModel: clip(pricing.pricing_model) }),
    ...(pricing.category === undefined ? {} : { category: clip(pricing.category) }),
    ...(pricing.type === undefined ? {} : { type: clip(pricing.type) }),
    ...(pricing.billable === undefined ? {} : { billable: pricing.billable }),
  };
  return Object.keys(result).length === 0 ? undefined : result;
}
