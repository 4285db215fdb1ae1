import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { BusinessHoursSchema } from '../../business-hours-schema';
import { SlaBodySchema } from '../../sla-schema';
import { CreateBody, ListQuery as CampaignListQuery, RecipientsQuery } from '../admin/campaigns';
import { ReportQuery } from '../admin/report-query';
import { StatsQuery } from '../admin/stats';
import { adminOperation, done, Instant, json, jsonBody, NextCursor, NullableInstant, success } from './common';

/** A report's answer: its figures are spread at the top level, and only some are named here. */
const report = <T extends z.ZodRawShape>(shape: T) => z.looseObject({ status: z.literal('success'), ...shape });

// What admins run and read: business hours and SLA targets, reports, exports and the §10 figures,
// and campaigns (admin/support-settings.ts, reports.ts, exports.ts, stats.ts, campaigns.ts).

const SETTINGS = 'Business hours and SLA';
const REPORTS = 'Reports';
const CAMPAIGNS = 'Campaigns';

const Hours = z.object({
  timezone: z.string(),
  weekly: z.record(z.string(), z.unknown()),
  holidays: z.array(z.unknown()),
  exceptions: z.array(z.unknown()).optional(),
  openNow: z.boolean(),
  nextChange: NullableInstant,
  updatedAt: NullableInstant,
});
const Targets = z.record(z.string(), z.string()).meta({ description: 'a duration (`4h`, `30m`) by priority' });
const Sla = z.object({
  firstResponse: Targets,
  resolution: Targets,
  warnAt: z.number(),
  escalate: z.boolean(),
  updatedAt: NullableInstant,
});

/** The figures of a report row (reports.ts showFigures): counts, times in seconds, CSAT, the cost. */
const Figures = {
  firstResponse: z.looseObject({ median: z.number().nullable(), p90: z.number().nullable() }),
  resolution: z.looseObject({ median: z.number().nullable(), p90: z.number().nullable() }),
  csat: z.looseObject({ average: z.number().nullable() }),
};
const ReportRange = {
  from: Instant,
  to: Instant,
  tz: z.string(),
  label: z.string().optional(),
  priority: z.string().optional(),
};

const Campaign = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  template: z.looseObject({ name: z.string(), language: z.string() }),
  audience: z.unknown(),
  ignoreOptOut: z.boolean(),
  ratePerSecond: z.number(),
  dailyCap: z.number().nullable(),
  startAt: Instant,
  recipients: z.number().int(),
  createdBy: z.string(),
  createdAt: Instant,
  startedAt: NullableInstant,
  finishedAt: NullableInstant,
  counts: z.record(z.string(), z.number()),
});
const CampaignPath = z.object({ id: z.string().meta({ description: '`cp_` and 20 hex digits' }) });

function campaignAction(action: string) {
  return {
    post: adminOperation(CAMPAIGNS, `${action[0]!.toUpperCase()}${action.slice(1)} a campaign (admin role)`, {
      requestParams: { path: CampaignPath },
      responses: { 200: json(z.object({ id: z.string(), status: z.string() }), 'The status it reached') },
      errors: [400, 404, 409],
    }),
  };
}

export const operationPaths: ZodOpenApiPathsObject = {
  '/api/admin/business-hours': {
    get: adminOperation(SETTINGS, 'The weekly schedule, time zone and holidays, and whether open now', {
      responses: { 200: json(success(Hours.shape), 'The hours') },
    }),
    put: adminOperation(SETTINGS, 'Replace the business hours (admin role)', {
      requestBody: jsonBody(BusinessHoursSchema),
      responses: { 200: json(done(Hours.shape), 'Saved') },
      errors: [400],
    }),
  },
  '/api/admin/sla': {
    get: adminOperation(SETTINGS, 'The SLA targets by priority', {
      responses: { 200: json(success(Sla.shape), 'The targets') },
    }),
    put: adminOperation(SETTINGS, 'Replace the SLA targets (admin role)', {
      requestBody: jsonBody(SlaBodySchema),
      responses: { 200: json(done(Sla.shape), 'Saved') },
      errors: [400],
    }),
  },
  '/api/admin/stats': {
    get: adminOperation(REPORTS, 'The support figures for a time range (SPEC §10)', {
      requestParams: { query: StatsQuery },
      responses: {
        200: json(
          success({
            from: Instant,
            to: Instant,
            chats: z.looseObject({ started: z.number().int(), ended: z.number().int(), active: z.number().int() }),
            queue: z.looseObject({ length: z.number().int(), oldestWaitSeconds: z.number().int() }),
            messages: z.looseObject({ inbound: z.number().int(), outbound: z.number().int() }),
            delivery: z.looseObject({ deliveryRate: z.number().nullable() }),
            errors: z.looseObject({ byCode: z.record(z.string(), z.number()) }),
            satisfaction: z.looseObject({ ratings: z.number().int(), average: z.number().nullable() }),
          }),
          'The figures',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/reports/overview': {
    get: adminOperation(REPORTS, 'The figures over a range, and day by day', {
      requestParams: { query: ReportQuery },
      responses: {
        200: json(
          report({ ...ReportRange, ...Figures, byDay: z.array(z.looseObject({ date: z.string(), ...Figures })) }),
          'The report',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/reports/agents': {
    get: adminOperation(REPORTS, 'The figures by the agent who held the chats', {
      requestParams: { query: ReportQuery },
      responses: {
        200: json(
          report({
            ...ReportRange,
            agents: z.array(
              z.looseObject({ agentId: z.number().int().nullable(), name: z.string().nullable(), ...Figures }),
            ),
          }),
          'The report',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/reports/labels': {
    get: adminOperation(REPORTS, 'The figures by label', {
      requestParams: { query: ReportQuery },
      responses: {
        200: json(
          report({
            ...ReportRange,
            labels: z.array(z.looseObject({ labelId: z.number().int(), name: z.string(), ...Figures })),
          }),
          'The report',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/exports/chats.csv': {
    get: adminOperation(REPORTS, 'The chats of a range as CSV, streamed (admin role)', {
      requestParams: { query: ReportQuery },
      responses: { 200: { description: 'One row a chat', content: { 'text/csv': {} } } },
      errors: [400],
    }),
  },
  '/api/admin/exports/chats.jsonl': {
    get: adminOperation(REPORTS, 'The chats of a range as JSON lines, streamed (admin role)', {
      requestParams: { query: ReportQuery },
      responses: { 200: { description: 'One JSON object a line', content: { 'application/jsonl': {} } } },
      errors: [400],
    }),
  },
  '/api/admin/campaigns': {
    get: adminOperation(CAMPAIGNS, 'Campaigns, newest first (admin role)', {
      requestParams: { query: CampaignListQuery },
      responses: { 200: json(z.object({ campaigns: z.array(Campaign), ...NextCursor }), 'A page of campaigns') },
      errors: [400],
    }),
    post: adminOperation(CAMPAIGNS, 'Create and start a campaign, or preview it (admin role)', {
      requestBody: jsonBody(CreateBody),
      responses: {
        200: json(
          z.object({ recipients: z.number().int(), sample: z.unknown() }),
          'A preview (`preview: true`): how many it reaches and a sample text',
        ),
        201: json(z.object({ id: z.string(), recipients: z.number().int() }), 'Created and started'),
      },
      errors: [400, 404, 409, 422],
    }),
  },
  '/api/admin/campaigns/{id}': {
    get: adminOperation(CAMPAIGNS, 'One campaign with its counts (admin role)', {
      requestParams: { path: CampaignPath },
      responses: {
        200: json(Campaign.extend({ failuresByCode: z.record(z.string(), z.number()) }), 'The campaign'),
      },
      errors: [400, 404],
    }),
  },
  '/api/admin/campaigns/{id}/recipients': {
    get: adminOperation(CAMPAIGNS, 'A campaign’s recipients, page by page (admin role)', {
      requestParams: { path: CampaignPath, query: RecipientsQuery },
      responses: {
        200: json(
          z.object({
            recipients: z.array(
              z.looseObject({
                contactId: z.string(),
                status: z.string(),
                wamid: z.string().optional(),
                errorCode: z.number().int().optional(),
                reason: z.string().optional(),
              }),
            ),
            ...NextCursor,
          }),
          'A page of recipients',
        ),
      },
      errors: [400, 404],
    }),
  },
  '/api/admin/campaigns/{id}/recipients.csv': {
    get: adminOperation(CAMPAIGNS, 'Every recipient as CSV (admin role)', {
      requestParams: { path: CampaignPath },
      responses: { 200: { description: 'One row a recipient', content: { 'text/csv': {} } } },
      errors: [400, 404],
    }),
  },
  '/api/admin/campaigns/{id}/pause': campaignAction('pause'),
  '/api/admin/campaigns/{id}/resume': campaignAction('resume'),
  '/api/admin/campaigns/{id}/cancel': campaignAction('cancel'),
};
