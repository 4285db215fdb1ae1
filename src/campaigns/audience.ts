import { z } from 'zod';
import { CONTACT_ID } from '../db/contacts';
import { firstName } from '../../domain/text';

// Who a campaign goes to (SPEC §13) and what each student's template parameters say. An audience is
// the intersection of the filters it names; students who wrote STOP are never in it (unless the admin
// sends a UTILITY template with ignoreOptOut). A parameter is a constant or holds profile fields
// (`{first_name}`, `{full_name}`, `{class}`), filled per student; a student lacking one is skipped.

export const Audience = z
  .strictObject({
    registered: z.literal(true).optional(),
    class: z.string().trim().min(1).max(100).optional(),
    label: z.string().trim().min(1).max(50).optional(),
    contacts: z
      .array(z.string().regex(CONTACT_ID, 'a contact id is ct_ and 20 hex digits'))
      .min(1)
      .max(100_000)
      .optional(),
    activeWithinDays: z.number().int().min(1).max(3650).optional(),
  })
  .refine(
    (a) => Object.keys(a).length > 0,
    'name at least one filter: registered, class, label, contacts, activeWithinDays',
  );
export type Audience = z.infer<typeof Audience>;

/** A student's profile as the audience query reads it. */
export interface StudentFields {
  fullName: string | null;
  className: string | null;
}

const FIELDS = {
  first_name: (s: StudentFields) => (s.fullName?.trim() ? firstName(s.fullName) : ''),
  full_name: (s: StudentFields) => s.fullName?.trim() ?? '',
  class: (s: StudentFields) => s.className?.trim() ?? '',
} as const;
export type ProfileField = keyof typeof FIELDS;
const isField = (name: string): name is ProfileField => Object.hasOwn(FIELDS, name);
const FIELD_PATTERN = /\{([a-z_]+)\}/g;

/** Fields a parameter value names that are no profile field (refused when the campaign is created). */
export function unknownFields(values: Record<string, string>): string[] {
  return Object.values(values).flatMap((v) =>
    [...v.matchAll(FIELD_PATTERN)].map((m) => m[1]!).filter((n) => !isField(n)),
  );
}

/** The parameters filled for one student, or the fields the profile lacks. */
export function fillParameters(
  values: Record<string, string>,
  student: StudentFields,
): { ok: true; values: Record<string, string> } | { ok: false; missing: ProfileField[] } {
  const missing = new Set<ProfileField>();
  const filled: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    filled[key] = value.replace(FIELD_PATTERN, (whole, name: string) => {
      if (!isField(name)) return whole;
      const field = FIELDS[name](student);
      if (field === '') missing.add(name);
      return field;
    });
  }
  return missing.size > 0 ? { ok: false, missing: [...missing] } : { ok: true, values: filled };
}

/**
 * The SQL condition selecting an audience over `contacts c`, `conversations cv` and `users u`, with its
 * parameters numbered from `first`.
 */
export function audienceWhere(
  audience: Audience,
  options: { ignoreOptOut: boolean },
  first = 1,
): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  if (audience.registered === true) clauses.push('cv.registered');
  if (audience.class !== undefined) clauses.push(`lower(trim(u.class_name)) = lower(${param(audience.class)})`);
  if (audience.label !== undefined)
    clauses.push(
      `exists (select 1 from conversation_labels cl join labels l on l.id = cl.label_id
               where cl.contact_id = c.id and lower(l.name) = lower(${param(audience.label)}))`,
    );
  if (audience.contacts !== undefined) clauses.push(`c.id = any(${param(audience.contacts)}::text[])`);
  if (audience.activeWithinDays !== undefined)
    clauses.push(`cv.last_inbound_at > now() - make_interval(days => ${param(audience.activeWithinDays)}::int)`);
  if (!options.ignoreOptOut) clauses.push('cv.campaign_opted_out_at is null');
  return { sql: clauses.length > 0 ? clauses.join(' and ') : 'true', params };
}

/** The FROM clause every audience condition reads. */
export const AUDIENCE_FROM = `contacts c join conversations cv on cv.contact_id = c.id
  left join users u on u.contact_id = c.id`;
