import { conversationSettings, loadConfig } from '../../src/config';
import { startGraphFake, type GraphFake } from '../sandbox/graph-fake';
import { CampaignWatch } from './campaign-watch';
import { createHttpClient } from './http-client';
import { PhaseRunner } from './phase';
import type { FromLoadGenerator, GraphCounts, ToLoadGenerator } from './protocol';

// The load generator: a process of its own (forked by run.ts), so its CPU is not the product's and
// its timers are not delayed by the product's event loop. It also hosts the Graph API fake, which
// lets it see every bot message the moment it is sent and match it to what it is waiting for.
// BENCH_GRAPH_MPS gives the fake WhatsApp's per-number throughput (130429 past it; the campaign phase).

const send = (message: FromLoadGenerator): void => void process.send?.(message);
const THROUGHPUT_CODE = 130429;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const settings = conversationSettings(config);
  const http = createHttpClient();
  const mps = process.env['BENCH_GRAPH_MPS'];
  const fake = await startGraphFake({
    accessToken: config.whatsapp.accessToken,
    ...(mps === undefined ? {} : { messagesPerSecond: Number(mps) }),
  });
  let current: PhaseRunner | undefined;
  let watch: { watch: CampaignWatch; attemptsFrom: number } | undefined;
  let cursor = 0;
  // The fake's record is trimmed as it is read: sends are counted here, for the per-phase figures.
  let sendsSeen = 0;
  const counts = (): GraphCounts => ({
    requests: fake.requests,
    sends: sendsSeen,
    reads: fake.reads.length,
    typingIndicators: fake.typingIndicators.length,
  });

  // Bot messages are picked up as they land in the fake's record (a 2 ms poll keeps the attribution
  // cost out of the fake's request path); processed entries are dropped so memory stays flat.
  const poll = setInterval(() => {
    const sends = fake.sends;
    for (; cursor < sends.length; cursor++) {
      const s = sends[cursor]!;
      sendsSeen += 1;
      current?.onSend(s.to, s.at, s.waMessageId, s.content);
      watch?.watch.onSend(s);
    }
    if (cursor > 10_000) {
      sends.splice(0, cursor);
      cursor = 0;
    }
  }, 2);

  process.on('message', (raw: ToLoadGenerator) => {
    if (raw.type === 'phase') {
      const runner = new PhaseRunner(raw.spec, {
        http,
        settings,
        phoneNumberId: config.whatsapp.phoneNumberId,
        addMedia: (id, data, mime) => fake.addMedia(id, data, mime),
        progress: (line) => send({ type: 'progress', line }),
      });
      current = runner;
      const before = counts();
      runner
        .run()
        .then((result) => send({ type: 'phase-done', result: { ...result, graph: difference(counts(), before) } }))
        .catch((err: unknown) => {
          send({
            type: 'progress',
            line: `phase ${raw.spec.name} failed: ${err instanceof Error ? err.stack : String(err)}`,
          });
          process.exit(1);
        });
    } else if (raw.type === 'completions') {
      for (const [phone, at] of raw.items) current?.onSend(phone, at);
    } else if (raw.type === 'end-arrivals') {
      current?.endArrivals();
    } else if (raw.type === 'campaign-watch') {
      const { prefix, url, appSecret, statuses } = raw;
      const options = { prefix, url, appSecret, statuses, http, phoneNumberId: config.whatsapp.phoneNumberId };
      watch = { watch: new CampaignWatch(options), attemptsFrom: fake.attempts.length };
    } else if (raw.type === 'campaign-report' && watch) {
      send({ type: 'campaign-report', report: watch.watch.report(refusals(fake, watch.attemptsFrom)) });
    } else if (raw.type === 'probe-admin') {
      probeAdmin(http, raw.url, raw.token);
    } else if (raw.type === 'stop') {
      clearInterval(poll);
      http.close();
      void fake.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', graphBaseUrl: fake.baseUrl });
}

function difference(after: GraphCounts, before: GraphCounts): GraphCounts {
  return {
    requests: after.requests - before.requests,
    sends: after.sends - before.sends,
    reads: after.reads - before.reads,
    typingIndicators: after.typingIndicators - before.typingIndicators,
  };
}

function refusals(fake: GraphFake, from: number): number {
  return fake.attempts.slice(from).filter((a) => a.code === THROUGHPUT_CODE).length;
}

function probeAdmin(http: ReturnType<typeof createHttpClient>, url: string, token: string): void {
  http
    .post(`${url}/api/admin/conversations/15550000000/chat-support/send`, JSON.stringify({ message: 'probe' }), {
      authorization: `Bearer ${token}`,
    })
    .then((answer) => {
      // A JSON error body (404 conversation_not_found, 409 …) means the route exists; Koa's bare 404 means it does not.
      const json = answer.text.startsWith('{');
      send({
        type: 'admin-probe',
        available: json && answer.status !== 405,
        detail: `${answer.status} ${answer.text.slice(0, 120)}`,
      });
    })
    .catch((err: unknown) => send({ type: 'admin-probe', available: false, detail: String(err) }));
}

main().catch((err: unknown) => {
  process.stderr.write(`load generator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
