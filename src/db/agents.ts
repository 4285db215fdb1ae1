import type { Queryable } from './queryable';

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
