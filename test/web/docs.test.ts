import Koa from 'koa';
import { buildOpenApiDocument } from '../../src/server/api/document';
import { apiDocsRoutes } from '../../src/server/routes/api-docs';
import { stopAtFileEnd } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';
import { launchBrowser, openPage, screenshot } from './browser';

// /docs in Chromium: Swagger UI, served by the product from node_modules, draws the document of
// GET /api/openapi.json under the page's Content-Security-Policy, with no violation and no script error.

describe('/docs', () => {
  it('renders the API description with its tags and operations, and the page breaks no policy', async () => {
    const app = new Koa();
    const router = apiDocsRoutes();
    app.use(router.routes()).use(router.allowedMethods());
    const baseUrl = await serveOnLoopback(app, stopAtFileEnd);

    const served = await fetch(`${baseUrl}/api/openapi.json`);
    expect(served.status).toBe(200);
    const described = (await served.json()) as ReturnType<typeof buildOpenApiDocument>;
    expect(described).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));

    const browser = await launchBrowser();
    const { page, problems } = await openPage(browser);
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
    // Every violation the page reports, including ones no console message names.
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => reportViolation(e.violatedDirective + ' ' + e.blockedURI));",
    });
    const answer = await page.goto(`${baseUrl}/docs`);
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");

    await page.locator('.information-container .title').getByText('EduBot API').waitFor({ timeout: 15_000 });
    const tags = await page.locator('.opblock-tag-section h3 .nostyle > span').allTextContents();
    expect(tags.map((t) => t.trim())).toEqual(expect.arrayContaining(['Conversations', 'Chat support', 'Webhooks']));
    // One operation opened: its parameters and the answer's schema are drawn from the document.
    const send = page.locator('.opblock-summary-path', {
      hasText: '/api/admin/conversations/{phone}/chat-support/send',
    });
    await send.click();
    await page.locator('.opblock.is-open .parameters-col_name', { hasText: 'phone' }).first().waitFor();
    await page.locator('.opblock.is-open .responses-table').getByText('502').first().waitFor();
    await screenshot(page, 'docs');

    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
  });
});
