import type { MessageTally } from '../db/stats';

// One fold of the message tallies, shared by GET /metrics (all time) and GET /api/admin/stats (a range).

export interface MessageFigures {
  /** Message counts by direction, then type. */
  byType: { inbound: Map<string, number>; outbound: Map<string, number> };
  /** Outbound messages that reached each status (see MessageTally). */
  delivery: { sent: number; delivered: number; read: number; failed: number };
  /** Failed outbound messages by WhatsApp error code; `unknown` when the failure carried none. */
  errorsByCode: Map<string, number>;
}

export function foldMessageTallies(tallies: readonly MessageTally[]): MessageFigures {
  const figures: MessageFigures = {
    byType: { inbound: new Map(), outbound: new Map() },
    delivery: { sent: 0, delivered: 0, read: 0, failed: 0 },
    errorsByCode: new Map(),
  };
  for (const tally of tallies) {
    const types = figures.byType[tally.direction];
    types.set(tally.type, (types.get(tally.type) ?? 0) + tally.messages);
    if (tally.direction !== 'outbound') continue;
    figures.delivery.sent += tally.sent;
    figures.delivery.delivered += tally.delivered;
    figures.delivery.read += tally.read;
    figures.delivery.failed += tally.failed;
    if (tally.failed > 0) {
      const code = tally.errorCode === null ? 'unknown' : String(tally.errorCode);
      figures.errorsByCode.set(code, (figures.errorsByCode.get(code) ?? 0) + tally.failed);
    }
  }
  return figures;
}
