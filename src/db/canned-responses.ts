import pg from 'pg';
import { UNIQUE_VIOLATION, type Db } from './pool';

// Saved replies agents pick in the console. Titles are unique ignoring case.

export interface CannedResponse {
  id: number;
  title: string;
  body: string;
  createdBy: number | null;
  createdAt: Date;
}

interface DbCannedResponse {
  id: string;
  title: string;
  body: string;
  created_by: string | null;
  created_at: Date;
}

const COLUMNS = 'id, title, body, created_by, created_at';

function toCannedResponse(row: DbCannedResponse): CannedResponse {
  return {
    id: Number(row.id),
    title: row.title,
    body: row.body,
    createdBy: row.created_by === null ? null : Number(row.created_by),
    createdAt: row.created_at,
  };
}

/** Every canned response, by title. */
export async function listCannedResponses(db: Db): Promise<CannedResponse[]> {
  const { rows } = await db.query<DbCannedResponse>(
    `select ${COLUMNS} from canned_responses where deleted_at is null order by lower(title), id`,
  );
  return rows.map(toCannedResponse);
}

/** Stores a canned response; undefined when another one has the same title (ignoring case). */
export async function insertCannedResponse(
  db: Db,
  input: { title: string; body: string; createdBy: number },
): Promise<CannedResponse | undefined> {
  try {
    const { rows } = await db.query<DbCannedResponse>(
      `insert into canned_responses (title, body, created_by) values ($1, $2, $3) returning ${COLUMNS}`,
      [input.title, input.body, input.createdBy],
    );
    return toCannedResponse(rows[0]!);
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === UNIQUE_VIOLATION) return undefined;
    throw err;
  }
}

/** Deletes a canned response; undefined for an unknown id. */
export async function deleteCannedResponse(db: Db, id: number): Promise<CannedResponse | undefined> {
  const { rows } = await db.query<DbCannedResponse>(
    `update canned_responses set deleted_at = now() where id = $1 and deleted_at is null returning ${COLUMNS}`,
    [id],
  );
  return rows[0] ? toCannedResponse(rows[0]) : undefined;
}
