import type { Client } from '@temporalio/client';
import { statusWebhookBody, type FakeStatusName } from '../sandbox/graph-fake-status';
import { signBody } from '../../src/whatsapp/signature';
import type { createHttpClient } from './http-client';
import type { PlannedAction } from './mix';
import type { Conversation, InFlight } from './phase-pool';
import type { PhaseMetrics } from './phase-metrics';
import type { PhaseSpec, Target } from './protocol';

// What a phase posts to the system under test: the users' signed webhooks (or signal-with-start for
// the Temporal reference), the agents' replies through the admin API, and the three status webhooks
// Meta sends for every bot message. Failed webhooks are posted again, as Meta would.

// An admin call answered 503 is asked again this often, this far apart (the product's own deadline is 10 s).
const AGENT_RETRIES = 12;
const AGENT_RETRY_DELAY_MS = 500;
const STATUSES: FakeStatusName[] = ['sent', 'delivered', 'read'];
const RETRY_DELAY_MS = 1000;
const MAX_ATTEMPTS = 6;
/** Share of accepted webhooks that Meta delivers again (the engine must ignore them). */
const REDELIVERY_SHARE = 0.01;

const now = (): number => performance.timeOrigin + performance.now();

export interface PosterDeps {
  spec: PhaseSpec;
  http: ReturnType<typeof createHttpClient>;
  phoneNumberId: string;
  metrics: PhaseMetrics;
  random: () => number;
  /** The reference's client (signal-with-start), for a `temporal` target. */
  temporal(): Client | undefined;
  /** Whether a moment falls inside the measured window. */
  measuring(at: number): boolean;
  /** Called when an action was accepted, so the answer may complete. */
  onAcked(c: Conversation): void;
}

export class PhasePoster {
  /** Webhooks and admin calls in flight, and conversations whose statuses are still being posted. */
  pendingPosts = 0;
  statusPending = 0;
  private posts = 0;

  constructor(private readonly d: PosterDeps) {}

  async postMessage(c: Conversation, flight: InFlight): Promise<void> {
    const { action } = flight;
    const { metrics, spec } = this.d;
    this.pendingPosts += 1;
    try {
      for (let attempt = 1; ; attempt++) {
        const ok = await this.deliver(c.sim.phone, action);
        if (ok) break;
        metrics.ackErrors += 1;
        if (attempt >= MAX_ATTEMPTS) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
      const latency = now() - flight.scheduledAt;
      if (flight.measured) {
        metrics.ack.push(latency);
        metrics.bucket(flight.scheduledAt).ack.push(latency);
      }
      metrics.acked += 1;
      flight.ackAt = now();
      metrics.wamids.push(action.waMessageId!);
      flight.acked = true;
      this.d.onAcked(c);
      // Meta delivers some webhooks twice; the engine must store and answer them once.
      if (spec.target.kind === 'webhook' && this.d.random() < REDELIVERY_SHARE) {
        metrics.redeliveries += 1;
        await this.deliver(c.sim.phone, action).catch(() => undefined);
      }
    } finally {
      this.pendingPosts -= 1;
    }
  }

  /** One attempt; true when the target accepted it. */
  private async deliver(phone: string, action: PlannedAction): Promise<boolean> {
    const target = this.d.spec.target;
    try {
      if (target.kind === 'temporal') {
        await this.d.temporal()!.workflow.signalWithStart('referenceWorkflow', {
          workflowId: `reference-${phone}`,
          taskQueue: target.taskQueue,
          args: [phone],
          signal: 'message',
          signalArgs: [action.waMessageId],
        });
        return true;
      }
      const answer = await this.d.http.post(this.webhookUrl(target), action.body!, {
        'x-hub-signature-256': signBody(action.body!, target.appSecret),
      });
      return answer.status === 200;
    } catch {
      return false;
    }
  }

  /** The target's server for the next post: its URLs in turn. */
  private webhookUrl(target: Extract<Target, { kind: 'webhook' }>): string {
    return target.urls?.[this.posts++ % target.urls.length] ?? target.url;
  }

  async postAgent(c: Conversation, flight: InFlight): Promise<void> {
    const target = this.d.spec.target;
    const { metrics } = this.d;
    if (target.kind !== 'webhook' || target.adminUrl === undefined) return;
    this.pendingPosts += 1;
    metrics.agentCommands += 1;
    try {
      const url = `${target.adminUrl}/api/admin/conversations/${c.sim.phone}/chat-support/send`;
      const body = JSON.stringify({ message: flight.action.agentMessage });
      const headers = {
        authorization: `Bearer ${target.adminToken}`,
        'idempotency-key': `bench-${c.sim.phone}-${c.sim.messages}-${metrics.agentCommands}`,
      };
      // 503 means the outcome is not known yet (the workflow may still carry the command out): ask
      // again with the same Idempotency-Key, as an agent's console does, until the answer is final.
      let answer = await this.d.http.post(url, body, headers).catch(() => ({ status: 0, text: '' }));
      for (let retries = 0; answer.status === 503 && retries < AGENT_RETRIES; retries++) {
        metrics.agentRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, AGENT_RETRY_DELAY_MS));
        answer = await this.d.http.post(url, body, headers).catch(() => ({ status: 0, text: '' }));
      }
      if (answer.status === 200) {
        if (flight.measured) metrics.agentAck.push(now() - flight.scheduledAt);
      } else if (answer.status === 0) {
        // No answer (timed out): the update may still complete, so the answer is still awaited.
        metrics.agentErrors += 1;
      } else {
        // The bot will not send what the shadow expected; stop waiting for it.
        metrics.agentErrors += 1;
        metrics.expectedSends -= flight.action.expectedSends - flight.received;
        flight.action.expectedSends = flight.received;
      }
      flight.acked = true;
      this.d.onAcked(c);
    } finally {
      this.pendingPosts -= 1;
    }
  }

  async postStatuses(phone: string, waMessageId: string): Promise<void> {
    const target = this.d.spec.target;
    const { metrics } = this.d;
    if (target.kind !== 'webhook') return;
    this.statusPending += 1;
    try {
      for (const status of STATUSES) {
        const body = JSON.stringify(
          statusWebhookBody({
            phoneNumberId: this.d.phoneNumberId,
            waMessageId,
            recipientId: phone,
            status,
            at: Date.now(),
          }),
        );
        const started = now();
        const answer = await this.d.http
          .post(this.webhookUrl(target), body, { 'x-hub-signature-256': signBody(body, target.appSecret) })
          .catch(() => ({ status: 0, text: '' }));
        metrics.statusesPosted += 1;
        if (answer.status !== 200) metrics.statusErrors += 1;
        else if (this.d.measuring(started)) metrics.statusAck.push(now() - started);
      }
    } finally {
      this.statusPending -= 1;
    }
  }
}
