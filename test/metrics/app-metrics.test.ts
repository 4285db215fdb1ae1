import type { Queryable } from '../../src/db/queryable';
import { createLogger, silentLogger, type LogSink } from '../../src/logger';
import { createAppMetrics } from '../../src/metrics/app-metrics';

// The registry behind GET /metrics over a stand-in for Postgres, so a read can be counted, slowed or
// failed. test/server/metrics.test.ts checks the figures against a real run.

/** What chatDistributions reads: counts as Postgres returns them (bigint as text). */
const CHAT_ROW = {
  active: '2',
  duration_count: '3',
  duration_sum: '700',
  duration_le: ['0', '1', '1', '2', '2', '2', '3', '3', '3', '3'],
  first_response_count: '0',
  first_response_sum: '0',
  first_response_le: Array(10).fill('0'),
  rating_count: '2',
  rating_sum: '9',
  rating_le: ['0', '0', '0', '1', '2'],
};

function fakeDb(options: { fail?: boolean } = {}): Queryable & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query(text: string) {
      statements.push(text);
      if (options.fail) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      const rows = text.includes(' as oldest')
        ? [{ length: '0', oldest: null }]
        : text.includes('from chat_sessions')
          ? [CHAT_ROW]
          : [];
      return Promise.resolve({ rows } as never);
    },
  };
}

/** `name{labels} value` lines of one family. */
function samplesOf(text: string, family: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${family}{`) || line.startsWith(`${family} `) || line.startsWith(`${family}_`));
}

describe('the app metrics registry', () => {
  it('writes a distribution Postgres counted as a cumulative histogram', async () => {
    const text = await createAppMetrics({ db: fakeDb(), logger: silentLogger }).registry.metrics();
    expect(samplesOf(text, 'edubot_csat_rating')).toEqual([
      'edubot_csat_rating_bucket{le="1"} 0',
      'edubot_csat_rating_bucket{le="2"} 0',
      'edubot_csat_rating_bucket{le="3"} 0',
      'edubot_csat_rating_bucket{le="4"} 1',
      'edubot_csat_rating_bucket{le="5"} 2',
      'edubot_csat_rating_bucket{le="+Inf"} 2',
      'edubot_csat_rating_sum 9',
      'edubot_csat_rating_count 2',
    ]);
    expect(samplesOf(text, 'edubot_active_chats')).toEqual(['edubot_active_chats 2']);
    expect(samplesOf(text, 'edubot_metrics_postgres_up')).toEqual(['edubot_metrics_postgres_up 1']);
  });

  it('answers a burst of scrapes, and the scrapes just after it, with one read of Postgres', async () => {
    const db = fakeDb();
    const { registry } = createAppMetrics({ db, logger: silentLogger });
    const texts = await Promise.all(Array.from({ length: 10 }, () => registry.metrics()));
    await registry.metrics();
    // One read is seven statements: messages, chat sessions, quarantine, queue, retention, campaigns, SLA events.
    expect(db.statements).toHaveLength(7);
    for (const text of texts) expect(samplesOf(text, 'edubot_active_chats')).toEqual(['edubot_active_chats 2']);
  });

  it('reads again once the last read is older than maxAgeMs', async () => {
    const db = fakeDb();
    const { registry } = createAppMetrics({ db, logger: silentLogger, maxAgeMs: 0 });
    await registry.metrics();
    await registry.metrics();
    expect(db.statements).toHaveLength(14);
  });

  it('shows no stored figure, rather than zeros, when Postgres cannot be read, and logs it once', async () => {
    const lines: string[] = [];
    const sink: LogSink = { write: (line) => lines.push(line) };
    const metrics = createAppMetrics({ db: fakeDb({ fail: true }), logger: createLogger('warn', {}, sink) });
    metrics.webhook.record('unavailable', 0.002);
    const text = await metrics.registry.metrics();

    expect(samplesOf(text, 'edubot_metrics_postgres_up')).toEqual(['edubot_metrics_postgres_up 0']);
    for (const family of [
      'edubot_active_chats',
      'edubot_chat_duration_seconds',
      'edubot_messages_total',
      'edubot_message_status_total',
      'edubot_quarantined_total',
      'edubot_csat_rating',
    ]) {
      expect([family, samplesOf(text, family)]).toEqual([family, []]);
    }
    expect(samplesOf(text, 'edubot_webhook_requests_total')).toContain(
      'edubot_webhook_requests_total{outcome="unavailable"} 1',
    );
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'metrics: stored figures unavailable',
    ]);
  });

  it('gives each app its own registry, so two in one process neither collide nor share counts', async () => {
    const first = createAppMetrics({ db: fakeDb(), logger: silentLogger });
    const second = createAppMetrics({ db: fakeDb(), logger: silentLogger });
    first.webhook.record('ok', 0.01);
    const [a, b] = await Promise.all([first.registry.metrics(), second.registry.metrics()]);
    expect(samplesOf(a, 'edubot_webhook_requests_total')).toContain('edubot_webhook_requests_total{outcome="ok"} 1');
    expect(samplesOf(b, 'edubot_webhook_requests_total')).toContain('edubot_webhook_requests_total{outcome="ok"} 0');
  });
});
