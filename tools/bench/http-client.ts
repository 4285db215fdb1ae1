import http from 'node:http';

// A lean HTTP client for the load generator: one keep-alive agent, bodies as strings, the answer's
// status and text. fetch (undici) costs noticeably more CPU per request on a 2-core machine, and every
// millisecond the load generator spends is taken from the system under test.

export interface HttpAnswer {
  status: number;
  text: string;
}

export function createHttpClient(maxSockets = 256): {
  post(url: string, body: string, headers: Record<string, string>): Promise<HttpAnswer>;
  close(): void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    post(url, body, headers) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const req = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname + target.search,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.setTimeout(120_000, () => req.destroy(new Error('request timed out after 120 s')));
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
