import { clip } from '../../domain/text';

// The subjects offered as a list when homework starts; anything else can be typed.

export const SUBJECTS: readonly string[] = [
  'Mathematics',
  'English',
  'Physics',
  'Chemistry',
  'Biology',
  'Geography',
  'History',
  'Economics',
  'Computer Science',
  'Literature',
];

export const MAX_SUBJECT_LENGTH = 60;

export function subjectSlug(subject: string): string {
  return subject.toLowerCase().replace(/\s+/g, '_');
}

/** The subject a `subject_<slug>` row stands for; a slug from an older list is turned back into words. */
export function subjectFromSlug(slug: string): string {
  const known = SUBJECTS.find((s) => subjectSlug(s) === slug);
  if (known !== undefined) return known;
  const words = slug.replace(/[_{}]+/g, ' ').trim();
  const name = words.length > 0 ? words.charAt(0).toUpperCase() + words.slice(1) : 'Other';
  return clip(name, MAX_SUBJECT_LENGTH);
}

/** A typed subject in its canonical spelling when it names a listed subject ("maths" stays as typed). */
export function canonicalSubject(typed: string): string {
  return SUBJECTS.find((s) => s.toLowerCase() === typed.toLowerCase()) ?? typed;
}
