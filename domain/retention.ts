/**
 * The kinds of data retention prunes, one per RETENTION_* variable: messages (with their delivery
 * statuses and the console stream's copies), media files, audit rows and quarantined items. Plain
 * values, imported by the retention workflow and by the code that prunes.
 */
export const RETENTION_KINDS = ['messages', 'media', 'audit', 'quarantine'] as const;

export type RetentionKind = (typeof RETENTION_KINDS)[number];
