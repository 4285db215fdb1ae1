import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import type { Db } from './pool';

// Notes agents write on a conversation for each other. Nothing that sends to WhatsApp reads them:
// they are written here, read by the admin API, and go nowhere else.

export interface Note {
  id: number;
  phone: string;
  agentId: number;
  agentName: string;
  text: string;
  createdAt: Date;
}

interface DbNote {
  id: string;
  phone: string;
  agent_id: string;
  agent_name: string;
  body: string;
  created_at: Date;
}

const COLUMNS = 'id, phone, agent_id, agent_name, body, created_at';

function toNote(row: DbNote): Note {
  return {
    id: Number(row.id),
    phone: row.phone,
    agentId: Number(row.agent_id),
    agentName: row.agent_name,
    text: row.body,
    createdAt: row.created_at,
  };
}

/**
 * Stores a note and tells the consoles (a 'note' event without the text), in one statement.
 * Undefined when there is no conversation with this phone: nothing is stored then.
 */
export async function insertNote(
  db: Db,
  input: { phone: string; agentId: number; agentName: string; text: string },
): Promise<Note | undefined> {
  const { rows } = await db.query<DbNote>(
    `with inserted as (
       insert into notes (phone, agent_id, agent_name, body)
       select phone, $2, $3, $4 from conversations where phone = $1
       returning ${COLUMNS}
     ), ${appendEventCte('inserted', 5)}
     select inserted.*, ${NOTIFY_APPENDED} from inserted`,
    [
      input.phone,
      input.agentId,
      input.agentName,
      input.text,
      ...eventParams({
        kind: 'note',
        phone: input.phone,
        payload: { agentId: input.agentId, agentName: input.agentName },
      }),
    ],
  );
  return rows[0] ? toNote(rows[0]) : undefined;
}

/** A conversation's notes, oldest first. */
export async function listNotes(db: Db, phone: string): Promise<Note[]> {
  const { rows } = await db.query<DbNote>(`select ${COLUMNS} from notes where phone = $1 order by created_at, id`, [
    phone,
  ]);
  return rows.map(toNote);
}
