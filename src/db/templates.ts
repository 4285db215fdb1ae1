import { z } from 'zod';
import type { Db } from './pool';
import type { MessageTemplate } from '../../domain/message-template';
import { GraphTemplateComponent, ParameterFormat } from '../whatsapp/template-schema';

// The message template catalogue: what the last listing said, with status changes applied as the
// webhook reports them. A template no longer listed is marked gone (the runtime role deletes nothing).

interface DbTemplate {
  name: string;
  language: string;
  wa_template_id: string;
  status: string;
  category: string;
  components: unknown;
  parameter_format: string;
}

const COLUMNS = 'name, language, wa_template_id, status, category, components, parameter_format';
// The column is jsonb written only by this module, but read as a boundary all the same.
const Components = z.array(GraphTemplateComponent).catch([]);

function toTemplate(row: DbTemplate): MessageTemplate {
  return {
    id: row.wa_template_id,
    name: row.name,
    language: row.language,
    status: row.status,
    category: row.category,
    parameterFormat: ParameterFormat.catch('POSITIONAL').parse(row.parameter_format),
    components: Components.parse(row.components),
  };
}

/**
 * Makes the catalogue what a listing says: every listed template stored as listed (a gone one back),
 * every other one marked gone. One transaction, so a reader sees the old catalogue or the new one.
 */
export async function replaceTemplates(db: Db, templates: MessageTemplate[]): Promise<{ gone: number }> {
  return db.withTransaction(async (client) => {
    for (const t of templates) {
      await client.query(
        `insert into message_templates (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (name, language) do update set
           wa_template_id = excluded.wa_template_id, status = excluded.status, category = excluded.category,
           components = excluded.components, parameter_format = excluded.parameter_format,
           gone_at = null, updated_at = now()`,
        [t.name, t.language, t.id, t.status, t.category, JSON.stringify(t.components), t.parameterFormat],
      );
    }
    const gone = await client.query(
      `update message_templates t set gone_at = now(), updated_at = now()
       where gone_at is null
         and not exists (select from unnest($1::text[], $2::text[]) as l(name, language)
                         where l.name = t.name and l.language = t.language)`,
      [templates.map((t) => t.name), templates.map((t) => t.language)],
    );
    return { gone: gone.rowCount ?? 0 };
  });
}

/** Every template still listed, by name then language. */
export async function listTemplates(db: Db): Promise<MessageTemplate[]> {
  const { rows } = await db.query<DbTemplate>(
    `select ${COLUMNS} from message_templates where gone_at is null order by name, language`,
  );
  return rows.map(toTemplate);
}

/** A template still listed, by name and language. */
export async function getTemplate(db: Db, name: string, language: string): Promise<MessageTemplate | undefined> {
  const { rows } = await db.query<DbTemplate>(
    `select ${COLUMNS} from message_templates where name = $1 and language = $2 and gone_at is null`,
    [name, language],
  );
  const row = rows[0];
  return row === undefined ? undefined : toTemplate(row);
}

/**
 * Sets a template's status as a status-update webhook reports it, found by WhatsApp's id or by its
 * name and language. Returns how many templates changed: 0 for one not stored yet (the next listing
 * brings it).
 */
export async function setTemplateStatus(
  db: Db,
  update: { id?: string; name?: string; language?: string; status: string },
): Promise<number> {
  const result = await db.query(
    `update message_templates set status = $4, updated_at = now()
     where ($1::text is not null and wa_template_id = $1)
        or ($2::text is not null and name = $2 and language = $3)`,
    [update.id ?? null, update.name ?? null, update.language ?? null, update.status],
  );
  return result.rowCount ?? 0;
}
