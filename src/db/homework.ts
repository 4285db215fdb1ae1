import type { Queryable } from './queryable';

export type HomeworkSubmission =
  { kind: 'text'; text: string } | { kind: 'image'; mediaRowId: number; caption?: string };

/** Saves one submission under its reference; a retried activity finds the row already there. */
export async function insertHomework(
  db: Queryable,
  input: { contactId: string; reference: string; subject: string; submission: HomeworkSubmission },
): Promise<void> {
  const { submission } = input;
  await db.query(
    `insert into homework (reference, contact_id, subject, kind, text_body, media_id, caption)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (reference) do nothing`,
    [
      input.reference,
      input.contactId,
      input.subject,
      submission.kind,
      submission.kind === 'text' ? submission.text : null,
      submission.kind === 'image' ? submission.mediaRowId : null,
      submission.kind === 'image' ? (submission.caption ?? null) : null,
    ],
  );
}

export interface HomeworkRow {
  reference: string;
  subject: string;
  kind: 'text' | 'image';
  textBody: string | null;
  mediaId: number | null;
  caption: string | null;
  submittedAt: Date;
}

export async function listHomework(db: Queryable, contactId: string): Promise<HomeworkRow[]> {
  const { rows } = await db.query<{
    reference: string;
    subject: string;
    kind: 'text' | 'image';
    text_body: string | null;
    media_id: string | null;
    caption: string | null;
    submitted_at: Date;
  }>(
    'select reference, subject, kind, text_body, media_id, caption, submitted_at from homework where contact_id = $1 order by id',
    [contactId],
  );
  return rows.map((r) => ({
    reference: r.reference,
    subject: r.subject,
    kind: r.kind,
    textBody: r.text_body,
    mediaId: r.media_id === null ? null : Number(r.media_id),
    caption: r.caption,
    submittedAt: r.submitted_at,
  }));
}
