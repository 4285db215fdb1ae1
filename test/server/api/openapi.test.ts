import { execFileSync } from 'node:child_process';
import { buildOpenApiDocument } from '../../../src/server/api/document';
import { checkAnswer } from '../../helpers/openapi-check';

// The served description is a valid OpenAPI 3.1 document, and the check the integration tests run on
// every answer refuses what the document does not describe.

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('validates against the OpenAPI 3.1 schema', () => {
    // The validator is an ES module, which jest's CommonJS runtime cannot load: a child Node runs it.
    const script = [
      "import { Validator } from '@seriousme/openapi-schema-validator';",
      "let text = ''; for await (const chunk of process.stdin) text += chunk;",
      'const result = await new Validator().validate(JSON.parse(text));',
      'process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors }));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      input: JSON.stringify(document),
      cwd: process.cwd(),
    });
    const result = JSON.parse(output.toString()) as { valid: boolean; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes the routes SPEC §3 names, with the bearer scheme on the admin ones', () => {
    const paths = document.paths ?? {};
    for (const path of [
      '/api/webhook/whatsapp',
      '/api/payments/webhook',
      '/api/admin/conversations/{phone}/chat-support/send',
      '/api/admin/conversations',
      '/api/admin/tokens/{id}',
      '/api/admin/campaigns/{id}/recipients',
      '/api/openapi.json',
      '/healthz',
    ])
      expect(Object.keys(paths)).toContain(path);
    expect(paths['/api/admin/tokens']?.post?.security).toEqual([{ bearer: [] }]);
    expect(paths['/api/webhook/whatsapp']?.post?.security).toBeUndefined();
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('takes an answer it describes and refuses a wrong body, an unlisted status or an unknown route', () => {
    const json = 'application/json; charset=utf-8';
    const ok = { status: 'success', tokens: [] };
    expect(() => checkAnswer('GET', '/api/admin/tokens', 200, json, ok)).not.toThrow();
    expect(() => checkAnswer('GET', '/api/admin/tokens', 200, json, { status: 'success' })).toThrow(/tokens/);
    expect(() => checkAnswer('GET', '/api/admin/tokens', 200, json, { ...ok, status: 'ok' })).toThrow();
    const error = { status: 'error', error: { code: 'internal_error', message: 'Internal error' } };
    expect(() => checkAnswer('GET', '/api/admin/tokens', 502, json, error)).toThrow(/does not list/);
    expect(() => checkAnswer('GET', '/api/admin/tokens', 401, json, error)).not.toThrow();
    expect(() => checkAnswer('GET', '/api/admin/tokens', 401, json, { status: 'error' })).toThrow();
    expect(() => checkAnswer('GET', '/api/admin/nothing', 200, json, ok)).toThrow(/no GET/);
    expect(() => checkAnswer('GET', '/api/admin/nothing', 404, json, error)).not.toThrow();
    // A literal path wins over a template: self/revoke is not a token id.
    const revoked = { status: 'error', error: { code: 'token_not_revocable', message: 'x' } };
    expect(() => checkAnswer('POST', '/api/admin/tokens/self/revoke', 409, json, revoked)).not.toThrow();
    // A route answering text when the document says JSON, or the reverse, is a mismatch.
    expect(() => checkAnswer('GET', '/api/admin/tokens', 200, 'text/plain', 'hello')).toThrow(/says JSON/);
    expect(() => checkAnswer('GET', '/healthz', 200, json, { status: 'ok' })).not.toThrow();
    expect(() => checkAnswer('GET', '/healthz', 200, json, { status: 'ok', extra: 1 })).toThrow();
  });
});
