import crypto from 'node:crypto';
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Activities, ActivityParts, DeliverInput } from '../../activities';
import { classifyFailures } from '../../activities/failures';
import { createTurnActivities } from '../../activities/turn';
import { newContactId } from '../../src/db/contacts';
import { conversationSettings, loadConfig } from '../../src/config';
import { createLogger, silentLogger } from '../../src/logger';
import { connectTemporalClient, connectTemporalWorker, temporalDataConverter } from '../../src/temporal/connect';
import { createConversationWorker, installRuntimeLogger } from '../../src/temporal/worker';
import type { ConversationInput, conversationWorkflow } from '../../workflows/conversation';
import {
  agentCommandUpdate,
  conversationQuery,
  conversationWorkflowId,
  inboundSignal,
  type AgentCommand,
  type AgentCommandResult,
  type ConversationView,
} from '../../workflows/messages';
import { CONVERSATION_STATE } from '../../workflows/search-attributes';
import type { ConversationSettings, InboundMessage } from '../../domain/types';
import { startScoped } from './cleanup';
import { testPayloadKeys, testTemporalSecurity } from './payload-keys';
import { readTestEnvironment } from './test-env';
import { waitFor } from './wait';

// The real conversation workflow on the shared Temporal server, with every activity replaced by an
// in-memory stub: no Postgres, no Graph API, so a test sees only what the workflow shell decides.

/** What the worker registers, and the parts the turn activity is made of: each can be stubbed. */
type Stubbable = Activities &
  Pick<ActivityParts['store'], 'recordInbound'> &
  Pick<ActivityParts['records'], 'applyRecords'> &
  Pick<ActivityParts['whatsapp'], 'deliverMessage'>;
export type ActivityName = keyof Stubbable;
type InputOf<K extends ActivityName> = Parameters<Stubbable[K]>[0];
type OutputOf<K extends ActivityName> = Awaited<ReturnType<Stubbable[K]>>;

export interface ActivityCall {
  activity: ActivityName;
  input: unknown;
  /** The attempt of the local activity the workflow scheduled (a retry repeats the call). */
  attempt: number;
  workflowId: string;
  runId: string;
  /** Set for a call made by the batch activity on the workflow's behalf, not by the workflow itself. */
  within?: 'handleTurn';
}

/** Answers one call in place of the stub; `next` is the stub's own answer. */
export type Behaviour<K extends ActivityName> = (
  input: InputOf<K>,
  next: (input: InputOf<K>) => Promise<OutputOf<K>>,
) => Promise<OutputOf<K>>;

export interface InterceptOptions {
  /** How many calls (default: all). */
  times?: number;
  /** Only calls made by the conversation of the contact of this phone (or BSUID). */
  phone?: string;
}

interface Intercept {
  behaviour: Behaviour<ActivityName>;
  times: number;
  workflowId?: string;
}

// The webhook resolves every sender to a contact before the workflow sees the message; with no Postgres
// here, the harness does it: each phone (or BSUID) a test writes from gets a contact id of its own, made
// as the product makes them, the same for the whole test file.
const contacts = new Map<string, string>();

/** The contact the harness resolved a phone number or BSUID to (made on first use). */
export function harnessContactId(identifier: string): string {
  let contactId = contacts.get(identifier);
  if (contactId === undefined) {
    contactId = newContactId();
    contacts.set(identifier, contactId);
  }
  return contactId;
}

/** A failure the retry policy retries (as a 5xx from the Graph API or a lost Postgres connection is). */
export const transientFailure = (): Error => new Error('service unavailable (stubbed)');

/**
 * Activities that keep what the real ones would write in memory and answer as they would: a message
 * stored under another key is a redelivery, a send returns a wamid, and the same send key returns the
 * same wamid without sending again. The batch activity is the real composition over these parts.
 */
export class StubActivities {
  readonly calls: ActivityCall[] = [];
  /** Messages "WhatsApp" accepted, in order: one per send key. */
  readonly sent: (DeliverInput & { waMessageId: string })[] = [];
  /** What the conversations set aside (the quarantine), in order; a retried attempt adds it again. */
  readonly setAside: InputOf<'setAside'>[] = [];
  private readonly storedInbound = new Map<string, string>();
  private readonly behaviours = new Map<ActivityName, Intercept[]>();
  private sequence = 0;
  /** What the worker registers. */
  readonly activities: Activities;

  constructor(readonly settings: ConversationSettings) {
    const own = {
      recordInbound: async (input: InputOf<'recordInbound'>): Promise<OutputOf<'recordInbound'>> => {
        const duplicates: string[] = [];
        for (const { message, ingestKey } of input.items) {
          const stored = this.storedInbound.get(message.waMessageId);
          if (stored === undefined) this.storedInbound.set(message.waMessageId, ingestKey);
          else if (stored !== ingestKey) duplicates.push(message.waMessageId);
        }
        return { duplicates, settings: this.settings };
      },
      loadSettings: async (): Promise<ConversationSettings> => this.settings,
      // A number Postgres knows nothing about, unless a test intercepts this.
      loadConversation: async (): Promise<OutputOf<'loadConversation'>> => ({ settings: this.settings }),
      saveConversationState: async (): Promise<void> => undefined,
      setAside: async (input: InputOf<'setAside'>): Promise<void> => {
        this.setAside.push(input);
      },
      applyRecords: async (): Promise<OutputOf<'applyRecords'>> => ({}),
      deliverMessage: async (input: DeliverInput): Promise<{ waMessageId: string }> => {
        const earlier = this.sent.find((s) => s.key === input.key);
        if (earlier) return { waMessageId: earlier.waMessageId };
        const waMessageId = `wamid.STUB${++this.sequence}`;
        this.sent.push({ ...input, waMessageId });
        return { waMessageId };
      },
    };
    const inner = this.recording(own, 'handleTurn');
    const turn = createTurnActivities({
      store: inner,
      records: inner,
      whatsapp: inner,
      settings: this.settings,
    });
    // Classified as the worker's are, so a stubbed Postgres refusal fails for good as a real one does.
    this.activities = classifyFailures(this.recording({ ...own, ...turn }));
  }

  /**
   * Lets `behaviour` answer the next `times` calls of `name` made by `phone`'s conversation (or any),
   * wherever they are made: a send failing inside the batch activity fails that activity, as it would.
   */
  intercept<K extends ActivityName>(name: K, behaviour: Behaviour<K>, options: InterceptOptions = {}): void {
    const list = this.behaviours.get(name) ?? [];
    list.push({
      behaviour,
      times: options.times ?? Infinity,
      workflowId: options.phone === undefined ? undefined : conversationWorkflowId(harnessContactId(options.phone)),
    });
    this.behaviours.set(name, list);
  }

  /** Holds `phone`'s next call of `name` until the returned release is called (so that messages queue behind it). */
  hold(name: ActivityName, phone: string): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.intercept(
      name,
      async (input, next) => {
        await held;
        return next(input);
      },
      { phone, times: 1 },
    );
    return release;
  }

  /** Makes the next calls of `name` fail (once unless told), by default with a failure that is retried. */
  failNext(name: ActivityName, options: InterceptOptions & { failure?: () => Error } = {}): void {
    const failure = options.failure ?? transientFailure;
    this.intercept(
      name,
      async () => {
        throw failure();
      },
      { times: 1, ...options },
    );
  }

  /** The calls `phone`'s conversation made to `name`, attempts included (`within`: those made inside a batch). */
  callsOf(phone: string, name: ActivityName, within?: 'handleTurn'): ActivityCall[] {
    const workflowId = conversationWorkflowId(harnessContactId(phone));
    return this.calls.filter((c) => c.workflowId === workflowId && c.activity === name && c.within === within);
  }

  /**
   * The wamids each batch activity call of `phone`'s conversation carried, call by call (retries
   * included); calls for agent commands, payments and timers carry none and are left out.
   */
  batches(phone: string): string[][] {
    return this.callsOf(phone, 'handleTurn')
      .map((c) =>
        (c.input as InputOf<'handleTurn'>).items.flatMap((item) =>
          'message' in item ? [item.message.waMessageId] : [],
        ),
      )
      .filter((wamids) => wamids.length > 0);
  }

  sentTo(phone: string): (DeliverInput & { waMessageId: string })[] {
    const contactId = harnessContactId(phone);
    return this.sent.filter((s) => s.contactId === contactId);
  }

  private recording<T extends Partial<Activities>>(parts: T, within?: 'handleTurn'): T {
    const wrapped: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(parts) as [ActivityName, (input: unknown) => Promise<unknown>][]) {
      wrapped[name] = (input: unknown) => {
        const { attempt, workflowExecution } = Context.current().info;
        const { workflowId, runId } = workflowExecution!;
        this.calls.push({ activity: name, input, attempt, workflowId, runId, within });
        const entry = this.behaviours
          .get(name)
          ?.find((b) => b.times > 0 && (b.workflowId === undefined || b.workflowId === workflowId));
        if (entry === undefined) return fn(input);
        entry.times--;
        return entry.behaviour(input as never, fn as never);
      };
    }
    return wrapped as T;
  }
}

export interface WorkflowHarness {
  client: Client;
  taskQueue: string;
  stubs: StubActivities;
  /** A phone number (digits) that no other test or test file uses. */
  newPhone(): string;
  /** The contact id the harness resolved `phone` (or a BSUID) to, as the webhook would. */
  contactIdOf(phone: string): string;
  /** A text message from `phone`, sent now (or at `sentAt`), with a fresh wamid unless given one. */
  textMessage(phone: string, text: string, options?: { waMessageId?: string; sentAt?: number }): InboundMessage;
  /** Signals a message as the webhook does: signal-with-start, so the conversation starts if it must. */
  signalInbound(message: InboundMessage, input?: Omit<ConversationInput, 'contactId'>): Promise<void>;
  /** Sends an agent command update, with the request id as update id as the admin API does, and waits for its answer. */
  agentCommand(phone: string, command: AgentCommand, options?: { updateId?: string }): Promise<AgentCommandResult>;
  view(phone: string): Promise<ConversationView>;
  handle(phone: string): WorkflowHandle<typeof conversationWorkflow>;
  /** Polls `probe` (over the stubs' records, say) until it holds, or fails once the deadline passed. */
  waitUntil<T>(
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    what: string,
    timeoutMs?: number,
  ): Promise<T>;
  stop(): Promise<void>;
}

export function startWorkflowHarness(): Promise<WorkflowHarness> {
  return startScoped(async (defer) => {
    const shared = readTestEnvironment();
    // The defaults, as the other test files' stacks use them.
    const config = loadConfig({});
    const namespace = config.temporalNamespace;
    const taskQueue = `shell-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const stubs = new StubActivities(conversationSettings(config));
    installRuntimeLogger(process.env.TEST_LOG ? createLogger('warn') : silentLogger);

    const { connection, client } = await connectTemporalClient(
      testTemporalSecurity(),
      shared.temporalAddress,
      namespace,
    );
    defer(() => connection.close());
    const nativeConnection = await connectTemporalWorker(testTemporalSecurity(), shared.temporalAddress);
    defer(() => nativeConnection.close());
    const worker = await createConversationWorker({
      connection: nativeConnection,
      namespace,
      taskQueue,
      cacheSize: 100,
      dataConverter: temporalDataConverter(testPayloadKeys()),
      activities: stubs.activities,
      workflowBundle: { code: fs.readFileSync(shared.workflowBundlePath, 'utf8') },
    });
    // Kept from rejecting unobserved; a worker that failed while running fails the stop instead.
    const running = worker.run().then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    defer(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      const error = await running;
      if (error !== undefined) throw error;
    });

    const workflowIds = new Set<string>();
    // Stopped before the worker: a conversation left running would be signalled by the next file's tests.
    defer(async () => {
      for (const workflowId of workflowIds) {
        await client.workflow
          .getHandle(workflowId)
          .terminate('test finished')
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          });
      }
    });

    let sentAt = 0;
    const handle = (phone: string) =>
      client.workflow.getHandle<typeof conversationWorkflow>(conversationWorkflowId(harnessContactId(phone)));
    return {
      client,
      taskQueue,
      stubs,
      newPhone: () => `1556${crypto.randomInt(10_000_000).toString().padStart(7, '0')}`,
      contactIdOf: harnessContactId,
      textMessage(phone, text, options = {}) {
        // Strictly increasing, so the order a test sends in is the order the user sent in.
        sentAt = options.sentAt ?? Math.max(Date.now(), sentAt + 1);
        return {
          waMessageId: options.waMessageId ?? `wamid.SHELL${crypto.randomBytes(8).toString('hex')}`,
          sender: { phone },
          profileName: 'Shell Test',
          sentAt,
          receivedAt: Date.now(),
          content: { kind: 'text', text },
        };
      },
      async signalInbound(message, input = {}) {
        const identifier = message.sender.phone ?? message.sender.bsuid;
        if (identifier === undefined) throw new Error('a message from nobody: the webhook would resolve no contact');
        const contactId = harnessContactId(identifier);
        const workflowId = conversationWorkflowId(contactId);
        workflowIds.add(workflowId);
        await client.workflow.signalWithStart<typeof conversationWorkflow, [InboundMessage]>('conversationWorkflow', {
          workflowId,
          taskQueue,
          args: [{ contactId, ...input }],
          signal: inboundSignal,
          signalArgs: [message],
          typedSearchAttributes: [{ key: CONVERSATION_STATE, value: 'INITIAL' }],
        });
      },
      agentCommand(phone, command, options = {}) {
        return handle(phone).executeUpdate(agentCommandUpdate, {
          args: [command],
          updateId: options.updateId ?? command.requestId,
        });
      },
      view: (phone) => handle(phone).query(conversationQuery),
      handle,
      waitUntil: (probe, what, timeoutMs = 20_000) => waitFor(async () => probe(), what, timeoutMs),
    };
  });
}
