import Koa from 'koa';
import { stopAtFileEnd } from '../../helpers/cleanup';
import { serveOnLoopback } from '../../helpers/serve';

// Every fetch a test makes of the product's API is checked against the OpenAPI document
// (test/helpers/checked-fetch.ts, installed for every file): an answer the document does not describe
// fails at the call, and what is not the product's API passes untouched.

let baseUrl: string;
beforeAll(async () => {
  const app = new Koa();
  app.use((ctx) => {
    // Answers shaped wrong on purpose: a token list that is not one, and a route the API lacks.
    ctx.body = ctx.path === '/api/admin/tokens' ? { tokens: 'not a list' } : { anything: true };
  });
  baseUrl = await serveOnLoopback(app, stopAtFileEnd);
});

describe('fetch in the tests', () => {
  it('refuses an answer whose body the document does not describe', async () => {
    await expect(fetch(`${baseUrl}/api/admin/tokens`)).rejects.toThrow(
      /OpenAPI: GET \/api\/admin\/tokens answered 200/,
    );
  });

  it('refuses a status the document does not list for the route', async () => {
    await expect(fetch(`${baseUrl}/api/openapi.json`, { method: 'DELETE' })).rejects.toThrow(/OpenAPI/);
  });

  it('leaves what is not the product API alone, and the body readable', async () => {
    const response = await fetch(`${baseUrl}/elsewhere`);
    await expect(response.json()).resolves.toEqual({ anything: true });
    // Another server's API under /api/ (Temporal's Web UI serves /api/v1/…) is not the document's.
    expect((await fetch(`${baseUrl}/api/v1/namespaces/default`)).status).toBe(200);
  });
});
