import { createDocument } from 'zod-openapi';
import { conversationPaths } from './conversations';
import { inboundPaths } from './inbound';
import { operationPaths } from './operations';
import { teamPaths } from './team';

// The API's OpenAPI 3.1 description, made from the zod schemas the routes validate with (request
// bodies, queries) and the answer schemas beside this file. Served at GET /api/openapi.json and
// drawn at /docs (routes/api-docs.ts); the integration tests check every answer they get against it.

export type OpenApiDocument = ReturnType<typeof createDocument>;

export function buildOpenApiDocument(version = '1.0.0'): OpenApiDocument {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'EduBot API',
      version,
      description:
        'The agents’ and admins’ API under /api/admin (bearer token; 401 without a valid one, 403 for a role that may not do the action), the webhooks WhatsApp and the payment provider call, and the operational endpoints. Success bodies carry `status: "success"`; errors are `{ "status": "error", "error": { "code", "message" } }` with a real HTTP status.',
    },
    tags: [
      { name: 'Conversations', description: 'Conversations, their history, notes, labels, contacts' },
      { name: 'Chat support', description: 'An agent’s chat with a student: success only once WhatsApp accepted' },
      { name: 'Team', description: 'The queue, tokens, the audit log, templates, media, search' },
      { name: 'Labels and canned responses' },
      { name: 'Business hours and SLA' },
      { name: 'Reports', description: 'Figures, reports and exports' },
      { name: 'Campaigns', description: 'Template messages to a class or a filtered audience' },
      { name: 'Webhooks', description: 'Called by WhatsApp and the payment provider' },
      { name: 'Operations', description: 'Probes, metrics, the codec server, this description' },
    ],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An admin or agent token (POST /api/admin/tokens)' },
      },
    },
    paths: { ...conversationPaths, ...teamPaths, ...operationPaths, ...inboundPaths },
  });
}
