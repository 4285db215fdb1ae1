import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Automatic assignment on the real stack (CHAT_AUTO_ASSIGN=round_robin): a chat a student asks for
// goes to the available agent holding the fewest chats, below CHAT_AGENT_CAPACITY; with nobody
// available it waits and is given to the first agent who becomes available.

let stack: TestStack;
let agents: AdminClient[];

beforeAll(async () => {
  stack = await startTestStack({ CHAT_AUTO_ASSIGN: 'round_robin', CHAT_AGENT_CAPACITY: '5' });
  agents = await Promise.all(['Ada', 'Bo', 'Cy'].map((name) => AdminClient.agent(stack, name)));
});

afterAll(async () => {
  await stack?.stop();
});

const setAvailable = (agent: AdminClient, available: boolean) =>
  agent.request('POST', '/api/admin/me/availability', { available });

async function holderOf(phone: string): Promise<string | null> {
  const answer = await agents[0]!.request('GET', `/api/admin/conversations/${phone}`);
  return answer.body.conversation.openChat?.holder?.name ?? null;
}

async function askForSupport(): Promise<TestUser> {
  const user = new TestUser(stack, newPhone());
  await user.say('hello');
  await user.say('support');
  return user;
}

describe('automatic assignment', () => {
  it('spreads 10 chats arriving at once across 3 available agents 4/3/3', async () => {
    for (const agent of agents) {
      const answer = await setAvailable(agent, true);
      expect(answer.status).toBe(200);
      expect(answer.body.agent).toMatchObject({ available: true });
    }
    const users = await Promise.all(Array.from({ length: 10 }, () => askForSupport()));
    const holders = await Promise.all(users.map((u) => holderOf(u.phone)));
    expect(holders.every((h) => h !== null)).toBe(true);
    const counts = ['Ada', 'Bo', 'Cy'].map((name) => holders.filter((h) => h === name).length).sort();
    expect(counts).toEqual([3, 3, 4]);
    // The queue shows each with its holder until an agent answers.
    const queue = (await agents[0]!.request('GET', '/api/admin/queue')).body.queue as { holder: unknown }[];
    expect(queue.filter((c) => c.holder === null)).toEqual([]);
  });

  it('lets a chat wait while everyone is away and gives it to the first agent who comes back', async () => {
    for (const agent of agents) await setAvailable(agent, false);
    const user = await askForSupport();
    expect(await holderOf(user.phone)).toBeNull();
    expect((await agents[1]!.request('GET', '/api/admin/me')).body.agent).toMatchObject({
      name: 'Bo',
      available: false,
    });

    expect((await setAvailable(agents[1]!, true)).status).toBe(200);
    await waitFor(async () => (await holderOf(user.phone)) === 'Bo', 'the waiting chat to be given to Bo');
    // A chat whose holder goes away stays held.
    await setAvailable(agents[1]!, false);
    expect(await holderOf(user.phone)).toBe('Bo');
  });

  it('answers 400 to an availability it does not understand', async () => {
    for (const body of [{}, { available: 'yes' }, { available: true, extra: 1 }]) {
      expect((await agents[0]!.request('POST', '/api/admin/me/availability', body)).status).toBe(400);
    }
  });
});
