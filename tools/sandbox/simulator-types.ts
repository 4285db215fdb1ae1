import type { input } from 'zod';
import type { Json } from '../../src/server/web-api-types';
import type { RecordedSend } from './graph-fake-types';
import type { SandboxMessageBody } from './routes';

// The sandbox routes' answers as the simulator page reads them (src/web/api-types.d.ts re-exports
// them for its JSDoc imports), from the emulator's and the routes' own types; checked as any .ts file
// is, which a declaration file is not.

/** One of GET /sandbox/sends's `sends`: what the bot sent, as the emulator recorded it. */
export type SandboxSend = Json<Pick<RecordedSend, 'waMessageId' | 'to' | 'recipient' | 'content' | 'at'>>;
/** GET /sandbox/sends */
export interface SandboxSendsAnswer {
  sends: SandboxSend[];
}
/** POST /sandbox/messages: the body as sent (before the server trims and normalises it). */
export type SandboxMessage = input<typeof SandboxMessageBody>;
/** POST /sandbox/messages: accepted. */
export interface SandboxMessageAnswer {
  status: 'success';
  message: string;
  waMessageId: string;
  timestamp: string;
}
