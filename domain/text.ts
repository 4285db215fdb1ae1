// Text as WhatsApp counts it, and the student's first name as the bot and the agents' placeholders
// greet them: shared by the flow's texts, canned responses and campaigns, so a name reads the same
// in each.

/** Unicode code points, which is how WhatsApp counts characters. */
export function codePoints(text: string): number {
  return [...text].length;
}

/** Cuts `text` to at most `max` code points, ending in "…" when cut (never splits an emoji's surrogates). */
export function clip(text: string, max: number): string {
  if (codePoints(text) <= max) return text;
  return [...text].slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** The first word of a full name, kept short enough for a greeting. */
export function firstName(fullName: string): string {
  const first = fullName.trim().split(/\s+/u)[0] ?? '';
  return clip(first.length > 0 ? first : fullName, 30);
}
