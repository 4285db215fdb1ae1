import { listChatSessions } from '../../src/db/chat-sessions';
import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { fixtureJson, newPhone, statusWebhook } from '../helpers/fixtures';
import { startTestStack, TEST_ACCESS_TOKEN, TEST_APP_SECRET, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// GET /metrics on the real stack: conversations, a chat with an agent, a refused send, delivery
// statuses and refused webhooks, then every figure operators see checked against what the test did.

/** Parses the text format into `name{labels}` → value, labels sorted by name (their order carries no meaning). */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const series = line.slice(0, at);
    const brace = series.indexOf('{');
    const key =
      brace < 0
        ? series
        : `${series.slice(0, brace)}{${[...series.slice(brace).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
            .map((m) => `${m[1]}="${m[2]}"`)
            .sort()
            .join(',')}}`;
    samples.set(key, Number(line.slice(at + 1)));
  }
  return samples;
}

describe('GET /metrics', () => {
  let stack: TestStack;
  let agent: AdminClient;
  let agentToken: string;
  const webhookStatuses: number[] = [];
  const inboundTypes: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    // Every webhook the test posts, user actions included, is noted with the status it got.
    const post = stack.postWebhook.bind(stack);
    stack.postWebhook = async (body, signature) => {
      const response = await post(body, signature);
      webhookStatuses.push(response.status);
      return response;
    };
    const admin = new AdminClient(stack, stack.config.adminToken);
    const created = await admin.request('POST', '/api/admin/tokens', { name: 'Metrics Agent', role: 'agent' });
    agentToken = created.body.token;
    agent = new AdminClient(stack, agentToken);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const scrape = async () => {
    const response = await fetch(`${stack.baseUrl}/metrics`);
    return { response, text: await response.text() };
  };

  // A user's actions, noted by the type the message is stored under.
  const say = (user: TestUser, text: string) => (inboundTypes.push('text'), user.say(text));
  const tap = (user: TestUser, id: string) => (inboundTypes.push('button'), user.tap(id));
  const pick = (user: TestUser, id: string) => (inboundTypes.push('list'), user.pick(id));

  it('exposes every figure at zero before any traffic, without authentication', async () => {
    const { response, text } = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(families.filter(([name]) => name.startsWith('edubot_'))).toEqual([
      ['edubot_active_chats', 'gauge'],
      ['edubot_chat_queue_length', 'gauge'],
      ['edubot_chat_queue_oldest_wait_seconds', 'gauge'],
      ['edubot_chat_duration_seconds', 'histogram'],
      ['edubot_chat_first_response_seconds', 'histogram'],
      ['edubot_messages_total', 'counter'],
      ['edubot_message_status_total', 'counter'],
      ['edubot_whatsapp_send_errors_total', 'counter'],
      ['edubot_quarantined_total', 'counter'],
      ['edubot_csat_rating', 'histogram'],
      ['edubot_retention_deleted_total', 'counter'],
      ['edubot_sla_breaches_total', 'counter'],
      ['edubot_campaign_messages_total', 'counter'],
      ['edubot_webhook_requests_total', 'counter'],
      ['edubot_webhook_ack_seconds', 'histogram'],
      ['edubot_webhook_ignored_changes_total', 'counter'],
      ['edubot_admin_auth_failures_total', 'counter'],
      ['edubot_metrics_postgres_up', 'gauge'],
    ]);
    const samples = parseExposition(text);
    expect(samples.get('edubot_active_chats')).toBe(0);
    expect(samples.get('edubot_chat_queue_length')).toBe(0);
    expect(samples.get('edubot_chat_queue_oldest_wait_seconds')).toBe(0);
    expect(samples.get('edubot_chat_duration_seconds_count')).toBe(0);
    expect(samples.get('edubot_csat_rating_bucket{le="+Inf"}')).toBe(0);
    expect(samples.get('edubot_message_status_total{status="delivered"}')).toBe(0);
    expect(samples.get('edubot_webhook_requests_total{outcome="ok"}')).toBe(0);
    expect(samples.get('edubot_quarantined_total{reason="invalid_id"}')).toBe(0);
    expect(samples.get('edubot_retention_deleted_total{kind="messages"}')).toBe(0);
    expect(samples.get('edubot_metrics_postgres_up')).toBe(1);
    // The process's own figures, under prom-client's names.
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect([name, samples.get(name)]).toEqual([name, expect.any(Number)]);
  });

  it('counts chats, messages, statuses, send errors, ratings and webhook outcomes from what happened', async () => {
    // A chat answered by an agent, a refused agent message, ended by the user and rated 4.
    const ada = new TestUser(stack, newPhone(), 'Ada Lovelace');
    await say(ada, 'Hi');
    await say(ada, 'support');
    await say(ada, 'My upload keeps failing');
    const reply = await agent.chat('send', ada.phone, 'Which file type?');
    expect(reply.status).toBe(200);
    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    const refusedSends = [await agent.chat('send', ada.phone, 'Still there?')];
    expect(refusedSends.map((r) => r.status)).toEqual([502]);
    await tap(ada, 'end_chat');
    const rating = 4;
    await pick(ada, `csat_${rating}`);
    // A chat still open.
    const ben = new TestUser(stack, newPhone(), 'Ben');
    await say(ben, 'Hello');
    await say(ben, 'support');

    // Delivery reports for three accepted messages, one of them failing later with its own code.
    const [botFirst, botSecond] = stack.fake.sendsTo(ben.phone);
    const reports = [
      { id: reply.body.waMessageId as string, status: 'sent' },
      { id: reply.body.waMessageId as string, status: 'delivered' },
      { id: reply.body.waMessageId as string, status: 'read' },
      { id: botFirst!.waMessageId, status: 'delivered' },
      { id: botSecond!.waMessageId, status: 'failed', errorCode: 131026 },
    ];
    const now = Math.floor(Date.now() / 1000);
    const statuses = statusWebhook(reports.map((r) => ({ ...r, timestamp: now, recipient: ben.phone })));
    const posted = await stack.postWebhook(statuses);
    expect(posted.status).toBe(200);

    // Refused deliveries: a bad signature, then a signed body that is not JSON.
    const forged = await stack.postWebhook('{"object":"whatsapp_business_account"}', 'sha256=' + '0'.repeat(64));
    expect(forged.status).toBe(401);
    expect((await stack.postWebhook('not json')).status).toBe(400);

    // The stored figures of a scrape may be a few seconds old (one read serves every scrape for a
    // moment): wait for a read made since the traffic above. The only earlier one came before any, so a
    // read that counts the rating is one of those.
    const { text, samples } = await waitFor(async () => {
      const scraped = await scrape();
      const parsed = parseExposition(scraped.text);
      return parsed.get('edubot_csat_rating_count') === 1 ? { text: scraped.text, samples: parsed } : undefined;
    }, 'figures read after the rating');

    const states = await Promise.all([ada, ben].map((u) => u.state()));
    expect(samples.get('edubot_active_chats')).toBe(states.filter((s) => s === 'CHAT_SUPPORT_ACTIVE').length);

    const sessions = (await listChatSessions(stack.db, await ada.contact())).concat(
      await listChatSessions(stack.db, await ben.contact()),
    );
    // Dates in JS hold milliseconds, Postgres microseconds: sums agree to the millisecond.
    const ended = sessions.filter((s) => s.endedAt !== null);
    expect(samples.get('edubot_chat_duration_seconds_count')).toBe(ended.length);
    expect(samples.get('edubot_chat_duration_seconds_sum')).toBeCloseTo(
      ended.reduce((sum, s) => sum + (s.endedAt!.getTime() - s.startedAt.getTime()) / 1000, 0),
      2,
    );
    const answered = sessions.filter((s) => s.firstAgentReplyAt !== null);
    expect(samples.get('edubot_chat_first_response_seconds_count')).toBe(answered.length);
    expect(samples.get('edubot_chat_first_response_seconds_sum')).toBeCloseTo(
      answered.reduce((sum, s) => sum + (s.firstAgentReplyAt!.getTime() - s.firstUserMessageAt!.getTime()) / 1000, 0),
      2,
    );
    expect(samples.get('edubot_chat_first_response_seconds_bucket{le="+Inf"}')).toBe(answered.length);

    // Inbound messages by the type of each action; outbound by what WhatsApp accepted plus the refused send.
    const count = (values: string[]) =>
      values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());
    for (const [type, n] of count(inboundTypes)) {
      expect([type, samples.get(`edubot_messages_total{direction="inbound",type="${type}"}`)]).toEqual([type, n]);
    }
    const outboundKinds = count(stack.fake.sends.map((s) => s.content.kind).concat(refusedSends.map(() => 'text')));
    for (const [type, n] of outboundKinds) {
      expect([type, samples.get(`edubot_messages_total{direction="outbound",type="${type}"}`)]).toEqual([type, n]);
    }
    const messageSeries = [...samples.keys()].filter((k) => k.startsWith('edubot_messages_total{'));
    expect(messageSeries).toHaveLength(count(inboundTypes).size + outboundKinds.size);

    const reached = (statuses: string[]) =>
      new Set(reports.filter((r) => statuses.includes(r.status)).map((r) => r.id)).size;
    expect(samples.get('edubot_message_status_total{status="sent"}')).toBe(stack.fake.sends.length);
    expect(samples.get('edubot_message_status_total{status="delivered"}')).toBe(reached(['delivered', 'read']));
    expect(samples.get('edubot_message_status_total{status="read"}')).toBe(reached(['read']));
    expect(samples.get('edubot_message_status_total{status="failed"}')).toBe(reached(['failed']) + refusedSends.length);
    expect(samples.get('edubot_whatsapp_send_errors_total{code="131047"}')).toBe(refusedSends.length);
    expect(samples.get('edubot_whatsapp_send_errors_total{code="131026"}')).toBe(1);

    expect(samples.get('edubot_csat_rating_count')).toBe(1);
    expect(samples.get('edubot_csat_rating_sum')).toBe(rating);
    for (const le of [1, 2, 3, 4, 5]) {
      expect(samples.get(`edubot_csat_rating_bucket{le="${le}"}`)).toBe(le >= rating ? 1 : 0);
    }

    const outcomes = count(webhookStatuses.map(String));
    expect(samples.get('edubot_webhook_requests_total{outcome="ok"}')).toBe(outcomes.get('200'));
    expect(samples.get('edubot_webhook_requests_total{outcome="unauthorized"}')).toBe(outcomes.get('401'));
    expect(samples.get('edubot_webhook_requests_total{outcome="bad_request"}')).toBe(outcomes.get('400'));
    expect(samples.get('edubot_webhook_requests_total{outcome="unavailable"}')).toBe(0);
    expect(samples.get('edubot_webhook_ack_seconds_count{outcome="ok"}')).toBe(outcomes.get('200'));
    expect(samples.get('edubot_webhook_ack_seconds_bucket{le="+Inf",outcome="ok"}')).toBe(outcomes.get('200'));
    expect(samples.get('edubot_webhook_ack_seconds_sum{outcome="ok"}')).toBeGreaterThan(0);
    expect(samples.get('edubot_webhook_ack_seconds_count{outcome="unauthorized"}')).toBe(outcomes.get('401'));

    // Nothing an attacker could use or a privacy review would object to.
    const secrets = [
      ...[ada.phone, ben.phone, 'Ada Lovelace', 'Metrics Agent', 'My upload keeps failing', 'Which file type?'],
      ...[stack.config.adminToken, agentToken, TEST_ACCESS_TOKEN, TEST_APP_SECRET, stack.config.whatsapp.verifyToken],
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/wamid/i);
  });
});
