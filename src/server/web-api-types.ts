// The admin API's answers as the browser code reads them (src/web/api-types.d.ts
// re-exports them for its JSDoc imports). Each shape is the server's own type (the return type of the
// function that builds the answer, or the stored row it copies), passed through Json<>: what
// JSON.stringify makes of it. Only the envelopes ({ status, … }) are written here, each naming the
// route that answers it. A field renamed on the server fails `npm run typecheck` wherever the browser
// still reads the old name. A .ts file, not a declaration file: declaration files are not checked
// (skipLibCheck), so a type this file imports that no longer exists would silently become `any`.

import type { Actor } from '../auth/tokens';
import type { Campaign } from '../db/campaigns';
import type { ChatSessionRow, SlaEventRow } from '../db/chat-sessions';
import type { MediaInfo } from '../db/media';
import type { SetAsideEntry } from '../db/quarantine';
import type { slaShown } from '../db/queue';
import type { StudentRow } from '../db/users';
import type { CampaignJson } from './admin/campaigns';
import type { CannedResponseJson } from './admin/canned-responses';
import type { ConversationSummaryJson, MessageJson } from './admin/conversations';
import type { LabelJson } from './admin/labels';
import type { NoteJson } from './admin/notes';
import type { MeJson, QueueItemJson } from './admin/queue';
import type { conversationBillingShown, ReportFiguresJson } from './admin/reports';
import type { SearchHitJson } from './admin/search';
import type { BusinessHoursJson, SlaJson } from './admin/support-settings';
import type { TemplateJson } from './admin/templates';
import type { ChatCommandResult } from './chat-commands';

/** What JSON.stringify makes of a value: a Date becomes its ISO string, undefined members vanish. */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends readonly (infer U)[]
      ? readonly Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

// ---- the pieces ----

export type ConversationSummary = Json<ConversationSummaryJson>;
export type Message = Json<MessageJson>;
export type Note = Json<NoteJson>;
export type Label = Json<LabelJson>;
export type QueueItem = Json<QueueItemJson>;
export type Me = Json<MeJson>;
export type Role = Actor['role'];
export type Template = Json<TemplateJson>;
export type CannedResponse = Json<CannedResponseJson>;
export type SearchHit = Json<SearchHitJson>;
export type BusinessHours = Json<BusinessHoursJson>;
export type Sla = Json<SlaJson>;
export type CampaignSummary = Json<CampaignJson>;
export type CampaignStatus = Campaign['status'];
export type ReportFigures = Json<ReportFiguresJson>;
export type SetAside = Json<SetAsideEntry>;
export type SlaEvent = Json<SlaEventRow>;

/** GET /api/admin/conversations/:phone: `conversation`. */
export type ConversationDetail = ConversationSummary & {
  unread: number;
  campaignOptOut: Json<{ since: Date }> | null;
  billing: Json<Awaited<ReturnType<typeof conversationBillingShown>>>;
  profile: Json<
    Pick<StudentRow, 'fullName' | 'email' | 'className' | 'registeredAt' | 'subscriptionActiveUntil'>
  > | null;
  openChat:
    | (Json<
        Pick<ChatSessionRow, 'id' | 'startedAt' | 'startedBy' | 'firstUserMessageAt' | 'firstAgentReplyAt' | 'holder'>
      > & { availableAt: string; sla: Json<ReturnType<typeof slaShown>> })
    | null;
};

// ---- the envelopes ----

/** Every refusal: a 4xx or 5xx with a snake_case code. */
export interface ApiError {
  status: 'error';
  error: { code: string; message: string; details?: unknown; whatsappCode?: number; holder?: unknown };
  state?: string;
}

/** GET /api/admin/conversations */
export interface ConversationsAnswer {
  status: 'success';
  conversations: ConversationSummary[];
  nextCursor?: string;
}
/** GET /api/admin/conversations/:phone */
export interface ConversationAnswer {
  status: 'success';
  conversation: ConversationDetail;
}
/** GET /api/admin/conversations/:phone/messages */
export interface MessagesAnswer {
  status: 'success';
  contactId: string;
  messages: Message[];
  setAside: SetAside[];
  slaEvents: SlaEvent[];
}
/** GET /api/admin/conversations/:phone/notes */
export interface NotesAnswer {
  status: 'success';
  contactId: string;
  notes: Note[];
}
/** POST /api/admin/conversations/:phone/notes */
export interface NoteSavedAnswer {
  status: 'success';
  message: string;
  timestamp: string;
  note: Note;
}
/** POST /api/admin/conversations/:phone/chat-support/… and …/template: a chat command done. */
export type CommandAnswer = { status: 'success'; message: string } & Json<
  Omit<Extract<ChatCommandResult, { ok: true }>, 'ok'>
>;
/** GET /api/admin/me, POST /api/admin/me/availability */
export interface MeAnswer {
  status: 'success';
  agent: Me;
}
/** GET /api/admin/queue */
export interface QueueAnswer {
  status: 'success';
  waitingForOpening: number;
  warnAfterSeconds: number;
  queue: QueueItem[];
}
/** GET /api/admin/labels */
export interface LabelsAnswer {
  status: 'success';
  labels: Label[];
}
/** GET /api/admin/templates */
export interface TemplatesAnswer {
  status: 'success';
  templates: Template[];
}
/** GET /api/admin/canned-responses */
export interface CannedResponsesAnswer {
  status: 'success';
  cannedResponses: CannedResponse[];
}
/** GET /api/admin/search */
export interface SearchAnswer {
  status: 'success';
  query: string;
  hits: SearchHit[];
  nextCursor?: string;
}
/** GET /api/admin/business-hours */
export type BusinessHoursAnswer = { status: 'success' } & BusinessHours;
/** GET /api/admin/sla */
export type SlaAnswer = { status: 'success' } & Sla;
/** GET /api/admin/campaigns */
export interface CampaignsAnswer {
  campaigns: CampaignSummary[];
  nextCursor?: string;
}
/** GET /api/admin/campaigns/:id */
export type CampaignAnswer = CampaignSummary & { failuresByCode: Record<string, number> };
/** The filter every report answer repeats: from, to, tz and the label and priority asked for. */
export interface ReportFilterShown {
  from: string;
  to: string;
  tz: string;
  label?: string;
  priority?: string;
}
/** GET /api/admin/reports/overview */
export type OverviewReportAnswer = { status: 'success' } & ReportFilterShown &
  ReportFigures & { byDay: ({ date: string } & ReportFigures)[] };
/** GET /api/admin/reports/agents */
export type AgentsReportAnswer = { status: 'success' } & ReportFilterShown & {
    agents: ({ agentId: number | null; name: string | null } & ReportFigures)[];
  };
/** GET /api/admin/reports/labels */
export type LabelsReportAnswer = { status: 'success' } & ReportFilterShown & {
    labels: ({ labelId: number; name: string; color: string } & ReportFigures)[];
  };
/** POST /api/admin/media: the file an agent attached, stored and ready to send by its id. */
export interface MediaUploadAnswer {
  status: 'success';
  message: string;
  timestamp: string;
  media: Json<Pick<MediaInfo, 'id' | 'mediaType' | 'mimeType' | 'filename' | 'sizeBytes'>>;
}
