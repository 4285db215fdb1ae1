import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/server/api/document';

// Every answer the tests receive from the product's API is checked against the served OpenAPI
// document (through fetch: checked-fetch.ts; through supertest: test/server/admin/admin-app.ts): its
// status must be one the document lists for that method and path, and a JSON body must match that
// status's schema. A mismatch throws, failing the test: either the document or the server is wrong.

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments count: /tokens/self/revoke is preferred to /tokens/{id}. */
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

interface Checker {
  document: OpenApiDocument;
  ajv: Ajv2020;
  operations: Operation[];
  compiled: Map<string, ValidateFunction>;
}

let checker: Checker | undefined;

function load(): Checker {
  if (checker) return checker;
  const document = buildOpenApiDocument();
  // strict off: schemas carry OpenAPI's own words (example); formats are checked (ajv-formats).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'urn:edubot:openapi', components: document.components ?? {} });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
    for (const method of ['get', 'post', 'put', 'delete', 'patch'] as const) {
      const op = (item as Record<string, { responses?: Operation['responses'] } | undefined>)[method];
      if (!op) continue;
      const params = (template.match(/\{/g) ?? []).length;
      operations.push({ method: method.toUpperCase(), template, pattern, params, responses: op.responses ?? {} });
    }
  }
  operations.sort((a, b) => a.params - b.params);
  checker = { document, ajv, operations, compiled: new Map() };
  return checker;
}

/** The document's $refs point into its components: rewritten to the schema registered above. */
function withRefs(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"urn:edubot:openapi#/components/')) as object;
}

const isError = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  (body as { status?: unknown }).status === 'error' &&
  typeof (body as { error?: { code?: unknown } }).error?.code === 'string';

/**
 * Whether `pathname` lies in the part of the URL space the document describes: under one of its paths'
 * first two segments (/api/admin, /api/webhook, …), so another server's /api/v1 (Temporal's UI) is not.
 */
export function inDocumentedApi(pathname: string): boolean {
  const { operations } = load();
  const prefix = (path: string) => path.split('/').slice(0, 3).join('/');
  return operations.some((op) => op.template.startsWith('/api/') && prefix(op.template) === prefix(pathname));
}

/**
 * Throws unless the answer is one the document describes. `path` may carry a query string; `body`
 * is the parsed JSON, or undefined when the answer was not JSON.
 */
export function checkAnswer(method: string, path: string, status: number, contentType: string, body: unknown): void {
  const { ajv, operations, compiled } = load();
  const bare = path.split('?')[0]!;
  const name = `${method} ${bare} answered ${status}`;
  const forPath = operations.filter((op) => op.pattern.test(bare));
  const op = forPath.find((o) => o.method === method.toUpperCase());
  if (!op) {
    // A path or method the API does not have: only the router's refusals are right.
    const expected = forPath.length === 0 ? [404] : [405];
    if (method.toUpperCase() === 'OPTIONS' || (expected.includes(status) && isError(body))) return;
    throw new Error(`OpenAPI: ${name}, and the document has no ${method} ${bare}`);
  }
  const response = op.responses[String(status)];
  if (!response) {
    throw new Error(
      `OpenAPI: ${name}, which ${method} ${op.template} does not list (${Object.keys(op.responses).join(', ')})` +
        (isError(body) ? `: ${(body as { error: { code: string } }).error.code}` : ''),
    );
  }
  const schema = response.content?.['application/json']?.schema;
  if (contentType.split(';')[0]!.trim() !== 'application/json') {
    if (schema) throw new Error(`OpenAPI: ${name} with ${contentType || 'no body'}; the document says JSON`);
    return;
  }
  if (!schema) throw new Error(`OpenAPI: ${name} with JSON; the document gives no JSON body for it`);
  const key = `${op.method} ${op.template} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(withRefs(schema));
    compiled.set(key, validate);
  }
  if (!validate(body)) {
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`)
      .join('; ');
    throw new Error(`OpenAPI: ${name} with a body ${op.template} does not describe: ${problems}`);
  }
}
