import path from 'node:path';
import type { Client } from '@temporalio/client';
import { runCampaign, type CampaignResult } from './campaign';
import { checkPhase } from './correctness';
import { longLivedHistory } from './history';
import type { BenchOptions } from './options';
import type { PhaseSpec, Target } from './protocol';
import type { BenchResults, PhaseRecord } from './report';
import { describeArrivals, dumpHistory, passes, perMessage, summaryLine } from './run-results';
import { APP_SECRET, NAMESPACE, type BenchStack, type Product } from './run-stack';
import { findFreePort } from '../../src/net';

// The phases of a run: one phase at a time through the load generator, each checked for correctness
// once drained and recorded with its CPU by process; the rate searches; and the groups the options ask
// for (the scale run, or the sustained run, the searches, the references and the closed loops).

export interface Best {
  engine: number | undefined;
  reference: number | undefined;
  bare: number | undefined;
}

export class PhaseDriver {
  readonly records: PhaseRecord[] = [];
  campaign: CampaignResult | undefined;
  private phaseNumber = 0;

  constructor(
    private readonly stack: BenchStack,
    private readonly product: Product,
    private readonly client: Client,
    private readonly options: BenchOptions,
    private readonly out: string,
    private readonly say: (line: string) => void,
  ) {}

  async runPhase(
    name: string,
    group: string,
    target: Target,
    arrivals: PhaseSpec['arrivals'],
    extra: Partial<PhaseSpec> = {},
  ): Promise<PhaseRecord> {
    const { stack, product, options } = this;
    this.phaseNumber += 1;
    const phonePrefix = `19${String(this.phaseNumber).padStart(2, '0')}`;
    const spec: PhaseSpec = {
      name,
      target,
      arrivals,
      conversations: options.conversations,
      phonePrefix,
      statuses: options.statuses,
      agentReplies: target.kind === 'webhook' && target.adminUrl !== undefined && product.agentReplies,
      drainS: 60,
      seed: options.seed + this.phaseNumber,
      ...extra,
    };
    stack.monitor.phase = name;
    stack.monitor.takeCpu();
    const statementsBefore = { ...stack.pgStatements };
    this.say(`phase ${name}: ${describeArrivals(arrivals)}`);
    const result = await stack.loadgen.runPhase(spec);
    const cpu = stack.monitor.takeCpu();
    // The processes report their statement counts every 250 ms: the last ones of the phase arrive by now.
    await sleep(500);
    const statements = difference(stack.pgStatements, statementsBefore);
    const engine = target === product.engineTarget;
    const correctness =
      target.kind === 'webhook'
        ? await checkPhase(stack.postgres.url, result, phonePrefix, engine ? this.client : undefined)
        : undefined;
    if (engine && result.slowest[0] !== undefined && result.slowest[0].firstMs > 2000) {
      await dumpHistory(
        this.client,
        stack.postgres.url,
        result.slowest[0].phone,
        path.join(this.out, `slowest-${name.replace(/[^\w@-]/g, '_')}.json`),
      );
    }
    const record: PhaseRecord = {
      group,
      spec: { ...spec, target: { kind: target.kind } as Target },
      result,
      correctness,
      cpuSeconds: cpu,
      perMessage: perMessage(result, cpu, statements, correctness),
    };
    this.records.push(record);
    this.say(summaryLine(record));
    // Let queues, statuses and the dev server's background work settle before the next phase.
    await sleep(3000);
    return record;
  }

  /** Open-loop steps, in order, until one fails; the highest passing rate. */
  async search(label: string, group: string, target: Target, rates: number[]): Promise<number | undefined> {
    let best: number | undefined;
    for (const rate of rates) {
      // A pool of rate × 5 conversations, all started during the warm-up: each user writes about every
      // 5 s, and the step measures conversations that exist rather than a burst of new ones.
      const r = await this.runPhase(
        `${label}@${rate}`,
        group,
        target,
        { mode: 'open', rate, durationS: this.options.stepS, warmupS: 10, poisson: this.options.poisson },
        { conversations: Math.max(50, rate * 5) },
      );
      if (!passes(r)) break;
      best = rate;
    }
    return best;
  }

  /** The scale run: many conversations touched and evicted, then one long-lived conversation. */
  async scaleRun(): Promise<BenchResults['longHistory']> {
    const { options, product } = this;
    await this.runPhase(
      'scale',
      'scale',
      product.engineTarget,
      {
        mode: 'scale',
        rate: options.scaleRate,
        conversations: options.scaleConversations,
        touches: options.scaleTouches,
        recentWindow: 200,
      },
      { drainS: 120 },
    );
    await this.runPhase(
      'long-lived',
      'scale',
      product.engineTarget,
      { mode: 'long', rate: options.longRate, messages: options.longMessages },
      { drainS: 300, statuses: false },
    );
    const long = this.records[this.records.length - 1]!;
    if (long.result.busiestPhone)
      return await longLivedHistory(this.client, this.stack.postgres.url, long.result.busiestPhone);
    return undefined;
  }

  /** The groups of a rate run, in their fixed order; the best rates found. */
  async rateRun(): Promise<Best> {
    const { options, product } = this;
    const best: Best = { engine: undefined, reference: undefined, bare: undefined };
    if (options.groups.includes('sustained')) {
      await this.runPhase(
        options.smoke ? 'smoke' : `sustained@${options.rate}`,
        'sustained',
        product.engineTarget,
        {
          mode: 'open',
          rate: options.rate,
          durationS: options.durationS,
          warmupS: options.warmupS,
          poisson: options.poisson,
        },
        options.smoke ? { drainS: 30 } : {},
      );
    }
    if (options.groups.includes('search'))
      best.engine = await this.search('engine', 'search', product.engineTarget, options.engineSteps);
    if (options.groups.includes('closed') && product.engineNeeded)
      await this.closed('engine-closed', 'closed', product.engineTarget);
    if (options.groups.includes('reference')) best.reference = await this.referenceRun();
    if (options.groups.includes('bare')) best.bare = await this.bareRun();
    if (options.groups.includes('campaign'))
      this.campaign = await runCampaign(this, this.stack, product, options.campaign, options.statuses, this.say);
    return best;
  }

  private closed(name: string, group: string, target: Target): Promise<PhaseRecord> {
    return this.runPhase(name, group, target, {
      mode: 'closed',
      concurrency: this.options.closedConcurrency,
      durationS: this.options.closedS,
      warmupS: 5,
    });
  }

  private async referenceRun(): Promise<number | undefined> {
    const { stack } = this;
    await stack.startChild('reference-worker', 'reference-worker', {
      TEMPORAL_TASK_QUEUE: 'bench-reference',
      BENCH_WORKFLOW_BUNDLE: stack.bundles.reference,
    });
    const target: Target = {
      kind: 'temporal',
      address: stack.temporal.address,
      namespace: NAMESPACE,
      taskQueue: 'bench-reference',
    };
    await this.closed('reference-closed', 'reference', target);
    const best = await this.search('reference', 'reference', target, this.options.referenceSteps);
    await stack.stopChild('reference-worker');
    return best;
  }

  private async bareRun(): Promise<number | undefined> {
    const barePort = await findFreePort();
    await this.stack.startChild('bare', 'bare', { PORT: String(barePort) });
    const target: Target = {
      kind: 'webhook',
      url: `http://127.0.0.1:${barePort}/api/webhook/whatsapp`,
      appSecret: APP_SECRET,
    };
    await this.closed('bare-closed', 'bare', target);
    const best = await this.search('bare', 'bare', target, this.options.bareSteps);
    await this.stack.stopChild('bare');
    return best;
  }
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
