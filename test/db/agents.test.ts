import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkToken, createToken, hashToken } from '../../src/auth/tokens';
import { getAdminAgent, listAgents } from '../../src/db/agents';
import { migrate } from '../../src/db/migrate';
import { listTokens } from '../../src/db/tokens';
import { silentLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';

// Migration 0008 on a database that already has tokens: each token's label becomes its holder, and
// the environment's ADMIN_TOKEN is the person "Admin".

const SOURCE = path.resolve(__dirname, '../../src/db/migrations');
const PEOPLE_MIGRATION = '0008_agents_notes_canned.sql';

it('gives every existing token a person named by its label, one person per label, and makes "Admin"', async () => {
  const target = await createTestDatabase({ migrated: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-migrations-'));
  try {
    for (const file of fs.readdirSync(SOURCE).filter((f) => f.endsWith('.sql') && f < PEOPLE_MIGRATION))
      fs.copyFileSync(path.join(SOURCE, file), path.join(dir, file));
    await migrate(target.db, silentLogger, dir);
    // Tokens as they were before people: labels, two of them the same, one revoked.
    const labels = ['Ada Obi', 'Bayo', 'Ada Obi', 'Chika'];
    for (const [i, label] of labels.entries()) {
      await target.db.query(
        `insert into admin_tokens (name, role, token_hash, revoked_at) values ($1, 'agent', $2, $3)`,
        [label, hashToken(`old-token-${i}`), label === 'Bayo' ? new Date() : null],
      );
    }

    fs.copyFileSync(path.join(SOURCE, PEOPLE_MIGRATION), path.join(dir, PEOPLE_MIGRATION));
    expect(await migrate(target.db, silentLogger, dir)).toEqual([PEOPLE_MIGRATION]);
    // The code below reads today's schema: the later migrations too (0017 gives the old agent tokens
    // still in use an expiry, 90 days from the migration).
    await migrate(target.db, silentLogger);

    const people = await listAgents(target.db);
    expect(people.map((p) => p.name)).toEqual(['Admin', 'Ada Obi', 'Bayo', 'Chika']);
    const idOf = (name: string) => people.find((p) => p.name === name)!.id;
    const tokens = await listTokens(target.db);
    expect(tokens.map((t) => [t.name, t.agentId, t.revokedAt === null])).toEqual([
      ['Ada Obi', idOf('Ada Obi'), true],
      ['Bayo', idOf('Bayo'), false],
      ['Ada Obi', idOf('Ada Obi'), true],
      ['Chika', idOf('Chika'), true],
    ]);
    const inDays = (at: Date | null) => (at === null ? null : Math.round((at.getTime() - Date.now()) / 86_400_000));
    expect(tokens.map((t) => inDays(t.expiresAt))).toEqual([90, null, 90, 90]);
    expect(await getAdminAgent(target.db)).toEqual({ id: idOf('Admin'), name: 'Admin' });

    // An old token still signs in, now as its person; a new token for a known name joins that person.
    expect(await checkToken(target.db, { adminToken: '' }, 'old-token-2')).toMatchObject({
      ok: true,
      actor: { agentId: idOf('Ada Obi'), name: 'Ada Obi', role: 'agent' },
    });
    const { info } = await createToken(target.db, { name: 'Chika', role: 'admin' });
    expect(info.agentId).toBe(idOf('Chika'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await target.drop();
  }
});
