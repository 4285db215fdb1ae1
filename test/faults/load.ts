import type { ConversationSettings, OutboundContent } from '../../domain/types';
import { listMessages } from '../../src/db/messages';
import { fromGraphSendBody, toGraphSendBody } from '../../src/whatsapp/outbound';
import type { FlowEvent } from '../../workflows/flow/events';
import { step } from '../../workflows/flow/step';
import { findContactOf } from '../helpers/contacts';
import { newPhone } from '../helpers/fixtures';
import { ScriptedUser, type PlannedWebhook } from '../helpers/scripted-user';
import { sleep } from '../helpers/wait';
import { AGENT_NAME, type FaultStack } from './fault-stack';

// The scripted load every fault runs under: conversations that register and hand in homework, chat
// with an agent who answers through the admin API, or register and then chat until the agent ends it.
// Each conversation's messages go one after another, as a person types; conversations run side by
// side. Webhooks are posted until the product answers 200, as Meta redelivers; an agent command is
// retried with its Idempotency-Key until it gets an answer that is not an outage. What the bot must
// send back is predicted with the product's own flow, message by message.

export type ConversationKind = 'homework' | 'chat' | 'registered-chat';
const KINDS: readonly ConversationKind[] = ['homework', 'chat', 'registered-chat'];

/** An agent command the test made, and how it was finally answered. */
export interface AgentCall {
  action: 'send' | 'end';
  key: string;
  status: number;
  waMessageId?: string;
  /** The error code of an answer that was not 200, and WhatsApp's own code when it refused the text. */
  error?: string;
  whatsappCode?: number;
}

/** A scripted user who also plans what the agent's commands make the bot send. */
export class FaultUser extends ScriptedUser {
  /** Every wamid posted, in order; all of them were finally acknowledged. */
  readonly posted: string[] = [];
  readonly agentCalls: AgentCall[] = [];
  /** Replies the flow produced while WhatsApp refused this number: never sent, failed in Postgres. */
  readonly refused: OutboundContent[] = [];
  /** While set, the replies planned go to `refused` instead of `expected`. */
  refusing = false;

  constructor(
    phone: string,
    private readonly flowSettings: ConversationSettings,
    seconds: number,
    readonly kind: ConversationKind,
  ) {
    super(phone, flowSettings, seconds);
  }

  override webhook(...messages: Parameters<ScriptedUser['webhook']>): PlannedWebhook {
    const before = this.expected.length;
    const planned = super.webhook(...messages);
    if (this.refusing) this.refused.push(...this.expected.splice(before));
    return planned;
  }

  /** Applies an agent's command to the shadow flow, as the workflow will once it answered 200 (or 502). */
  agent(event: Extract<FlowEvent, { type: 'agentSend' | 'agentEnd' }>): void {
    const result = step(this.flow, event, this.context(Date.now(), event));
    if (result.rejection) throw new Error(`the flow refuses ${event.type} for ${this.phone}: ${result.rejection.code}`);
    this.flow = result.state;
    for (const effect of result.effects) {
      if (effect.type !== 'send') continue;
      const content = fromGraphSendBody(toGraphSendBody({ phone: this.phone }, effect.content));
      (this.refusing ? this.refused : this.expected).push(content);
    }
  }
}

export interface LoadOptions {
  /** Pause between one conversation's messages, in ms (each one between half and one and a half times this). */
  paceMs: number;
  /** How long a webhook or a command is retried before the load gives up on it. */
  giveUpMs?: number;
}

/** What the load saw of the product's answers, for the fault's own checks. */
export interface LoadRecord {
  /** Webhook posts and their answers: status code or `unreachable`. */
  webhookAnswers: Map<number | 'unreachable', number>;
  /** Agent command answers. */
  adminAnswers: Map<number | 'unreachable', number>;
  /** Bodies acknowledged with 200, in order, for redelivering a sample. */
  acknowledged: string[];
  /** Called after every 200 to a webhook. */
  onAck?: () => void;
}

export function newRecord(): LoadRecord {
  return { webhookAnswers: new Map(), adminAnswers: new Map(), acknowledged: [] };
}

export function createUsers(settings: ConversationSettings, count: number, kinds = KINDS): FaultUser[] {
  const start = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => new FaultUser(newPhone(), settings, start, kinds[i % kinds.length]!));
}

type Action = (user: FaultUser) => Promise<void>;

/** Runs every user's script side by side; resolves once each user's last message was acknowledged. */
export async function runLoad(stack: FaultStack, users: FaultUser[], options: LoadOptions, record: LoadRecord) {
  await sideBySide(users, async (user, i, stopped) => {
    const act = actions(stack, record, options.giveUpMs ?? 180_000, stopped);
    // Staggered, so the conversations do not move in lockstep.
    await sleep((i * options.paceMs) / users.length);
    for (const action of script(user.kind, act)) {
      if (stopped()) return;
      await action(user);
      await sleep(options.paceMs * (0.5 + Math.random()));
    }
  });
}

/** Runs `each` for every user at once; the first failure stops the others at their next step and is thrown. */
async function sideBySide(
  users: FaultUser[],
  each: (user: FaultUser, index: number, stopped: () => boolean) => Promise<void>,
): Promise<void> {
  let failed = false;
  const results = await Promise.allSettled(
    users.map((user, i) =>
      each(user, i, () => failed).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

/** Every user sends a last "hi"; the ledger checks each one was answered. */
export async function sayFinalHi(stack: FaultStack, users: FaultUser[], record: LoadRecord): Promise<void> {
  await sideBySide(users, (user, _, stopped) => actions(stack, record, 180_000, stopped).say('hi')(user));
}

function script(kind: ConversationKind, a: ReturnType<typeof actions>): Action[] {
  const register = [
    a.say('hi'),
    a.tap('register'),
    a.typed((u) => fullName(u.phone)),
    a.typed((u) => `s${u.phone}@example.com`),
    a.say('Grade 10'),
  ];
  if (kind === 'homework')
    return [
      ...register,
      a.tap('homework'),
      a.tap('subject_mathematics'),
      a.tap('homework_text'),
      a.say('x squared is 4, so x is 2 or -2'),
      a.say('thanks'),
    ];
  if (kind === 'chat')
    return [
      a.say('hi'),
      a.tap('support'),
      a.say('I need help with question 3'),
      a.agentSend('Hello! Which worksheet is it?'),
      a.say('the algebra one from Monday'),
      a.agentSend('The answer is x = 4: subtract 3 from both sides first.'),
      a.say('thank you'),
      a.say('end chat'),
      a.tap('csat_5'),
    ];
  return [
    ...register,
    a.tap('support'),
    a.say('can someone check my last homework?'),
    a.agentSend('Sure, I am looking at it now.'),
    a.agentEnd('It is marked: well done!'),
  ];
}

/** The steps a script is made of; `stopped` ends their waits early once another conversation failed. */
function actions(stack: FaultStack, record: LoadRecord, giveUpMs: number, stopped: () => boolean) {
  /** Posts until a 200, backing off as Meta does (here in seconds, not hours). */
  const deliver = async (user: FaultUser, webhook: PlannedWebhook): Promise<void> => {
    const deadline = Date.now() + giveUpMs;
    for (let attempt = 0; ; attempt++) {
      const status = await stack.postWebhook(webhook.body);
      count(record.webhookAnswers, status);
      if (status === 200) {
        user.posted.push(...webhook.wamids);
        record.acknowledged.push(webhook.body);
        record.onAck?.();
        await learnContact(stack, user, deadline, stopped);
        return;
      }
      if (Date.now() > deadline || stopped())
        throw new Error(`no 200 for a webhook to ${user.phone} in ${giveUpMs} ms`);
      await sleep(Math.min(2_000, 250 * 2 ** attempt));
    }
  };
  const say =
    (text: string): Action =>
    (u) =>
      deliver(u, u.webhook(u.text(text)));
  const agent =
    (action: 'send' | 'end', message: string): Action =>
    async (user) => {
      // An agent answers what they have seen: the bot's replies so far have reached the user.
      await caughtUp(stack, user, giveUpMs, stopped);
      const key = `${user.phone}-${user.agentCalls.length + 1}`;
      const deadline = Date.now() + giveUpMs;
      for (let attempt = 0; ; attempt++) {
        const route = `/api/admin/conversations/${user.phone}/chat-support/${action}`;
        const answer = await stack.agent('POST', route, { message }, { 'idempotency-key': key });
        count(record.adminAnswers, answer.status);
        // 503: Temporal or the worker is away; no answer: the server is. The command is retried with
        // the same key, as after any 5xx, which the ledger still counts against the product.
        const { status } = answer;
        if (status !== 'unreachable' && (status < 500 || status === 502)) {
          const body = answer.body as { waMessageId?: string; error?: { code?: string; whatsappCode?: number } };
          user.agentCalls.push({
            action,
            key,
            status,
            ...(body.waMessageId === undefined ? {} : { waMessageId: body.waMessageId }),
            ...(body.error?.code === undefined ? {} : { error: body.error.code }),
            ...(body.error?.whatsappCode === undefined ? {} : { whatsappCode: body.error.whatsappCode }),
          });
          if (status === 200 || status === 502)
            user.agent(
              action === 'send'
                ? { type: 'agentSend', agent: AGENT_NAME, message }
                : { type: 'agentEnd', agent: AGENT_NAME, message },
            );
          return;
        }
        if (Date.now() > deadline || stopped())
          throw new Error(`no answer to ${action} for ${user.phone} in ${giveUpMs} ms`);
        await sleep(Math.min(2_000, 250 * 2 ** attempt));
      }
    };
  return {
    say,
    typed:
      (text: (u: FaultUser) => string): Action =>
      (u) =>
        deliver(u, u.webhook(u.text(text(u)))),
    tap:
      (id: string): Action =>
      (u) =>
        deliver(u, u.webhook(u.tap(id))),
    agentSend: (message: string) => agent('send', message),
    agentEnd: (message: string) => agent('end', message),
  };
}

/** Until the bot has answered everything planned so far: sent to the fake, or refused and stored as failed. */
export async function caughtUp(
  stack: FaultStack,
  user: FaultUser,
  timeoutMs: number,
  stopped: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (stack.fake.sendsTo(user.phone).length >= user.expected.length) {
      if (user.refused.length === 0 || (await failedRows(stack, user)) >= user.refused.length) return;
    }
    if (Date.now() > deadline || stopped()) {
      const sent = stack.fake.sendsTo(user.phone).map((s) => s.content);
      throw new Error(
        `the bot did not catch up with ${user.kind} ${user.phone} in ${timeoutMs} ms: ${sent.length} of ` +
          `${user.expected.length} replies sent; next expected ${JSON.stringify(user.expected[sent.length])}; ` +
          `last sent ${JSON.stringify(sent.at(-1))}`,
      );
    }
    await sleep(100);
  }
}

async function failedRows(stack: FaultStack, user: FaultUser): Promise<number> {
  if (user.contactId === undefined) return 0;
  const rows = await listMessages(stack.db, user.contactId).catch(() => []);
  return rows.filter((m) => m.direction === 'outbound' && m.status === 'failed').length;
}

/**
 * Once a webhook from the user was acknowledged, the contact the product resolved their phone to
 * exists: the shadow flow learns its id (homework references carry it), as the workflow knows it. A
 * read the fault refuses (Postgres away) is tried again.
 */
async function learnContact(stack: FaultStack, user: FaultUser, deadline: number, stopped: () => boolean) {
  while (user.contactId === undefined) {
    user.contactId = await findContactOf(stack.db, user.phone).catch(() => undefined);
    if (user.contactId !== undefined) return;
    if (Date.now() > deadline || stopped()) throw new Error(`no contact for ${user.phone} after a 200`);
    await sleep(250);
  }
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** A name the registration accepts (letters only), different for every number. */
function fullName(phone: string): string {
  const letters = [...phone.slice(-4)].map((d) => String.fromCharCode(97 + Number(d))).join('');
  return `Ada ${letters[0]!.toUpperCase()}${letters.slice(1)}`;
}
