import type { Db } from '../db/pool';
import { replaceTemplates, setTemplateStatus } from '../db/templates';
import type { Logger } from '../logger';
import type { WhatsAppClient } from '../whatsapp/graph-client';
import type { TemplateStatusUpdate } from '../whatsapp/parse-template-status';
import { statusAfterEvent, toMessageTemplate } from './template';

// Keeps the stored template catalogue current: a full listing when the server starts and then on a
// timer (TEMPLATE_REFRESH_INTERVAL), and each status change as the webhook reports it, so a paused
// template stops being sendable at once. A listing that fails is logged and tried again at the next
// tick; it never stops the server, and the catalogue stays as it was.

export interface TemplateCatalogueOptions {
  db: Db;
  whatsapp: Pick<WhatsAppClient, 'listTemplates'>;
  /** WHATSAPP_BUSINESS_ACCOUNT_ID (the emulator's in sandbox mode); unset: no templates. */
  businessAccountId: string | undefined;
  refreshIntervalMs: number;
  logger: Logger;
}

export interface TemplateCatalogue {
  /** Lists the account's templates and stores them; throws when the listing or the store fails. */
  refresh(): Promise<{ listed: number; gone: number } | undefined>;
  /** A refresh now, then one every interval; failures are logged. */
  start(): void;
  /** Stops the timer; a listing in flight is not stored (the database may be closing). */
  stop(): void;
}

export function createTemplateCatalogue(options: TemplateCatalogueOptions): TemplateCatalogue {
  const { db, whatsapp, businessAccountId, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;
  let stopped = false;

  async function refresh(): Promise<{ listed: number; gone: number } | undefined> {
    if (businessAccountId === undefined) return undefined;
    const templates = (await whatsapp.listTemplates(businessAccountId)).map(toMessageTemplate);
    if (stopped) return undefined;
    const { gone } = await replaceTemplates(db, templates);
    return { listed: templates.length, gone };
  }

  // One at a time: a slow listing is not overtaken by the next tick.
  function refreshLogged(): void {
    if (inFlight !== undefined) return;
    inFlight = refresh()
      .then((result) => {
        if (result !== undefined && !stopped) logger.info('message templates refreshed', result);
      })
      .catch((err: unknown) => {
        if (stopped) return;
        // WhatsAppApiError messages carry Graph's code and title, never the token or the URL's query.
        logger.warn('message templates not refreshed; trying again later', {
          error: err instanceof Error ? err : String(err),
        });
      })
      .finally(() => {
        inFlight = undefined;
      });
  }

  return {
    refresh,
    start() {
      if (businessAccountId === undefined) {
        logger.warn('WHATSAPP_BUSINESS_ACCOUNT_ID is not set: no message templates can be listed or sent');
        return;
      }
      refreshLogged();
      timer = setInterval(refreshLogged, options.refreshIntervalMs);
      // The timer alone must not keep the process alive.
      timer.unref();
    },
    stop() {
      // Not waiting for a listing in flight: a slow Graph must not hold up shutdown.
      stopped = true;
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** Applies one status-update webhook to the stored catalogue; a template not stored yet waits for the next listing. */
export async function applyTemplateStatus(db: Db, update: TemplateStatusUpdate, logger: Logger): Promise<void> {
  const status = statusAfterEvent(update.event);
  const attrs = { event: update.event, name: update.name, language: update.language, templateId: update.templateId };
  if (status === undefined) return logger.info('message template event changes no status', attrs);
  const changed = await setTemplateStatus(db, {
    ...(update.templateId === undefined ? {} : { id: update.templateId }),
    ...(update.name === undefined ? {} : { name: update.name }),
    ...(update.language === undefined ? {} : { language: update.language }),
    status,
  });
  logger.info(changed > 0 ? 'message template status changed' : 'status update for a template not listed yet', {
    ...attrs,
    status,
  });
}
