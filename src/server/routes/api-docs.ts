import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { buildOpenApiDocument } from '../api/document';
import { CONTENT_SECURITY_POLICY, sendWebAsset } from './web-headers';

// GET /api/openapi.json, the API's OpenAPI 3.1 description, and /docs, the same drawn by Swagger UI
// (swagger-ui-dist, served from node_modules). Both are public, as an API description usually is: it
// holds the routes and shapes, never a token or anyone's data. Built and read once, when the app is.

// The page's own policy is the console's with one addition: Swagger UI's stylesheet draws its icons
// as data: SVG images. Scripts and styles stay 'self' only (the init below is a file, not inline).
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "img-src 'self' blob:",
  "img-src 'self' data:",
);

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>EduBot API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/docs.js"></script>
  </body>
</html>
`;

// No validator badge (it would load an image from swagger.io) and no requests anywhere but here.
const INIT = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
`;

interface Asset {
  type: string;
  body: Buffer | string;
}

function swaggerUiFile(file: string): Buffer {
  const dir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  return fs.readFileSync(path.join(dir, file));
}

export function apiDocsRoutes(): Router {
  const router = new Router();
  const document = JSON.stringify(buildOpenApiDocument());
  router.get('/api/openapi.json', (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = document;
  });

  const assets: Record<string, Asset> = {
    '/docs': { type: 'text/html; charset=utf-8', body: PAGE },
    '/docs/docs.js': { type: 'text/javascript; charset=utf-8', body: INIT },
    '/docs/swagger-ui.css': { type: 'text/css; charset=utf-8', body: swaggerUiFile('swagger-ui.css') },
    '/docs/swagger-ui-bundle.js': {
      type: 'text/javascript; charset=utf-8',
      body: swaggerUiFile('swagger-ui-bundle.js'),
    },
  };
  for (const [urlPath, asset] of Object.entries(assets)) {
    router.get(urlPath, (ctx) =>
      sendWebAsset(ctx, asset.type, asset.body, { policy: DOCS_CONTENT_SECURITY_POLICY, cacheControl: 'no-cache' }),
    );
  }
  return router;
}
