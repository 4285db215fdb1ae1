import { conversationSettings, loadConfig } from '../src/config';
import { startGraphFake } from '../src/sandbox/graph-fake';
import { createHttpClient } from './http-client';
import { PhaseRunner } from './phase';
import type { FromLoadGenerator, ToLoadGenerator } from './protocol';

// The load generator: a process of its own (forked by run.ts), so its CPU is not the product's and
// its timers are not delayed by the product's event loop. It also hosts the Graph API fake, which
// lets it see every bot message the moment it is sent and match it to what it is waiting for.

const send = (message: FromLoadGenerator): void => void process.send?.(message);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const settings = conversationSettings(config);
  const http = createHttpClient();
  const fake = await startGraphFake({ accessToken: config.whatsapp.accessToken });
  let current: PhaseRunner | undefined;
  let cursor = 0;

  // Bot messages are picked up as they land in the fake's record (a 2 ms poll keeps the attribution
  // cost out of the fake's request path); processed entries are dropped so memory stays flat.
  const poll = setInterval(() => {
    const sends = fake.sends;
    for (; cursor < sends.length; cursor++) {
      const s = sends[cursor]!;
      current?.onSend(s.to, s.at, s.waMessageId, s.content);
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
      runner
        .run()
        .then((result) => send({ type: 'phase-done', result }))
        .catch((err: unknown) => {
          send({
            type: 'progress',
            line: `phase ${raw.spec.name} failed: ${err instanceof Error ? err.stack : String(err)}`,
          });
          process.exit(1);
        });
    } else if (raw.type === 'completions') {
      for (const [phone, at] of raw.items) current?.onSend(phone, at);
    } else if (raw.type === 'probe-admin') {
      http
        .post(
          `${raw.url}/api/admin/conversations/15550000000/chat-support/send`,
          JSON.stringify({ message: 'probe' }),
          {
            authorization: `Bearer ${raw.token}`,
          },
        )
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
    } else if (raw.type === 'stop') {
      clearInterval(poll);
      http.close();
      void fake.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', graphBaseUrl: fake.baseUrl });
}

main().catch((err: unknown) => {
  process.stderr.write(`load generator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
