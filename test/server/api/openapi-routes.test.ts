import type Router from '@koa/router';
import { loadConfig } from '../../../src/config';
import { silentLogger } from '../../../src/logger';
import { buildOpenApiDocument } from '../../../src/server/api/document';
import { createApp } from '../../../src/server/app';
import { createEventHub } from '../../../src/server/event-hub';
import { connectTemporalClient } from '../../../src/temporal/connect';
import { stopAtFileEnd } from '../../helpers/cleanup';
import { createTestDatabase } from '../../helpers/database';
import { TEST_PAYLOAD_KEYS } from '../../helpers/payload-keys';
import { readTestEnvironment } from '../../helpers/test-env';
import { FakeChatCommands } from '../admin/fake-chat';

// Every route the product's app answers is in the OpenAPI document, with the same methods, and the
// document names no route the app does not have: a route added without its description fails here.
// The web pages (/console, its files, /docs' own files) are pages, not the API, and are left out.

const PAGES = /^\/(console|simulator|lib|docs\/)/;

/** `/api/admin/conversations/:phone/notes` → `/api/admin/conversations/{phone}/notes`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('the OpenAPI document and the app', () => {
  it('describe the same routes and methods', async () => {
    const database = await createTestDatabase({ migrated: true });
    stopAtFileEnd(() => database.drop());
    const config = loadConfig({
      DATABASE_URL: database.url,
      ADMIN_TOKEN: 'test-admin-token',
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    });
    const { connection, client: temporal } = await connectTemporalClient(
      config.temporalSecurity,
      readTestEnvironment().temporalAddress,
      config.temporalNamespace,
    );
    stopAtFileEnd(() => connection.close());
    const events = createEventHub(database.url, silentLogger);
    stopAtFileEnd(() => events.stop());
    const app = createApp({
      config,
      db: database.db,
      temporal,
      logger: silentLogger,
      chat: new FakeChatCommands(),
      events,
    });

    const served = new Set<string>();
    for (const middleware of app.middleware as ((...args: unknown[]) => unknown)[]) {
      const router = (middleware as { router?: Router }).router;
      if (!router) continue;
      for (const layer of router.stack) {
        const path = openApiPath(String(layer.path));
        if (PAGES.test(path) || path === '/console') continue;
        for (const method of layer.methods) {
          if (method === 'HEAD' || method === 'OPTIONS') continue;
          served.add(`${method} ${path}`);
        }
      }
    }
    const described = new Set<string>();
    for (const [path, item] of Object.entries(buildOpenApiDocument().paths ?? {})) {
      for (const method of ['get', 'post', 'put', 'delete', 'patch'])
        if ((item as Record<string, unknown>)[method]) described.add(`${method.toUpperCase()} ${path}`);
    }
    expect(served.size).toBeGreaterThan(50);
    expect([...served].filter((route) => !described.has(route)).sort()).toEqual([]);
    expect([...described].filter((route) => !served.has(route)).sort()).toEqual([]);
  });
});
