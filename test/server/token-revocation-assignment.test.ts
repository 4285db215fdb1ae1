import { silentLogger } from '../../src/logger';
import { releaseSignedOutHolders } from '../../src/server/admin/token-release';
import { temporalChatCommands } from '../../src/server/chat-commands-temporal';
import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Revocation and expiry against automatic assignment, on the real stack (CHAT_AUTO_ASSIGN=
// round_robin): someone whose tokens no longer let them in is never given a chat, and the chats they
// held go back through each conversation's own unassign, then to whoever is available.

let stack: TestStack;
let admin: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ CHAT_AUTO_ASSIGN: 'round_robin', CHAT_AGENT_CAPACITY: '5' });
  admin = new AdminClient(stack, stack.config.adminToken);
});

afterAll(async () => {
  await stack?.stop();
});

const setAvailable = async (agent: AdminClient, available: boolean) =>
  expect((await agent.request('POST', '/api/admin/me/availability', { available })).status).toBe(200);

async function holderOf(user: TestUser): Promise<string | null> {
  const answer = await admin.request('GET', `/api/admin/conversations/${user.phone}`);
  return answer.body.conversation.openChat?.holder?.name ?? null;
}

async function askForSupport(): Promise<TestUser> {
  const user = new TestUser(stack, newPhone());
  await user.say('hello');
  await user.say('support');
  return user;
}

/** A person with an agent token made by the admin, with its token id. */
async function agent(name: string, lifetime: Record<string, unknown> = {}) {
  const { status, body } = await admin.request('POST', '/api/admin/tokens', { name, role: 'agent', ...lifetime });
  expect(status).toBe(201);
  return { client: new AdminClient(stack, body.token, body.agentId), tokenId: body.id as number, body };
}

describe('a revoked or expired agent and automatic assignment', () => {
  it("gives a revoked agent's chats back through their conversations to the agent available, audited under the admin", async () => {
    const ada = await agent('Ada');
    const bo = await agent('Bo');
    await setAvailable(ada.client, true);
    const users = [await askForSupport(), await askForSupport()];
    for (const user of users) expect(await holderOf(user)).toBe('Ada');
    await setAvailable(bo.client, true);

    const revoked = await admin.request('DELETE', `/api/admin/tokens/${ada.tokenId}`);
    expect(revoked.status).toBe(200);
    const contactIds = await Promise.all(users.map((user) => user.contact()));
    expect([...revoked.body.chatsReturned].sort()).toEqual([...contactIds].sort());
    expect(revoked.body.chatsNotReturned).toEqual([]);
    expect((await ada.client.request('GET', '/api/admin/me')).status).toBe(401);

    // Each went back by its workflow (the change log the workflow writes names the admin), then to Bo.
    for (const [i, user] of users.entries()) {
      await waitFor(async () => (await holderOf(user)) === 'Bo', `chat ${i} to go to Bo`);
      const { rows } = await stack.db.query<{ holder_name: string | null; changed_by: string }>(
        'select holder_name, changed_by from chat_holder_changes where contact_id = $1 order by id',
        [contactIds[i]],
      );
      expect(rows).toEqual([
        { holder_name: 'Ada', changed_by: 'automatic assignment' },
        { holder_name: null, changed_by: 'Admin' },
        { holder_name: 'Bo', changed_by: 'automatic assignment' },
      ]);
    }
    // The revocation's one audit row, under the admin, names the chats it gave back.
    const audit = await stack.db.query<{ actor: string; details: { tokenId: number; chatsReturned: string[] } }>(
      "select actor, details from audit_log where action = 'token.revoke' order by id desc limit 1",
    );
    expect(audit.rows[0]).toMatchObject({ actor: 'Admin', details: { tokenId: ada.tokenId } });
    expect([...audit.rows[0]!.details.chatsReturned].sort()).toEqual([...contactIds].sort());
    // Ada is away, and stays out of the pool.
    const { rows } = await stack.db.query<{ available: boolean }>('select available from agents where id = $1', [
      ada.body.agentId,
    ]);
    expect(rows[0]!.available).toBe(false);
    await setAvailable(bo.client, false);
  });

  it('leaves the chats of an agent who still has another working token with them', async () => {
    const cy = await agent('Cy');
    const spare = await agent('Cy');
    await setAvailable(cy.client, true);
    const user = await askForSupport();
    expect(await holderOf(user)).toBe('Cy');
    const revoked = await admin.request('DELETE', `/api/admin/tokens/${cy.tokenId}`);
    expect(revoked.body.chatsReturned).toEqual([]);
    expect(await holderOf(user)).toBe('Cy');
    // With the last one gone, the chat goes back: nobody else is available, so it waits.
    const last = await admin.request('DELETE', `/api/admin/tokens/${spare.tokenId}`);
    expect(last.body.chatsReturned).toEqual([await user.contact()]);
    expect(await holderOf(user)).toBeNull();
  });

  it('never gives a chat to an available agent whose token has expired', async () => {
    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const dee = await agent('Dee', { expiresAt });
    await setAvailable(dee.client, true);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    expect((await dee.client.request('GET', '/api/admin/me')).status).toBe(401);

    // Dee is the only one marked available, and holds nothing: still, the chat waits.
    const user = await askForSupport();
    expect(await holderOf(user)).toBeNull();
    const eve = await agent('Eve');
    await setAvailable(eve.client, true);
    await waitFor(async () => (await holderOf(user)) === 'Eve', 'the waiting chat to go to Eve');
    await setAvailable(eve.client, false);
  });

  it("gives back the chats of an agent whose last token expired, under 'token expiry', to the agent available", async () => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const fay = await agent('Fay', { expiresAt });
    await setAvailable(fay.client, true);
    const user = await askForSupport();
    expect(await holderOf(user)).toBe('Fay');
    const gus = await agent('Gus');
    await setAvailable(gus.client, true);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));

    // What each server runs every minute (startExpirySweep), run now rather than waited for.
    const deps = { db: stack.db, chat: temporalChatCommands(stack.client), logger: silentLogger, autoAssign: true };
    await releaseSignedOutHolders(deps);
    await waitFor(async () => (await holderOf(user)) === 'Gus', 'the chat to go to Gus');
    const contactId = await user.contact();
    const { rows } = await stack.db.query<{ holder_name: string | null; changed_by: string }>(
      'select holder_name, changed_by from chat_holder_changes where contact_id = $1 order by id',
      [contactId],
    );
    expect(rows).toEqual([
      { holder_name: 'Fay', changed_by: 'automatic assignment' },
      { holder_name: null, changed_by: 'token expiry' },
      { holder_name: 'Gus', changed_by: 'automatic assignment' },
    ]);
    const audit = await stack.db.query(
      "select actor, role, outcome from audit_log where action = 'chat.unassign' and contact_id = $1",
      [contactId],
    );
    expect(audit.rows).toEqual([{ actor: 'token expiry', role: null, outcome: 'ok' }]);
    // Nothing is left to give back.
    expect(await releaseSignedOutHolders(deps)).toEqual({ returned: [], notReturned: [] });
    await setAvailable(gus.client, false);
  });
});
