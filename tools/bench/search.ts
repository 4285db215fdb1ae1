import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { createApp } from '../../src/server/app';
import type { ChatCommands } from '../../src/server/chat-commands';
import { createEventHub } from '../../src/server/event-hub';
import { emailOf, FIRST_NAMES, LAST_NAMES, nameOf, phoneOf, seed, VOCABULARY } from './search-seed';
import { startBenchPostgres } from './stack';
import { summarize, type LatencySummary } from './stats';

// `npm run bench:search`: seeds a throwaway database (DATABASE_URL's cluster, or an embedded one) with
// 1,000,000 messages across 50,000 conversations, serves the product's HTTP app on it and times a mix
// of searches through GET /api/admin/search, one at a time and then four at a time, as agents would
// type them: common and rare words, words no message holds, names, phone numbers, emails, next pages.
// Prints p50/p95/p99 per kind of query and writes them to --out. --keep leaves the database for
// EXPLAIN ANALYZE and prints its URL.

const ADMIN_TOKEN = 'bench-search-admin-token-of-at-least-32-characters';
const WARM_UP = 200;

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    conversations: { type: 'string', default: '50000' },
    queries: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'tools/bench/results/search.json' },
    keep: { type: 'boolean', default: false },
  },
});

/** A small deterministic generator, so every run asks the same questions. */
function mulberry32(seedValue: number): () => number {
  let a = seedValue;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Question {
  kind: string;
  q: string;
  /** Time the second page (the first one is read untimed for its cursor). */
  nextPage?: boolean;
}

function questions(count: number, conversations: number): Question[] {
  const random = mulberry32(7);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const conversation = () => 1 + int(conversations);
  const languages = Object.values(VOCABULARY).map((words) => words.split(' '));
  const kinds: { kind: string; weight: number; make: () => Question }[] = [
    {
      kind: 'common word',
      weight: 15,
      make: () => ({ kind: 'common word', q: pick(languages)[int(12)]! }),
    },
    { kind: 'two words', weight: 10, make: () => ({ kind: 'two words', q: `${pick(languages.slice(0, 1))[10 + int(20)]} ${pick(languages.slice(0, 1))[10 + int(30)]}` }) },
    { kind: 'surname (about 1 text in 300)', weight: 10, make: () => ({ kind: 'surname (about 1 text in 300)', q: pick(LAST_NAMES) }) },
    { kind: 'first name', weight: 10, make: () => ({ kind: 'first name', q: pick(FIRST_NAMES) }) },
    {
      kind: 'rare token (reference, number)',
      weight: 15,
      make: () => ({ kind: 'rare token (reference, number)', q: random() < 0.5 ? `HW-${1 + int(300_000)}` : String(1 + int(100_000)) }),
    },
    { kind: 'word no text holds', weight: 10, make: () => ({ kind: 'word no text holds', q: `zq${int(1_000_000)}x` }) },
    { kind: 'full name', weight: 10, make: () => ({ kind: 'full name', q: nameOf(conversation()) }) },
    { kind: 'start of a surname', weight: 5, make: () => ({ kind: 'start of a surname', q: pick(LAST_NAMES).slice(0, 4) }) },
    {
      kind: 'phone, formatted',
      weight: 5,
      make: () => {
        const digits = phoneOf(conversation());
        return { kind: 'phone, formatted', q: `+${digits.slice(0, 3)} ${digits.slice(3, 6)}-${digits.slice(6)}` };
      },
    },
    { kind: 'phone, last 7 digits', weight: 5, make: () => ({ kind: 'phone, last 7 digits', q: phoneOf(conversation()).slice(-7) }) },
    { kind: 'email', weight: 5, make: () => ({ kind: 'email', q: emailOf(5 * int(conversations / 5) + 1) }) },
    { kind: 'next page of a common word', weight: 5, make: () => ({ kind: 'next page of a common word', q: pick(languages)[int(12)]!, nextPage: true }) },
  ]; // prettier-ignore
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  return Array.from({ length: count }, () => {
    let at = int(total);
    for (const k of kinds) {
      if (at < k.weight) return k.make();
      at -= k.weight;
    }
    return kinds[0]!.make();
  });
}

interface Timed {
  kind: string;
  ms: number;
  hits: number;
}

async function ask(baseUrl: string, question: Question): Promise<Timed> {
  const get = async (cursor?: string) => {
    const url = `${baseUrl}/api/admin/search?q=${encodeURIComponent(question.q)}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await response.json()) as { hits?: unknown[]; nextCursor?: string };
    if (response.status !== 200) throw new Error(`search for a ${question.kind} answered ${response.status}`);
    return body;
  };
  const cursor = question.nextPage ? (await get()).nextCursor : undefined;
  const started = performance.now();
  const body = await get(cursor);
  return { kind: question.kind, ms: performance.now() - started, hits: body.hits?.length ?? 0 };
}

async function phase(baseUrl: string, list: Question[], concurrency: number): Promise<Timed[]> {
  const results: Timed[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) results.push(await ask(baseUrl, list[next++]!));
    }),
  );
  return results;
}

function byKind(results: Timed[]): Record<string, LatencySummary & { meanHits: number }> {
  const kinds = [...new Set(results.map((r) => r.kind))];
  return Object.fromEntries(
    kinds.map((kind) => {
      const of = results.filter((r) => r.kind === kind);
      const meanHits = Math.round((10 * of.reduce((sum, r) => sum + r.hits, 0)) / of.length) / 10;
      return [kind, { ...summarize(of.map((r) => r.ms)), meanHits }];
    }),
  );
}

function printTable(title: string, results: Timed[]): void {
  const rows = Object.entries(byKind(results));
  const all = summarize(results.map((r) => r.ms));
  const line = (name: string, s: LatencySummary, hits = '') =>
    `${name.padEnd(34)} ${String(s.count).padStart(6)} ${String(s.p50).padStart(7)} ${String(s.p95).padStart(7)} ${String(s.p99).padStart(7)} ${String(s.max).padStart(7)} ${hits.padStart(6)}`;
  process.stdout.write(`\n${title}\n${'query'.padEnd(34)}  count     p50     p95     p99     max   hits\n`);
  for (const [kind, s] of rows) process.stdout.write(`${line(kind, s, String(s.meanHits))}\n`);
  process.stdout.write(`${line('all', all)}\n`);
}

async function main(): Promise<void> {
  const counts = { messages: Number(args.messages), conversations: Number(args.conversations) };
  const logger = createLogger('warn', { role: 'bench' });
  const productConfig = loadConfig(process.env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bench-search-'));
  // The embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
  fs.chmodSync(work, 0o755);
  const say = (text: string) =>
    process.stdout.write(`[bench:search ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  say(`Postgres${productConfig.databaseUrl ? ' (DATABASE_URL)' : ' (embedded)'}: a fresh database, migrated`);
  const postgres = await startBenchPostgres(work, logger, productConfig.databaseUrl);
  const db = createDb(postgres.url, logger);
  const events = createEventHub(postgres.url, logger);
  const server = http.createServer();
  try {
    say(
      `seeding ${counts.conversations.toLocaleString('en')} conversations and ${counts.messages.toLocaleString('en')} messages`,
    );
    const seedStarted = performance.now();
    const seedSteps = await seed(db, counts);
    const seedMs = Math.round(performance.now() - seedStarted);
    say(
      `seeded in ${(seedMs / 1000).toFixed(1)} s (${Object.entries(seedSteps)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')})`,
    );
    const sizes = await db.query<{ name: string; size: string }>(
      `select relname as name, pg_size_pretty(pg_relation_size(oid)) as size from pg_class
        where relname in ('messages', 'messages_body_search', 'messages_created_at', 'users_search', 'conversations_profile_name_search')
        order by relname`,
    );
    say(`sizes: ${sizes.rows.map((r) => `${r.name} ${r.size}`).join(', ')}`);

    const config = loadConfig({ DATABASE_URL: postgres.url, ADMIN_TOKEN });
    // Search never reaches Temporal: a lazy connection that is never used, and no chat commands.
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const chat = new Proxy({} as ChatCommands, {
      get: () => () => Promise.reject(new Error('the search bench sends nothing')),
    });
    const app = createApp({ config, db, temporal, logger, chat, events });
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler settles every request itself (ctx.onerror) and never rejects
    server.on('request', app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const list = questions(WARM_UP + 2 * Number(args.queries), counts.conversations);
    say(`warming up with ${WARM_UP} searches`);
    await phase(baseUrl, list.slice(0, WARM_UP), 1);
    say(`${args.queries} searches one at a time, then ${args.queries} four at a time`);
    const one = await phase(baseUrl, list.slice(WARM_UP, WARM_UP + Number(args.queries)), 1);
    const four = await phase(baseUrl, list.slice(WARM_UP + Number(args.queries)), 4);
    printTable('one at a time (ms)', one);
    printTable('four at a time (ms)', four);

    const { rows } = await db.query<{ version: string }>(`select current_setting('server_version') as version`);
    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
      postgres: { version: rows[0]?.version, source: productConfig.databaseUrl ? 'DATABASE_URL' : 'embedded' },
      counts,
      seedMs,
      seedSteps,
      phases: [
        { concurrency: 1, overall: summarize(one.map((r) => r.ms)), byKind: byKind(one) },
        { concurrency: 4, overall: summarize(four.map((r) => r.ms)), byKind: byKind(four) },
      ],
    };
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    fs.writeFileSync(path.resolve(args.out), `${JSON.stringify(results, null, 2)}\n`);
    say(`results in ${args.out}`);
    if (args.keep) say(`kept the database: ${postgres.url}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await events.stop();
    await db.close();
    if (!args.keep) await postgres.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:search failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
