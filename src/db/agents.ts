import type { Queryable } from './queryable';
import { ACTIVE_TOKEN } from './tokens';

// The people of the support team. Every admin token belongs to one; the environment's ADMIN_TOKEN
// is the person the migration created as ADMIN_AGENT_NAME.

export interface Agent {
  id: number;
  name: string;
}

interface DbAgent {
  id: string;
  name: string;
}

/** The name of the person who holds the environment's ADMIN_TOKEN (a row made by migration 0008). */
export const ADMIN_AGENT_NAME = 'Admin';

/**
 * Whether the person `a` can still sign in: the environment's admin (who has no token row and whose
 * ADMIN_TOKEN never expires), or anyone holding a token neither revoked nor expired. Someone who
 * cannot sign in cannot answer a chat, so automatic assignment passes them by.
 */
export const CAN_SIGN_IN = `(a.name = '${ADMIN_AGENT_NAME}' or exists (
  select 1 from admin_tokens t where t.agent_id = a.id and ${ACTIVE_TOKEN}
))`;

const toAgent = (row: DbAgent): Agent => ({ id: Number(row.id), name: row.name });

export async function getAgent(db: Queryable, id: number): Promise<Agent | undefined> {
  const { rows } = await db.query<DbAgent>('select id, name from agents where id = $1', [id]);
  return rows[0] ? toAgent(rows[0]) : undefined;
}

/** Every person, oldest first. */
export async function listAgents(db: Queryable): Promise<Agent[]> {
  const { rows } = await db.query<DbAgent>('select id, name from agents order by id');
  return rows.map(toAgent);
}

/** The person of the environment's ADMIN_TOKEN; throws when the migrations have not run. */
export async function getAdminAgent(db: Queryable): Promise<Agent> {
  const { rows } = await db.query<DbAgent>('select id, name from agents where name = $1', [ADMIN_AGENT_NAME]);
  if (!rows[0]) throw new Error(`no person named ${ADMIN_AGENT_NAME} in agents: run the migrations`);
  return toAgent(rows[0]);
}

/** Whether the person can still sign in (CAN_SIGN_IN); false for an unknown id. */
export async function canSignIn(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query(`select 1 from agents a where a.id = $1 and ${CAN_SIGN_IN}`, [id]);
  return rows.length > 0;
}
