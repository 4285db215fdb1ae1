import Router from '@koa/router';
import { CAMPAIGN_STATUSES, RECIPIENT_STATUSES } from '../../db/campaigns';
import { WEEKDAYS } from '../../../domain/business-hours';
import { PRIORITIES } from '../../../domain/support-policy';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../../domain/whatsapp-limits';
import { STATE_NAMES } from '../../../domain/conversation';
import { TYPING_INTERVAL_MS } from '../admin/presence';
import { JAVASCRIPT, sendWebAsset } from './web-headers';

// GET /console/facts.js: what the console knows of the server's rules, as an ES module written from
// the server's own constants when the app is built, so the browser code imports them instead of
// keeping copies that drift (src/web/facts.d.ts gives their types, from the same constants).

/** Every fact the console reads; each becomes `export const NAME = <JSON>` in the module. */
export const CONSOLE_FACTS = {
  /** The conversation states, in the flow's order: the list's filter offers them. */
  STATE_NAMES,
  /** WhatsApp's customer-service window: free-form messages reach a student this long after their last. */
  SERVICE_WINDOW_MS: CUSTOMER_SERVICE_WINDOW_MS,
  /** How often the server passes an agent's typing on to WhatsApp: the console sends no more often. */
  TYPING_INTERVAL_MS,
  /** A conversation's priorities, lowest first. */
  PRIORITIES,
  /** The business hours' weekdays, Monday first. */
  WEEKDAYS,
  /** A campaign's statuses. */
  CAMPAIGN_STATUSES,
  /** A campaign recipient's statuses: the keys of a campaign's `counts`. */
  RECIPIENT_STATUSES,
} as const;

/** The module's text: one constant per fact (lists frozen), values as JSON: data, never code. */
export function factsModule(facts: Record<string, unknown> = CONSOLE_FACTS): string {
  const lines = Object.entries(facts).map(([name, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`fact ${name} is not a constant's name`);
    const json = JSON.stringify(value);
    return `export const ${name} = ${typeof value === 'object' && value !== null ? `Object.freeze(${json})` : json};`;
  });
  return ['// Written by the server (src/server/routes/console-facts.ts) from its own constants.', ...lines, ''].join(
    '\n',
  );
}

export function consoleFactsRoutes(): Router {
  const router = new Router();
  const body = factsModule();
  router.get('/console/facts.js', (ctx) => sendWebAsset(ctx, JAVASCRIPT, body));
  return router;
}
