import type Router from '@koa/router';
import type { AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import {
  agentNames,
  conversationBilling,
  emptyFigures,
  labelNames,
  localDays,
  reportFigures,
  type ReportFigures,
} from '../../db/reports';
import { estimateCost, type RateCard } from '../../rate-card';
import { filterDetails, reportFilter } from './report-query';

// GET /api/admin/reports/overview|agents|labels (SPEC §7.7): the figures of src/db/reports.ts over a
// range, in a zone, filtered by label and priority. Agents and admins may read them, as they read
// /api/admin/stats: they are counts and times, nothing of any student. Each read leaves its audit row
// with the filters, as every admin request does. With WHATSAPP_RATE_CARD set, each set of figures
// carries its estimated `cost`.

interface ReportDeps {
  config: Pick<Config, 'rateCard' | 'businessHours'>;
  db: Db;
}

export function mountReportRoutes(router: Router<AdminState>, { config, db }: ReportDeps, guard: AdminGuard): void {
  const shown = (figures: ReportFigures) => showFigures(figures, config.rateCard);

  router.get('/api/admin/reports/overview', ...guard('reports.read', AGENT_OR_ADMIN), async (ctx) => {
    const filter = await reportFilter(ctx, { db, config });
    const [byDay, days] = await Promise.all([
      reportFigures(db, filter, 'day', { withTotal: true }),
      localDays(db, filter),
    ]);
    ctx.body = {
      status: 'success',
      ...filterDetails(filter),
      ...shown(byDay.get('') ?? emptyFigures()),
      byDay: days.map((date) => ({ date, ...shown(byDay.get(date) ?? emptyFigures()) })),
    };
  });

  router.get('/api/admin/reports/agents', ...guard('reports.read', AGENT_OR_ADMIN), async (ctx) => {
    const filter = await reportFilter(ctx, { db, config });
    const groups = await reportFigures(db, filter, 'agent');
    const ids = [...groups.keys()].filter((key) => key !== '').map(Number);
    const names = await agentNames(db, ids);
    const agents = [...groups.entries()].map(([key, figures]) => {
      const agentId = key === '' ? null : Number(key);
      return { agentId, name: agentId === null ? null : (names.get(agentId) ?? null), ...shown(figures) };
    });
    // By name; the chats nobody held last.
    agents.sort((a, b) => (a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name)));
    ctx.body = { status: 'success', ...filterDetails(filter), agents };
  });

  router.get('/api/admin/reports/labels', ...guard('reports.read', AGENT_OR_ADMIN), async (ctx) => {
    const filter = await reportFilter(ctx, { db, config });
    const [groups, names] = await Promise.all([reportFigures(db, filter, 'label'), labelNames(db)]);
    // Every label, with or without figures, by name.
    const labels = [...names.entries()]
      .map(([labelId, label]) => ({ labelId, ...label, ...shown(groups.get(String(labelId)) ?? emptyFigures()) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    ctx.body = { status: 'success', ...filterDetails(filter), labels };
  });
}

/** One set of figures as the API answers it (src/web/api-types.d.ts reads it). */
export type ReportFiguresJson = ReturnType<typeof showFigures>;

/** The figures as the API shows them: seconds to the millisecond, averages to two decimals, and the cost. */
function showFigures(figures: ReportFigures, rateCard: RateCard | undefined) {
  const seconds = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);
  return {
    ...figures,
    firstResponse: {
      ...figures.firstResponse,
      median: seconds(figures.firstResponse.median),
      p90: seconds(figures.firstResponse.p90),
    },
    resolution: {
      ...figures.resolution,
      median: seconds(figures.resolution.median),
      p90: seconds(figures.resolution.p90),
    },
    csat: {
      ...figures.csat,
      average: figures.csat.average === null ? null : Math.round(figures.csat.average * 100) / 100,
    },
    ...(rateCard === undefined ? {} : { cost: estimateCost(figures.billable, rateCard) }),
  };
}

/**
 * What WhatsApp priced of one conversation, for its GET: billable messages by category, every priced
 * message by pricing type, and with a rate card the estimated cost.
 */
export async function conversationBillingShown(
  db: Db,
  contactId: string,
  rateCard: RateCard | undefined,
): Promise<{
  byCategory: Record<string, number>;
  byPricingType: Record<string, number>;
  estimatedCost?: { currency: string; amount: number };
}> {
  const billing = await conversationBilling(db, contactId);
  if (rateCard === undefined) return billing;
  const cost = estimateCost(billing.byCategory, rateCard);
  return { ...billing, estimatedCost: { currency: cost.currency, amount: cost.total } };
}
