import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import type { Db } from './pool';

// Notes agents write on a conversation for each other. Nothing that sends to WhatsApp reads them:
// they are written here, read by the admin API, and go nowhere else.

export interface Note {
  id: number;
  contactId: string;
  agentId: number;
  agentName: string;
  text: string;
  createdAt: Date;
}

interface DbNote {
  id: string;
  contact_id: string;
  agent_id: string;
  agent_name: string;
  body: string;
  created_at: Date;
}

const COLUMNS = 'id, contact_id, agent_id, agent_name, body, created_at';

function toNote(row: DbNote): Note {
  return {
    id: Number(row.id),
    contactId: row.contact_id,
    agentId: Number(row.agent_id),
    agentName: row.agent_name,
    text: row.body,
    createdAt: row.created_at,
  };
}

/**
 * Stores a note and tells the consoles (a 'note' event without the text), in one statement.
 * Undefined when there is no conversation with this contact: nothing is stored then.
 */
export async function insertNote(
  db: Db,
  input: { contactId: string; agentId: number; agentName: string; text: string },
): Promise<Note | undefined> {
  const { rows } = await db.query<DbNote>(
    `with inserted as (
       insert into notes (contact_id, agent_id, agent_name, body)
       select contact_id, $2, $3, $4 from conversations where contact_id = $1
       returning ${COLUMNS}
     ), ${appendEventCte('inserted', 5)}
     select inserted.*, ${NOTIFY_APPENDED} from inserted`,
    [
      input.contactId,
      input.agentId,
      input.agentName,
      input.text,
      ...eventParams({
        kind: 'note',
        contactId: input.contactId,
        payload: { agentId: input.agentId, agentName: input.agentName },
      }),
    ],
  );
  return rows[0] ? toNote(rows[0]) : undefined;
}

/** A conversation's notes, oldest first. */
export async function listNotes(db: Db, contactId: string): Promise<Note[]> {
  const { rows } = await db.query<DbNote>(
    `select ${COLUMNS} from notes where contact_id = $1 order by created_at, id`,
    [contactId],
  );
  return rows.map(toNote);
}
