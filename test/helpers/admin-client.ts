import type { TestStack } from './stack';

// Every answer is checked against the OpenAPI document, as every fetch of the API is (checked-fetch.ts):
// one it does not describe fails the test.

/** An HTTP client for the admin API with one bearer token. */
export class AdminClient {
  constructor(
    private readonly stack: TestStack,
    private readonly token: string,
    /** The person the token belongs to, when this client created it. */
    readonly agentId?: number,
  ) {}

  /** Creates an agent token (with the stack's ADMIN_TOKEN) and returns a client for it. */
  static async agent(stack: TestStack, name: string): Promise<AdminClient> {
    const admin = new AdminClient(stack, stack.config.adminToken);
    const { status, body } = await admin.request('POST', '/api/admin/tokens', { name, role: 'agent' });
    if (status !== 201) throw new Error(`token create answered ${status}`);
    const created = body as { token: string; agentId: number };
    return new AdminClient(stack, created.token, created.agentId);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely and assert its shape
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    return { status: response.status, body: parsed };
  }

  chat(action: 'start' | 'send' | 'end', phone: string, message?: string, headers?: Record<string, string>) {
    return this.request(
      'POST',
      `/api/admin/conversations/${phone}/chat-support/${action}`,
      message === undefined ? {} : { message },
      headers,
    );
  }

  /** Uploads one file as multipart/form-data, as the console does (POST /api/admin/media). */
  async upload(data: Buffer, filename: string, type: string) {
    const form = new FormData();
    form.append('file', new Blob([data], { type }), filename);
    const response = await fetch(`${this.stack.baseUrl}/api/admin/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      body: form,
    });
    const body: unknown = await response.json();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely and assert its shape
    return { status: response.status, body: body as any };
  }

  history(phone: string) {
    return this.request('GET', `/api/admin/conversations/${phone}/messages`);
  }
}
