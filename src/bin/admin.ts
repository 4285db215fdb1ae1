import { parseArgs } from 'node:util';
import { createToken, Role, AgentName, TokenLifetime } from '../auth/tokens';
import type { Config } from '../config';
import { canSignIn } from '../db/agents';
import { listChatsHeldBy } from '../db/assignment';
import { getContact } from '../db/contacts';
import { createDb, type Db } from '../db/pool';
import { listTokens, revokeToken, type AdminToken } from '../db/tokens';
import { runEntry } from '../entry';
import { providePostgres } from '../../tools/embedded/provide';
import { resolveContactReference } from '../server/admin/params';
import { HttpError } from '../server/errors';
import { BUILD_ID_PATTERN } from '../temporal/deployment';
import { runEraseCommand } from '../temporal/erase-command';
import { runVersionCommand, type VersionCommand } from '../temporal/versions-command';
import { conversationWorkflowId } from '../../workflows/messages';

// `npm run admin -- token create --role agent --name <name> [--expires-in-days <n>] | token list |
// token revoke <id>`: manages admin API tokens in DATABASE_URL's database (or the embedded one when
// unset). `--name` is the person who holds the token: an existing person of exactly that name gets
// another token, any other name makes a new person. Agent tokens expire in 90 days unless told.
// `npm run admin -- find <phone|BSUID|@username|contact id>`: the student's contact, as an operator
// needs it to find their workflow in the Temporal Web UI (whose ids hold no phone number).
// `npm run admin -- erase <contact id|phone|BSUID|@username>`: erases a student everywhere (erase-command.ts).
// `npm run admin -- versions | drain <build id> | ramp <build id> <percent> | current <build id>`: the
// Worker Deployment's versions (versions-command.ts), on TEMPORAL_ADDRESS or the running `npm start`'s.

const USAGE = `usage: npm run admin -- token create --role <admin|agent> --name <name> [--expires-in-days <1-365>]
       npm run admin -- token list
       npm run admin -- token revoke <id>
       npm run admin -- find <phone|BSUID|@username|contact id>
       npm run admin -- erase <contact id|phone|BSUID|@username>
       npm run admin -- versions
       npm run admin -- drain <build id>
       npm run admin -- ramp <build id> <percent>
       npm run admin -- current <build id>
`;

// Postgres's "relation does not exist": the migrations have not run on this database.
const UNDEFINED_TABLE = '42P01';

type Command =
  | { kind: 'create'; name: string; role: Role; expiresInDays?: number }
  | { kind: 'list' }
  | { kind: 'revoke'; id: number }
  | { kind: 'find'; reference: string }
  | { kind: 'erase'; reference: string }
  | VersionCommand;

/** Thrown for a command line that means nothing; the CLI prints it with the usage and exits 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { role: { type: 'string' }, name: { type: 'string' }, 'expires-in-days': { type: 'string' } },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { positionals, values } = parsed;
  const [group, action, ...rest] = positionals;
  if (group === 'erase') {
    if (Object.values(values).some((value) => value !== undefined)) throw new UsageError('erase takes no options');
    if (action === undefined || action.trim() === '' || rest.length > 0)
      throw new UsageError('erase takes one contact id, phone number, BSUID or username');
    return { kind: 'erase', reference: action };
  }
  if (group === 'find') {
    if (values.role !== undefined || values.name !== undefined) throw new UsageError('find takes no options');
    if (action === undefined || action.trim() === '' || rest.length > 0)
      throw new UsageError('find takes one phone number, BSUID, username or contact id');
    return { kind: 'find', reference: action };
  }
  if (group === 'versions' || group === 'drain' || group === 'ramp' || group === 'current') {
    if (values.role !== undefined || values.name !== undefined) throw new UsageError(`${group} takes no options`);
    return parseVersionCommand(group, positionals.slice(1));
  }
  if (group !== 'token') throw new UsageError(group === undefined ? 'missing command' : `unknown command "${group}"`);
  if (action === 'create') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    const role = Role.safeParse(values.role);
    if (!role.success) throw new UsageError('--role must be admin or agent');
    const name = AgentName.safeParse(values.name ?? '');
    if (!name.success) throw new UsageError(`--name: ${name.error.issues[0]!.message}`);
    const days = values['expires-in-days'];
    if (days === undefined) return { kind: 'create', name: name.data, role: role.data };
    const lifetime = TokenLifetime.safeParse({ expiresInDays: /^\d{1,4}$/.test(days) ? Number(days) : NaN });
    if (!lifetime.success) throw new UsageError(`--expires-in-days: ${lifetime.error.issues[0]!.message}`);
    return { kind: 'create', name: name.data, role: role.data, ...lifetime.data };
  }
  if (values.role !== undefined || values.name !== undefined || values['expires-in-days'] !== undefined)
    throw new UsageError('--role, --name and --expires-in-days belong to "token create"');
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { kind: 'list' };
  }
  if (action === 'revoke') {
    if (rest.length !== 1 || !/^\d{1,15}$/.test(rest[0]!))
      throw new UsageError('token revoke takes one token id, a positive integer');
    return { kind: 'revoke', id: Number(rest[0]) };
  }
  throw new UsageError(action === undefined ? 'missing token action' : `unknown token action "${action}"`);
}

function parseVersionCommand(group: VersionCommand['kind'], args: string[]): VersionCommand {
  if (group === 'versions') {
    if (args.length > 0) throw new UsageError('versions takes no arguments');
    return { kind: 'versions' };
  }
  const [buildId, ...rest] = args;
  if (buildId === undefined || !BUILD_ID_PATTERN.test(buildId))
    throw new UsageError(`${group} takes a build id (as \`versions\` lists them)`);
  if (group !== 'ramp') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { kind: group, buildId };
  }
  const percent = Number(rest[0]);
  if (rest.length !== 1 || !/^\d+(\.\d+)?$/.test(rest[0]!) || percent > 100)
    throw new UsageError('ramp takes a build id and a percentage from 0 to 100');
  return { kind: 'ramp', buildId, percent };
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`edubot-admin: ${err.message}\n${USAGE}`);
  process.exit(2);
}

runEntry('edubot-admin', async ({ config, logger }) => {
  const postgres = await providePostgres(config, logger);
  const db = createDb(postgres.url, logger);
  let exitCode: number;
  try {
    exitCode = await run(command, db, config);
  } catch (err) {
    if ((err as { code?: unknown }).code !== UNDEFINED_TABLE) throw err;
    process.stderr.write('edubot-admin: this database has no admin_tokens table yet; run `npm run migrate` first\n');
    exitCode = 1;
  } finally {
    await db.close();
    await postgres.stop();
  }
  process.exit(exitCode);
});

async function run(cmd: Command, db: Db, config: Config): Promise<number> {
  switch (cmd.kind) {
    case 'create': {
      const { token, info } = await createToken(db, cmd);
      process.stdout.write(`token: ${token}\n${describe(info)}\n`);
      process.stderr.write('Store the token now: it is shown only this once and cannot be recovered.\n');
      return 0;
    }
    case 'list': {
      const tokens = await listTokens(db);
      process.stdout.write(tokens.length === 0 ? 'no tokens\n' : tokens.map(describe).join('\n') + '\n');
      return 0;
    }
    case 'revoke': {
      const revoked = await revokeToken(db, cmd.id);
      if (!revoked) {
        process.stderr.write(`edubot-admin: no token with id ${cmd.id}\n`);
        return 1;
      }
      process.stdout.write(`revoked ${describe(revoked)}\n`);
      // Automatic assignment passes them by already; giving their chats back is the conversations'
      // business, which the server does for a revocation through the API.
      const held = (await canSignIn(db, revoked.agentId)) ? [] : await listChatsHeldBy(db, revoked.agentId);
      if (held.length > 0)
        process.stderr.write(
          `${held.length} open chat(s) are still held by this person: give them back from the console or the API (POST /api/admin/conversations/{id}/unassign), or revoke through DELETE /api/admin/tokens/{id}, which does it\n`,
        );
      return 0;
    }
    case 'erase':
      return runEraseCommand(cmd.reference, { db, config });
    case 'find':
      return find(db, cmd.reference);
    case 'versions':
    case 'drain':
    case 'ramp':
    case 'current':
      return runVersionCommand(cmd, { db, config });
  }
}

/** Prints the contact a reference names: its id, its workflow's id, phone (or hidden), BSUID, username. */
async function find(db: Db, reference: string): Promise<number> {
  let contactId: string;
  try {
    contactId = await resolveContactReference(db, reference);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const message = err.status === 404 ? 'no contact has this phone number, BSUID, username or id' : err.message;
    process.stderr.write(`edubot-admin: ${message}\n`);
    return err.status === 400 ? 2 : 1;
  }
  const contact = (await getContact(db, contactId))!;
  process.stdout.write(
    [
      `contact: ${contact.id}`,
      `workflow: ${conversationWorkflowId(contact.id)}`,
      `phone: ${contact.phone === null ? 'hidden' : `+${contact.phone}`}`,
      `bsuid: ${contact.bsuid ?? 'none'}`,
      ...(contact.parentBsuid === null ? [] : [`parent bsuid: ${contact.parentBsuid}`]),
      `username: ${contact.username === null ? 'none' : `@${contact.username.replace(/^@/, '')}`}`,
    ].join('\n') + '\n',
  );
  return 0;
}

function describe(t: AdminToken): string {
  const used = t.lastUsedAt ? `last used ${t.lastUsedAt.toISOString()}` : 'never used';
  const expiry = t.expiresAt ? `expires ${t.expiresAt.toISOString()}` : 'never expires';
  const status = t.revokedAt
    ? `revoked ${t.revokedAt.toISOString()}`
    : t.expiresAt && t.expiresAt.getTime() <= Date.now()
      ? `expired ${t.expiresAt.toISOString()}`
      : `active, ${expiry}`;
  return `id=${t.id} name=${JSON.stringify(t.name)} role=${t.role} person=${t.agentId} created ${t.createdAt.toISOString()} ${used} ${status}`;
}
